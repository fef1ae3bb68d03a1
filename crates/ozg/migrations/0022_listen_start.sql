-- A project listed in two Themenfelder can have a different Projektstart in each table
-- (Meldewesen: Q1/2020 in 2.2, „Lebensbescheinigung: Q1 2022“ in 2.1): the listing's own start.
ALTER TABLE projekt_themenfeld ADD COLUMN projektstart_text TEXT;
ALTER TABLE projekt_themenfeld ADD COLUMN start_ordinal BIGINT;
