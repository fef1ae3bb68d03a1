-- The Steckbrief editor keeps a draft beside the published Steckbrief; only members see it.
ALTER TABLE projekt ADD COLUMN steckbrief_entwurf TEXT;
