-- Members' comments on projects (internal: never shown to the public).
CREATE TABLE kommentar (
    id      BIGINT PRIMARY KEY,
    objekt  TEXT NOT NULL,
    konto   TEXT NOT NULL,
    name    TEXT NOT NULL,
    text    TEXT NOT NULL,
    zeit    TEXT NOT NULL
);
CREATE INDEX kommentar_objekt ON kommentar(objekt);
