-- Programme database schema, one file for SQLite and PostgreSQL: BIGINT and DOUBLE PRECISION
-- are 64-bit integers and doubles in both; booleans are BIGINT 0/1.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE themenfeld (
    id                  BIGINT PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    slug                TEXT NOT NULL UNIQUE,
    abschnitt           TEXT,
    hinweis             TEXT,
    projektleitung_text TEXT,
    leistungstabelle    TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE lage (
    id            BIGINT PRIMARY KEY,
    themenfeld_id BIGINT NOT NULL REFERENCES themenfeld(id),
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL UNIQUE
);

CREATE TABLE ozg_leistung (
    ozg_id        BIGINT PRIMARY KEY,
    name          TEXT NOT NULL,
    lage_id       BIGINT NOT NULL REFERENCES lage(id),
    themenfeld_id BIGINT NOT NULL REFERENCES themenfeld(id)
);
CREATE INDEX ozg_leistung_lage ON ozg_leistung(lage_id);

CREATE TABLE leika_leistung (
    id               BIGINT PRIMARY KEY,
    schluessel       TEXT,
    schluessel_roh   TEXT NOT NULL,
    name             TEXT NOT NULL,
    ozg_id           BIGINT REFERENCES ozg_leistung(ozg_id),
    typisierung      BIGINT,
    typisierung_roh  TEXT NOT NULL,
    rechtsgrundlagen TEXT NOT NULL
);
CREATE INDEX leika_leistung_ozg ON leika_leistung(ozg_id);

CREATE TABLE organisation (
    id                  BIGINT PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    amtlicher_name      TEXT,
    kurzname            TEXT,
    art                 TEXT NOT NULL,
    it_dienstleister    BIGINT NOT NULL,
    ags                 TEXT,
    ars                 TEXT,
    kreis_id            BIGINT REFERENCES organisation(id),
    regierungsbezirk_id BIGINT REFERENCES organisation(id),
    lat                 DOUBLE PRECISION,
    lon                 DOUBLE PRECISION,
    ort                 TEXT,
    url                 TEXT,
    beschreibung        TEXT,
    aliases             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX organisation_kreis ON organisation(kreis_id);

CREATE TABLE fachlichkeit (
    id   BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE
);

CREATE TABLE projekt (
    id                         BIGINT PRIMARY KEY,
    slug                       TEXT NOT NULL UNIQUE,
    name                       TEXT NOT NULL,
    position                   BIGINT NOT NULL,
    beschreibung               TEXT,
    anmerkung                  TEXT,
    projektstart_text          TEXT,
    projektstart_art           TEXT,
    start_ordinal              BIGINT,
    prioritaet_nrw             BIGINT,
    prioritaet_bund            BIGINT,
    prioritaet_veranstaltungen TEXT,
    zielportal                 TEXT,
    arbeitsstruktur            BIGINT,
    efa                        BIGINT,
    phase_vorbereitung         TEXT,
    phase_konzeption           TEXT,
    phase_umsetzung            TEXT,
    phase_pilotierung_nrw      TEXT,
    phase_rollout_nrw          TEXT,
    phase_rollout_bund         TEXT,
    partner_gesucht            BIGINT NOT NULL,
    themenfelder_text          TEXT NOT NULL,
    fachlichkeit_text          TEXT NOT NULL,
    hinweise                   TEXT NOT NULL DEFAULT '{}',
    unsicher                   TEXT NOT NULL DEFAULT '{}',
    steckbrief                 TEXT,
    quelle                     TEXT
);
CREATE INDEX projekt_position ON projekt(position);

CREATE TABLE projekt_themenfeld (
    projekt_id    BIGINT NOT NULL REFERENCES projekt(id),
    themenfeld_id BIGINT NOT NULL REFERENCES themenfeld(id),
    teilabschnitt TEXT,
    PRIMARY KEY (projekt_id, themenfeld_id)
);
CREATE INDEX projekt_themenfeld_tf ON projekt_themenfeld(themenfeld_id);

CREATE TABLE projekt_fachlichkeit (
    projekt_id      BIGINT NOT NULL REFERENCES projekt(id),
    fachlichkeit_id BIGINT NOT NULL REFERENCES fachlichkeit(id),
    position        BIGINT NOT NULL,
    PRIMARY KEY (projekt_id, fachlichkeit_id)
);
CREATE INDEX projekt_fachlichkeit_f ON projekt_fachlichkeit(fachlichkeit_id);

CREATE TABLE projekt_rolle (
    id              BIGINT PRIMARY KEY,
    projekt_id      BIGINT NOT NULL REFERENCES projekt(id),
    rolle           TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisation(id),
    text            TEXT NOT NULL,
    hinweis         TEXT,
    offen           BIGINT NOT NULL,
    unsicher        TEXT,
    position        BIGINT NOT NULL
);
CREATE INDEX projekt_rolle_projekt ON projekt_rolle(projekt_id);
CREATE INDEX projekt_rolle_org ON projekt_rolle(organisation_id);

CREATE TABLE projekt_ozg_leistung (
    projekt_id BIGINT NOT NULL REFERENCES projekt(id),
    ozg_id     BIGINT NOT NULL REFERENCES ozg_leistung(ozg_id),
    quelle     TEXT NOT NULL,
    hinweis    TEXT,
    PRIMARY KEY (projekt_id, ozg_id)
);
CREATE INDEX projekt_ozg_leistung_ozg ON projekt_ozg_leistung(ozg_id);

CREATE TABLE projekt_kdn_nr (
    kdn_nr     BIGINT NOT NULL,
    admin      BIGINT NOT NULL,
    projekt_id BIGINT NOT NULL REFERENCES projekt(id),
    PRIMARY KEY (kdn_nr, admin)
);

CREATE TABLE workshop (
    id           BIGINT PRIMARY KEY,
    datum        TEXT NOT NULL,
    ort          TEXT,
    quelle       TEXT,
    anmerkung    TEXT,
    themenfelder TEXT NOT NULL,
    unsicher     TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE workshop_themenfeld (
    workshop_id   BIGINT NOT NULL REFERENCES workshop(id),
    themenfeld_id BIGINT NOT NULL REFERENCES themenfeld(id),
    PRIMARY KEY (workshop_id, themenfeld_id)
);

CREATE TABLE dokument (
    key  TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE search_doc (
    id       BIGINT PRIMARY KEY,
    kind     TEXT NOT NULL,
    title    TEXT NOT NULL,
    subtitle TEXT NOT NULL,
    url      TEXT NOT NULL,
    rank     BIGINT NOT NULL,
    terms    TEXT NOT NULL,
    title_terms TEXT NOT NULL
);
