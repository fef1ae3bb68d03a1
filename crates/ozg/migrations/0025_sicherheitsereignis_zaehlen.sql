-- Security events are counted, not stored one row per request: anyone can send refused
-- forms, and one row each would let them fill the table. One row per kind (`art`), address
-- key (`adresse`: the address, an IPv6 client by its /64 as in login throttling), route
-- pattern (`pfad`: e.g. `/einladung/{token}`; a path no route matched, cut to 200 characters),
-- account (`konto`: '' for none, so that the key is unique without NULL) and hour (`stunde`:
-- the hour's start in seconds since the epoch, `zeit - zeit % 3600`), with the number of
-- events (`anzahl`) and the time and detail of the latest (`zeit`, `detail`).
--
-- The table is rebuilt (the same in SQLite and PostgreSQL; `konto` becomes NOT NULL) and
-- the rows kept so far are counted into that shape (their `detail`: one of the group's).
CREATE TABLE sicherheitsereignis_neu (
    id       BIGINT PRIMARY KEY,
    zeit     BIGINT NOT NULL,
    stunde   BIGINT NOT NULL DEFAULT 0,
    art      TEXT NOT NULL,
    adresse  TEXT NOT NULL,
    konto    TEXT NOT NULL DEFAULT '',
    pfad     TEXT NOT NULL,
    detail   TEXT NOT NULL,
    anzahl   BIGINT NOT NULL DEFAULT 1
);

INSERT INTO sicherheitsereignis_neu (id, zeit, stunde, art, adresse, konto, pfad, detail, anzahl)
SELECT MAX(id), MAX(zeit), zeit - zeit % 3600, art, adresse, COALESCE(konto, ''),
       SUBSTR(pfad, 1, 200), MAX(detail), COUNT(*)
FROM sicherheitsereignis
GROUP BY art, adresse, SUBSTR(pfad, 1, 200), zeit - zeit % 3600, COALESCE(konto, '');

DROP TABLE sicherheitsereignis;
ALTER TABLE sicherheitsereignis_neu RENAME TO sicherheitsereignis;

-- The aggregation key: `INSERT … ON CONFLICT (art, adresse, pfad, stunde, konto) DO UPDATE`
-- counts an event into its row. Its prefix (without `konto`) also serves the cap on
-- distinct accounts per address and hour (`kern::sicherheit::eintrag`).
CREATE UNIQUE INDEX sicherheitsereignis_schluessel
    ON sicherheitsereignis (art, adresse, pfad, stunde, konto);
CREATE INDEX sicherheitsereignis_zeit ON sicherheitsereignis (zeit);
CREATE INDEX sicherheitsereignis_art ON sicherheitsereignis (art, zeit);
