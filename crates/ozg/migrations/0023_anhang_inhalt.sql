-- Attachment contents in the database (used when PostgreSQL is the database, so several
-- instances share nothing but the database): base64 text in pieces of at most 512 KiB of
-- content, so an upload and a download never hold a whole file in memory.
CREATE TABLE anhang_stueck (
    sha256 TEXT NOT NULL,
    nr     BIGINT NOT NULL,
    daten  TEXT NOT NULL,
    PRIMARY KEY (sha256, nr)
);
