-- The citizens' portal (issue #13): authorities and their staff, citizens, their sessions,
-- Anträge with their history, the Postfach, notes and attachments. Citizens and staff are
-- separate from the members' accounts (`konto`). Times are seconds since the epoch.

-- An authority: a Gemeinde, Kreis or kreisfreie Stadt, or an office of one. `schluessel` is
-- the key the Zuständigkeit names ("05566076-jugendamt": AGS of the Körperschaft and office).
CREATE TABLE behoerde (
    id             BIGINT PRIMARY KEY,
    schluessel     TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    anschrift      TEXT NOT NULL,
    email          TEXT NOT NULL,
    nummernformat  TEXT NOT NULL,
    erstellt       BIGINT NOT NULL
);

-- Staff of an authority. `idp`: the authority's own SAML IdP later (NULL: local password).
CREATE TABLE mitarbeiter (
    id             BIGINT PRIMARY KEY,
    behoerde_id    BIGINT NOT NULL REFERENCES behoerde(id),
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    rolle          TEXT NOT NULL,
    passwort_hash  TEXT,
    idp            TEXT,
    aktiv          BIGINT NOT NULL,
    erstellt       BIGINT NOT NULL
);
CREATE INDEX mitarbeiter_behoerde ON mitarbeiter(behoerde_id);

-- A citizen: a local account (e-mail and password, level Basisregistrierung) or a BundID
-- identity (`kennung`: the pseudonymous bPK2). Name and address come from BundID or from
-- the citizen's own entries; nothing else is kept about the person here.
CREATE TABLE buerger (
    id             BIGINT PRIMARY KEY,
    herkunft       TEXT NOT NULL,
    kennung        TEXT NOT NULL UNIQUE,
    email          TEXT NOT NULL,
    passwort_hash  TEXT,
    bestaetigt     BIGINT NOT NULL,
    vorname        TEXT NOT NULL,
    nachname       TEXT NOT NULL,
    strasse        TEXT NOT NULL,
    plz            TEXT NOT NULL,
    ort            TEXT NOT NULL,
    erstellt       BIGINT NOT NULL,
    zuletzt        BIGINT NOT NULL
);

-- One-time links sent by e-mail (confirm the address, resume a draft): only the hash.
CREATE TABLE portal_token (
    token_hash     TEXT PRIMARY KEY,
    zweck          TEXT NOT NULL,
    bezug          BIGINT NOT NULL,
    ablauf         BIGINT NOT NULL
);
CREATE INDEX portal_token_ablauf ON portal_token(ablauf);

