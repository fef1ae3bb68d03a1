-- Outgoing e-mail: a request only puts messages here (in its own transaction); the scheduled
-- task "E-Mails zustellen" sends them, with retries, on whichever instance claims them first
-- (`gesperrt_bis`). Sent and given-up messages are deleted after 30 days (data minimisation).
CREATE TABLE postausgang (
    id                BIGINT PRIMARY KEY,
    empfaenger_name   TEXT NOT NULL,
    empfaenger        TEXT NOT NULL,
    betreff           TEXT NOT NULL,
    text              TEXT NOT NULL,
    anlass            TEXT NOT NULL,
    erstellt          BIGINT NOT NULL,
    versuche          BIGINT NOT NULL DEFAULT 0,
    naechster_versuch BIGINT NOT NULL,
    gesperrt_bis      BIGINT,
    gesendet          BIGINT,
    aufgegeben        BIGINT,
    fehler            TEXT
);
CREATE INDEX postausgang_faellig ON postausgang(gesendet, aufgegeben, naechster_versuch);
CREATE INDEX postausgang_anlass ON postausgang(anlass);

INSERT INTO id_folge (tabelle, letzte) VALUES ('postausgang', 0);
