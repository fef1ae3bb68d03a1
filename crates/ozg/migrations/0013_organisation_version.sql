-- Optimistic locking for edited organisations.
ALTER TABLE organisation ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
