-- Where each project stands with the IT-Lenkungsausschuss, as the project page shows it: the
-- state after its newest Vorlage and that Vorlage's latest decision. The committees write it
-- in the same transaction as the Vorlage or decision; the project page reads it with the rest
-- of the project, without asking the committee's tables. Keyed by slug like the Vorlagen.
CREATE TABLE projekt_entscheidung (
    projekt   TEXT PRIMARY KEY,
    stand     TEXT NOT NULL,
    datum     TEXT,
    verfahren TEXT,
    variante  TEXT
);

INSERT INTO projekt_entscheidung (projekt, stand, datum, verfahren, variante)
SELECT v.projekt,
       COALESCE((SELECT b.entscheidung FROM beschluss b WHERE b.vorlage_id = v.id ORDER BY b.id DESC LIMIT 1), 'vorgelegt'),
       (SELECT b.datum FROM beschluss b WHERE b.vorlage_id = v.id ORDER BY b.id DESC LIMIT 1),
       (SELECT b.verfahren FROM beschluss b WHERE b.vorlage_id = v.id ORDER BY b.id DESC LIMIT 1),
       (SELECT b.variante FROM beschluss b WHERE b.vorlage_id = v.id ORDER BY b.id DESC LIMIT 1)
FROM vorlage v
WHERE v.id = (SELECT MAX(v2.id) FROM vorlage v2 WHERE v2.projekt = v.projekt);
