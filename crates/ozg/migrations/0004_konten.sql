-- Members' area: accounts, invitations, sessions (in the database, so any instance can serve
-- any request), login attempts for throttling, and the append-only audit log.
-- Times used in arithmetic are seconds since the epoch (BIGINT); shown times are ISO text.
-- Organisations and Themenfelder are referenced by slug: a re-import replaces their rows.
CREATE TABLE konto (
    id             BIGINT PRIMARY KEY,
    benutzername   TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    rolle          TEXT NOT NULL,
    organisation   TEXT,
    themenfelder   TEXT NOT NULL DEFAULT '',
    passwort_hash  TEXT,
    aktiv          BIGINT NOT NULL,
    erstellt       TEXT NOT NULL
);

CREATE TABLE einladung (
    token_hash  TEXT PRIMARY KEY,
    konto_id    BIGINT NOT NULL REFERENCES konto(id),
    ablauf      BIGINT NOT NULL,
    verwendet   BIGINT NOT NULL
);

CREATE TABLE sitzung (
    token_hash  TEXT PRIMARY KEY,
    konto_id    BIGINT NOT NULL REFERENCES konto(id),
    csrf        TEXT NOT NULL,
    erstellt    BIGINT NOT NULL,
    zuletzt     BIGINT NOT NULL
);
CREATE INDEX sitzung_konto ON sitzung(konto_id);

CREATE TABLE anmeldeversuch (
    schluessel  TEXT NOT NULL,
    zeit        BIGINT NOT NULL
);
CREATE INDEX anmeldeversuch_schluessel ON anmeldeversuch(schluessel, zeit);

CREATE TABLE audit (
    id           BIGINT PRIMARY KEY,
    zeit         TEXT NOT NULL,
    konto        TEXT NOT NULL,
    aktion       TEXT NOT NULL,
    objekt       TEXT NOT NULL,
    aenderungen  TEXT NOT NULL
);
CREATE INDEX audit_objekt ON audit(objekt);
