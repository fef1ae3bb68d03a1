-- Number sequences: a new record takes the next number of its table, never one that was used
-- before, even when records were deleted (an `ozg import` used to delete web-created
-- workshops, and the next one took the freed number and inherited its photos and history).
-- One row per table; taking a number is `UPDATE … RETURNING`, the same SQL on both databases.
-- Numbers made on the web start above the ranges the import uses (workshops 90000+, roles
-- 80000+), so a workshop added to the plan files later cannot collide with one made online.
CREATE TABLE id_folge (
    tabelle TEXT PRIMARY KEY,
    letzte  BIGINT NOT NULL
);

INSERT INTO id_folge (tabelle, letzte) VALUES
    ('workshop', CASE WHEN (SELECT MAX(id) FROM workshop) > 190000 THEN (SELECT MAX(id) FROM workshop) ELSE 190000 END),
    ('projekt_rolle', CASE WHEN (SELECT MAX(id) FROM projekt_rolle) > 180000 THEN (SELECT MAX(id) FROM projekt_rolle) ELSE 180000 END),
    ('vorlage', COALESCE((SELECT MAX(id) FROM vorlage), 0)),
    ('ausschuss_sitzung', COALESCE((SELECT MAX(id) FROM ausschuss_sitzung), 0)),
    ('umlauf', COALESCE((SELECT MAX(id) FROM umlauf), 0)),
    ('beschluss', COALESCE((SELECT MAX(id) FROM beschluss), 0)),
    ('anhang', COALESCE((SELECT MAX(id) FROM anhang), 0)),
    ('konto', COALESCE((SELECT MAX(id) FROM konto), 0)),
    ('kommentar', COALESCE((SELECT MAX(id) FROM kommentar), 0)),
    ('plan_stand', COALESCE((SELECT MAX(id) FROM plan_stand), 0));
