-- IT-Lenkungsausschuss: Vorlagen (a project's Steckbrief with its Varianten, submitted for
-- decision), meetings with their agendas, decisions, and the Umlaufverfahren (vote by
-- circulation). Projects are referenced by slug, so a re-import keeps all of it.
CREATE TABLE vorlage (
    id              BIGINT PRIMARY KEY,
    projekt         TEXT NOT NULL,
    titel           TEXT NOT NULL,
    varianten       TEXT NOT NULL,
    empfehlung      TEXT NOT NULL,
    eingereicht_von TEXT NOT NULL,
    eingereicht_am  TEXT NOT NULL,
    sitzung_id      BIGINT
);
CREATE INDEX vorlage_projekt ON vorlage(projekt);

CREATE TABLE ausschuss_sitzung (
    id          BIGINT PRIMARY KEY,
    datum       TEXT NOT NULL,
    ort         TEXT NOT NULL,
    angelegt_von TEXT NOT NULL
);

CREATE TABLE beschluss (
    id           BIGINT PRIMARY KEY,
    vorlage_id   BIGINT NOT NULL REFERENCES vorlage(id),
    entscheidung TEXT NOT NULL,
    variante     TEXT NOT NULL,
    finanzierung TEXT NOT NULL,
    beauftragung TEXT NOT NULL,
    datum        TEXT NOT NULL,
    protokoll    TEXT NOT NULL,
    verfahren    TEXT NOT NULL,
    erfasst_von  TEXT NOT NULL
);
CREATE INDEX beschluss_vorlage ON beschluss(vorlage_id);

CREATE TABLE umlauf (
    id              BIGINT PRIMARY KEY,
    vorlage_id      BIGINT NOT NULL REFERENCES vorlage(id),
    variante        TEXT NOT NULL,
    frist           BIGINT NOT NULL,
    quorum          BIGINT NOT NULL,
    mehrheit        TEXT NOT NULL,
    stimmberechtigt BIGINT NOT NULL,
    gestartet_von   TEXT NOT NULL,
    gestartet_am    TEXT NOT NULL,
    ergebnis        TEXT
);

-- One row per member and vote: the primary key makes a second vote impossible.
CREATE TABLE umlauf_stimme (
    umlauf_id BIGINT NOT NULL REFERENCES umlauf(id),
    konto_id  BIGINT NOT NULL REFERENCES konto(id),
    stimme    TEXT NOT NULL,
    zeit      TEXT NOT NULL,
    PRIMARY KEY (umlauf_id, konto_id)
);
