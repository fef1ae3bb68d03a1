-- Security events: logins and their failures, lockouts, refused forms (CSRF) and refused
-- actions (403). They hold client addresses, which are personal data: deleted after 90 days.
CREATE TABLE sicherheitsereignis (
    id       BIGINT PRIMARY KEY,
    zeit     BIGINT NOT NULL,
    art      TEXT NOT NULL,
    adresse  TEXT NOT NULL,
    konto    TEXT,
    pfad     TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX sicherheitsereignis_zeit ON sicherheitsereignis(zeit);
CREATE INDEX sicherheitsereignis_art ON sicherheitsereignis(art, zeit);

INSERT INTO id_folge (tabelle, letzte) VALUES ('sicherheitsereignis', 0);
