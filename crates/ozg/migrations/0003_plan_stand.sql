-- Plan snapshots ("Stand"): the plan document frozen as JSON (programme::plan_document), so it
-- can be printed as of that day and compared with later states.
CREATE TABLE plan_stand (
    id         BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    erstellt   TEXT NOT NULL,
    datenstand TEXT NOT NULL,
    dokument   TEXT NOT NULL
);
