-- Optimistic concurrency for edited projects: every save increments the version and only
-- succeeds against the version the form was loaded with.
ALTER TABLE projekt ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
