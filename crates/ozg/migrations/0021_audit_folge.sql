-- The audit log's numbers from its sequence (taken in the writing transaction), so writers
-- need no global lock.
INSERT INTO id_folge (tabelle, letzte) VALUES ('audit', COALESCE((SELECT MAX(id) FROM audit), 0));
