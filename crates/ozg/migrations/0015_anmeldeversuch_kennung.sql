-- Each login attempt is recorded before its password is checked (so simultaneous requests
-- cannot all pass the limit); the attempt's own rows are found again by this random mark, to
-- remove them when the login succeeds or was refused without a check.
ALTER TABLE anmeldeversuch ADD COLUMN kennung TEXT NOT NULL DEFAULT '';
CREATE INDEX anmeldeversuch_kennung ON anmeldeversuch(kennung);
