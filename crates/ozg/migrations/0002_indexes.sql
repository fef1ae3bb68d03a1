-- Lookups of Lagen, Leistungen and search documents by their parent.
CREATE INDEX lage_themenfeld ON lage(themenfeld_id);
CREATE INDEX ozg_leistung_themenfeld ON ozg_leistung(themenfeld_id);
CREATE INDEX workshop_themenfeld_tf ON workshop_themenfeld(themenfeld_id);