-- Sessions of citizens and staff (a different cookie from the members' area).
CREATE TABLE portal_sitzung (
    token_hash     TEXT PRIMARY KEY,
    art            TEXT NOT NULL,
    person_id      BIGINT NOT NULL,
    niveau         BIGINT NOT NULL,
    csrf           TEXT NOT NULL,
    erstellt       BIGINT NOT NULL,
    zuletzt        BIGINT NOT NULL
);
CREATE INDEX portal_sitzung_person ON portal_sitzung(art, person_id);

-- Outstanding SAML requests: the answer must name one (InResponseTo), and each is used once.
CREATE TABLE saml_anfrage (
    id             TEXT PRIMARY KEY,
    niveau         BIGINT NOT NULL,
    weiter         TEXT NOT NULL,
    erstellt       BIGINT NOT NULL
);

-- An Antrag. `behoerde_id` is set once the address names the responsible authority; a draft
-- without account is reached by the hash of its resume link (`fortsetzen_hash`).
CREATE TABLE antrag (
    id               BIGINT PRIMARY KEY,
    dienst           TEXT NOT NULL,
    behoerde_id      BIGINT REFERENCES behoerde(id),
    buerger_id       BIGINT REFERENCES buerger(id),
    fortsetzen_hash  TEXT UNIQUE,
    email            TEXT NOT NULL,
    nummer           TEXT,
    zustand          TEXT NOT NULL,
    schritt          BIGINT NOT NULL,
    daten            TEXT NOT NULL,
    suchtext         TEXT NOT NULL,
    name             TEXT NOT NULL,
    zugewiesen       BIGINT REFERENCES mitarbeiter(id),
    frist            BIGINT,
    erstellt         BIGINT NOT NULL,
    geaendert        BIGINT NOT NULL,
    eingereicht      BIGINT,
    abgeschlossen    BIGINT,
    loeschen_ab      BIGINT,
    version          BIGINT NOT NULL
);
-- An Antragsnummer is unique within its authority (each counts its own series).
CREATE UNIQUE INDEX antrag_nummer_je_behoerde ON antrag(behoerde_id, nummer);
CREATE INDEX antrag_eingang ON antrag(behoerde_id, eingereicht);
CREATE INDEX antrag_zustand ON antrag(behoerde_id, zustand, eingereicht);
CREATE INDEX antrag_zugewiesen ON antrag(behoerde_id, zugewiesen, eingereicht);
CREATE INDEX antrag_buerger ON antrag(buerger_id);
CREATE INDEX antrag_loeschen ON antrag(loeschen_ab);

-- The running number per authority, prefix and year (Antragsnummer).
CREATE TABLE antrag_nummer (
    behoerde_id    BIGINT NOT NULL,
    praefix        TEXT NOT NULL,
    jahr           BIGINT NOT NULL,
    letzte         BIGINT NOT NULL,
    PRIMARY KEY (behoerde_id, praefix, jahr)
);

-- The history of an Antrag: every transition, who, when and why (the citizen sees it).
CREATE TABLE antrag_ereignis (
    id             BIGINT PRIMARY KEY,
    antrag_id      BIGINT NOT NULL REFERENCES antrag(id),
    zeit           BIGINT NOT NULL,
    wer            TEXT NOT NULL,
    ereignis       TEXT NOT NULL,
    von            TEXT NOT NULL,
    nach           TEXT NOT NULL,
    begruendung    TEXT NOT NULL
);
CREATE INDEX antrag_ereignis_antrag ON antrag_ereignis(antrag_id);

-- The Postfach: messages between the citizen and the authority about one Antrag.
-- `richtung`: 'an-buerger' | 'an-behoerde'; `art`: 'nachricht' | 'nachforderung' | 'bescheid'.
CREATE TABLE nachricht (
    id             BIGINT PRIMARY KEY,
    antrag_id      BIGINT NOT NULL REFERENCES antrag(id),
    richtung       TEXT NOT NULL,
    art            TEXT NOT NULL,
    von            TEXT NOT NULL,
    betreff        TEXT NOT NULL,
    text           TEXT NOT NULL,
    frist          BIGINT,
    zeit           BIGINT NOT NULL,
    gelesen        BIGINT
);
CREATE INDEX nachricht_antrag ON nachricht(antrag_id, zeit);

-- Internal notes of the staff on a case (the citizen never sees them).
CREATE TABLE antrag_notiz (
    id             BIGINT PRIMARY KEY,
    antrag_id      BIGINT NOT NULL REFERENCES antrag(id),
    von            TEXT NOT NULL,
    zeit           BIGINT NOT NULL,
    text           TEXT NOT NULL
);
CREATE INDEX antrag_notiz_antrag ON antrag_notiz(antrag_id);

-- Files of an Antrag (its form, a message, a Bescheid): kept apart from the programme's
-- attachments, served only to the Antrag's citizen and its authority's staff.
CREATE TABLE antrag_datei (
    id             BIGINT PRIMARY KEY,
    antrag_id      BIGINT NOT NULL REFERENCES antrag(id),
    nachricht_id   BIGINT REFERENCES nachricht(id),
    zweck          TEXT NOT NULL,
    dateiname      TEXT NOT NULL,
    art            TEXT NOT NULL,
    groesse        BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    von            TEXT NOT NULL,
    zeit           BIGINT NOT NULL
);
CREATE INDEX antrag_datei_antrag ON antrag_datei(antrag_id);
CREATE INDEX antrag_datei_sha ON antrag_datei(sha256);

-- What stays when the personal data of an Antrag is deleted: counts, nothing personal.
CREATE TABLE antrag_statistik (
    dienst         TEXT NOT NULL,
    behoerde_id    BIGINT NOT NULL,
    monat          TEXT NOT NULL,
    ergebnis       TEXT NOT NULL,
    anzahl         BIGINT NOT NULL,
    PRIMARY KEY (dienst, behoerde_id, monat, ergebnis)
);

INSERT INTO id_folge (tabelle, letzte) VALUES
    ('behoerde', 0), ('mitarbeiter', 0), ('buerger', 0), ('antrag', 0),
    ('antrag_ereignis', 0), ('nachricht', 0), ('antrag_notiz', 0), ('antrag_datei', 0);
