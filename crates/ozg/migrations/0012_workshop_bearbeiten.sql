-- Editing workshops: participating organisations, the projects that resulted (when recorded,
-- they replace the list derived from the Themenfelder), and a version for optimistic locking.
ALTER TABLE workshop ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE workshop_teilnehmer (
    workshop_id  BIGINT NOT NULL,
    organisation TEXT NOT NULL,
    PRIMARY KEY (workshop_id, organisation)
);

CREATE TABLE workshop_projekt (
    workshop_id BIGINT NOT NULL,
    projekt     TEXT NOT NULL,
    PRIMARY KEY (workshop_id, projekt)
);
