-- Programme database schema (SQLite). Keep in step with ../postgres/0001_init.sql:
-- the same tables and columns, only the types differ.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE themenfeld (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    slug                TEXT NOT NULL UNIQUE,
    abschnitt           TEXT,
    hinweis             TEXT,
    projektleitung_text TEXT,
    leistungstabelle    TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE lage (
    id            INTEGER PRIMARY KEY,
    themenfeld_id INTEGER NOT NULL REFERENCES themenfeld(id),
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL UNIQUE
);

CREATE TABLE ozg_leistung (
    ozg_id        INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    lage_id       INTEGER NOT NULL REFERENCES lage(id),
    themenfeld_id INTEGER NOT NULL REFERENCES themenfeld(id)
);
CREATE INDEX ozg_leistung_lage ON ozg_leistung(lage_id);

CREATE TABLE leika_leistung (
    id               INTEGER PRIMARY KEY,
    schluessel       TEXT,
    schluessel_roh   TEXT NOT NULL,
    name             TEXT NOT NULL,
    ozg_id           INTEGER REFERENCES ozg_leistung(ozg_id),
    typisierung      INTEGER,
    typisierung_roh  TEXT NOT NULL,
    rechtsgrundlagen TEXT NOT NULL
);
CREATE INDEX leika_leistung_ozg ON leika_leistung(ozg_id);

CREATE TABLE organisation (
    id                  INTEGER PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    amtlicher_name      TEXT,
    kurzname            TEXT,
    art                 TEXT NOT NULL,
    it_dienstleister    INTEGER NOT NULL,
    ags                 TEXT,
    ars                 TEXT,
    kreis_id            INTEGER REFERENCES organisation(id),
    regierungsbezirk_id INTEGER REFERENCES organisation(id),
    lat                 REAL,
    lon                 REAL,
    ort                 TEXT,
    url                 TEXT,
    beschreibung        TEXT,
    aliases             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX organisation_kreis ON organisation(kreis_id);

CREATE TABLE fachlichkeit (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE
);

CREATE TABLE projekt (
    id                         INTEGER PRIMARY KEY,
    slug                       TEXT NOT NULL UNIQUE,
    name                       TEXT NOT NULL,
    position                   INTEGER NOT NULL,
    beschreibung               TEXT,
    anmerkung                  TEXT,
    projektstart_text          TEXT,
    projektstart_art           TEXT,
    start_ordinal              INTEGER,
    prioritaet_nrw             INTEGER,
    prioritaet_bund            INTEGER,
    prioritaet_veranstaltungen TEXT,
    zielportal                 TEXT,
    arbeitsstruktur            INTEGER,
    efa                        INTEGER,
    phase_vorbereitung         TEXT,
    phase_konzeption           TEXT,
    phase_umsetzung            TEXT,
    phase_pilotierung_nrw      TEXT,
    phase_rollout_nrw          TEXT,
    phase_rollout_bund         TEXT,
    partner_gesucht            INTEGER NOT NULL,
    themenfelder_text          TEXT NOT NULL,
    fachlichkeit_text          TEXT NOT NULL,
    hinweise                   TEXT NOT NULL DEFAULT '{}',
    unsicher                   TEXT NOT NULL DEFAULT '{}',
    steckbrief                 TEXT,
    quelle                     TEXT
);
CREATE INDEX projekt_position ON projekt(position);

CREATE TABLE projekt_themenfeld (
    projekt_id    INTEGER NOT NULL REFERENCES projekt(id),
    themenfeld_id INTEGER NOT NULL REFERENCES themenfeld(id),
    teilabschnitt TEXT,
    PRIMARY KEY (projekt_id, themenfeld_id)
);
CREATE INDEX projekt_themenfeld_tf ON projekt_themenfeld(themenfeld_id);

CREATE TABLE projekt_fachlichkeit (
    projekt_id      INTEGER NOT NULL REFERENCES projekt(id),
    fachlichkeit_id INTEGER NOT NULL REFERENCES fachlichkeit(id),
    position        INTEGER NOT NULL,
    PRIMARY KEY (projekt_id, fachlichkeit_id)
);
CREATE INDEX projekt_fachlichkeit_f ON projekt_fachlichkeit(fachlichkeit_id);

CREATE TABLE projekt_rolle (
    id              INTEGER PRIMARY KEY,
    projekt_id      INTEGER NOT NULL REFERENCES projekt(id),
    rolle           TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisation(id),
    text            TEXT NOT NULL,
    hinweis         TEXT,
    offen           INTEGER NOT NULL,
    unsicher        TEXT,
    position        INTEGER NOT NULL
);
CREATE INDEX projekt_rolle_projekt ON projekt_rolle(projekt_id);
CREATE INDEX projekt_rolle_org ON projekt_rolle(organisation_id);

CREATE TABLE projekt_ozg_leistung (
    projekt_id INTEGER NOT NULL REFERENCES projekt(id),
    ozg_id     INTEGER NOT NULL REFERENCES ozg_leistung(ozg_id),
    quelle     TEXT NOT NULL,
    hinweis    TEXT,
    PRIMARY KEY (projekt_id, ozg_id)
);
CREATE INDEX projekt_ozg_leistung_ozg ON projekt_ozg_leistung(ozg_id);

CREATE TABLE projekt_kdn_nr (
    kdn_nr     INTEGER NOT NULL,
    admin      INTEGER NOT NULL,
    projekt_id INTEGER NOT NULL REFERENCES projekt(id),
    PRIMARY KEY (kdn_nr, admin)
);

CREATE TABLE workshop (
    id           INTEGER PRIMARY KEY,
    datum        TEXT NOT NULL,
    ort          TEXT,
    quelle       TEXT,
    anmerkung    TEXT,
    themenfelder TEXT NOT NULL,
    unsicher     TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE workshop_themenfeld (
    workshop_id   INTEGER NOT NULL REFERENCES workshop(id),
    themenfeld_id INTEGER NOT NULL REFERENCES themenfeld(id),
    PRIMARY KEY (workshop_id, themenfeld_id)
);

CREATE TABLE dokument (
    key  TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE search_doc (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    title    TEXT NOT NULL,
    subtitle TEXT NOT NULL,
    url      TEXT NOT NULL,
    rank     INTEGER NOT NULL,
    terms    TEXT NOT NULL,
    title_terms TEXT NOT NULL
);
