-- Attachments of Steckbriefe and workshop photo protocols. The files live in the data
-- directory under their SHA-256, outside anything served directly; this is their metadata.
CREATE TABLE anhang (
    id              BIGINT PRIMARY KEY,
    objekt          TEXT NOT NULL,
    titel           TEXT NOT NULL,
    dateiname       TEXT NOT NULL,
    art             TEXT NOT NULL,
    groesse         BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    oeffentlich     BIGINT NOT NULL,
    hochgeladen_von TEXT NOT NULL,
    hochgeladen_am  TEXT NOT NULL
);
CREATE INDEX anhang_objekt ON anhang(objekt);
