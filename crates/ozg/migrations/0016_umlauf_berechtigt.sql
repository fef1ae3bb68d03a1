-- Who may vote in an Umlaufverfahren: the committee's active accounts at its start, stored
-- with it (before, only their number was stored, so an account created later could vote).
CREATE TABLE umlauf_berechtigt (
    umlauf_id BIGINT NOT NULL REFERENCES umlauf(id),
    konto_id  BIGINT NOT NULL REFERENCES konto(id),
    PRIMARY KEY (umlauf_id, konto_id)
);

-- Existing procedures: those who voted, and for running ones the committee accounts that
-- had been invited before they started (accounts have no creation date; the audit entry of
-- the invitation stands for it).
INSERT INTO umlauf_berechtigt (umlauf_id, konto_id)
SELECT DISTINCT s.umlauf_id, s.konto_id FROM umlauf_stimme s;

INSERT INTO umlauf_berechtigt (umlauf_id, konto_id)
SELECT u.id, k.id FROM umlauf u JOIN konto k ON k.rolle = 'lenkungsausschuss' AND k.aktiv <> 0
WHERE u.ergebnis IS NULL
  AND NOT EXISTS (SELECT 1 FROM umlauf_berechtigt b WHERE b.umlauf_id = u.id AND b.konto_id = k.id)
  AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.objekt = 'konto:' || k.benutzername
                  AND a.aktion = 'konto-eingeladen' AND a.zeit > u.gestartet_am);
