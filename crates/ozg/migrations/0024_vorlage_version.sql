-- Optimistic concurrency for the IT-Lenkungsausschuss: every change of a Vorlage's state (a
-- decision, the start or the count of an Umlaufverfahren, the agenda) increments its version
-- and only succeeds against the version read when it was checked. Two members recording a
-- decision at the same moment, or a double click on "Umlauf starten", change it once.
ALTER TABLE vorlage ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Whether the committee still has to decide (1: no decision yet, or postponed; 0: approved
-- or rejected), written with the decision, so that the database itself keeps a project at
-- one open Vorlage (two submissions at the same moment).
ALTER TABLE vorlage ADD COLUMN offen BIGINT NOT NULL DEFAULT 1;

UPDATE vorlage SET offen = 0
WHERE (SELECT b.entscheidung FROM beschluss b WHERE b.vorlage_id = vorlage.id ORDER BY b.id DESC LIMIT 1)
      IN ('freigegeben', 'abgelehnt');

-- A project that already got a second open Vorlage that way: only its newest one holds the
-- place (the older ones stay open for the committee, but do not count for the index).
UPDATE vorlage SET offen = 0
WHERE offen = 1
  AND EXISTS (SELECT 1 FROM vorlage v2 WHERE v2.projekt = vorlage.projekt AND v2.offen = 1 AND v2.id > vorlage.id);

CREATE UNIQUE INDEX vorlage_offen_projekt ON vorlage(projekt) WHERE offen = 1;
