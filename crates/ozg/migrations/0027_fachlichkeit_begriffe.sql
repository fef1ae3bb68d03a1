-- The canonical terms of a Fachlichkeit as the document writes it (data/plan/fachlichkeiten.toml),
-- joined by "; ": the list filter offers the terms, the project page keeps the document's text.
-- Empty until the next import: each text is then its own term.
ALTER TABLE fachlichkeit ADD COLUMN begriffe TEXT NOT NULL DEFAULT '';
