-- Partner sourcing: organisations that registered Mitarbeit or Interesse through the members'
-- area (in addition to the plan's roles), and the coordinators' call for more Mitarbeit.
-- Keyed by project and organisation slug, so a re-import of the plan keeps them.
CREATE TABLE beteiligung (
    projekt         TEXT NOT NULL,
    organisation    TEXT NOT NULL,
    art             TEXT NOT NULL,
    status          TEXT NOT NULL,
    gemeldet_von    TEXT NOT NULL,
    gemeldet_am     TEXT NOT NULL,
    bestaetigt_von  TEXT,
    bestaetigt_am   TEXT,
    PRIMARY KEY (projekt, organisation)
);

CREATE TABLE partnersuche (
    projekt    TEXT PRIMARY KEY,
    hinweis    TEXT NOT NULL,
    geaendert  TEXT NOT NULL,
    konto      TEXT NOT NULL
);
