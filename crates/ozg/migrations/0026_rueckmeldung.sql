-- Feedback on accessibility (the feedback form of the Erklärung zur Barrierefreiheit). Name
-- and e-mail address are optional and stay here (the e-mail to the operator carries only the
-- page and the description); every row is deleted 180 days after it arrived (hourly task
-- "alte Rückmeldungen löschen").
CREATE TABLE rueckmeldung (
    id           BIGINT PRIMARY KEY,
    erstellt     BIGINT NOT NULL,
    seite        TEXT NOT NULL,
    beschreibung TEXT NOT NULL,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL
);
CREATE INDEX rueckmeldung_erstellt ON rueckmeldung(erstellt);

-- Throttling per client address: one row per submission, counted before it is stored (as
-- login attempts are), kept one day. The address key (IPv4 address or IPv6 /64) is stored as
-- its SHA-256 hash: pseudonymous, not anonymous (the small address space can be hashed through).
CREATE TABLE rueckmeldung_versuch (
    schluessel TEXT NOT NULL,
    zeit       BIGINT NOT NULL,
    kennung    TEXT NOT NULL
);
CREATE INDEX rueckmeldung_versuch_schluessel ON rueckmeldung_versuch(schluessel, zeit);
CREATE INDEX rueckmeldung_versuch_kennung ON rueckmeldung_versuch(kennung);

INSERT INTO id_folge (tabelle, letzte) VALUES ('rueckmeldung', 0);
