-- A note on a project for members only. The plan's Anmerkungen and its uncertain readings are
-- part of the published plan and stay public; this note never reaches a public page, the API,
-- an export, the public plan or a past-state view.
ALTER TABLE projekt ADD COLUMN interne_notiz TEXT;
