-- Priority reconciliation: the negotiation status of each project whose NRW priority differs
-- from the Bund-Länder priority. Keyed by project slug, so a re-import keeps it.
CREATE TABLE prioritaet_abstimmung (
    slug       TEXT PRIMARY KEY,
    status     TEXT NOT NULL,
    notiz      TEXT NOT NULL,
    geaendert  TEXT NOT NULL,
    konto      TEXT NOT NULL
);
