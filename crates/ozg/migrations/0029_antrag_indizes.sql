-- The authority's inbox over many Anträge (issue #13, docs/benchmarks.md "Anträge").
--
-- 1. The list indexes carry the inbox's order (submitted, newest first, then the number) and
--    the state, so counting hits, finding a page and skipping to page 500 read the index
--    only, never the rows (the three indexes of 0028 lacked `id` and, for the assigned ones,
--    the state).
DROP INDEX antrag_eingang;
DROP INDEX antrag_zustand;
DROP INDEX antrag_zugewiesen;
CREATE INDEX antrag_liste ON antrag(behoerde_id, eingereicht, id, zustand);
CREATE INDEX antrag_liste_zustand ON antrag(behoerde_id, zustand, eingereicht, id);
CREATE INDEX antrag_liste_zugewiesen ON antrag(behoerde_id, zugewiesen, eingereicht, id, zustand);

-- 2. The search's word index: for every word of a submitted Antrag's search text the number
--    made of the word's first 7 bytes (UTF-8, big-endian, padded with zero bytes). A search
--    word finds its candidates as a range of these numbers (the same in every database and
--    collation); `suchtext LIKE '% wort%'` still decides. Written with the submission, deleted
--    with the Antrag.
CREATE TABLE antrag_suchwort (
    antrag_id      BIGINT NOT NULL REFERENCES antrag(id),
    behoerde_id    BIGINT NOT NULL,
    anfang         BIGINT NOT NULL,
    PRIMARY KEY (antrag_id, anfang)
);
CREATE INDEX antrag_suchwort_suche ON antrag_suchwort(behoerde_id, anfang, antrag_id);

-- Anträge submitted before this migration get their words from the task "Suchwörter der
-- Anträge nachtragen" (at the next start); until it is done the search reads every row as
-- before, so no Antrag is missing from a search meanwhile.
INSERT INTO meta (key, value)
SELECT 'antrag_suchwort_nachtragen', '1'
WHERE EXISTS (SELECT 1 FROM antrag WHERE zustand <> 'entwurf');
