#!/usr/bin/env python3
"""Generates submitted Anträge of one authority as SQL, for the inbox benchmark of
scripts/bench-antraege.sh. One SQL text for SQLite and PostgreSQL (multi-row INSERTs, no
dialect), meant to run in one transaction (the caller wraps it: psql --single-transaction, or
BEGIN/COMMIT with Python's sqlite3). Deterministic for a seed.

What the rows look like (as the portal writes them, see crates/ozg/src/antraege/):
  * eingereicht uniformly over the 3 years before --jetzt; created some minutes earlier
  * the state depends on the age: recent ones mostly eingereicht / in-bearbeitung /
    nachforderung, older ones mostly closed (bewilligt, teilweise-bewilligt, abgelehnt,
    zurueckgezogen, erledigt), a few old ones still open
  * services: 70 % "anfrage" (the demo service), the rest three further service keys, so a
    service filter is selective as it will be with more services
  * assigned: 20 % of the untouched (eingereicht), 95 % of all others, evenly over the staff
  * frist: every Nachforderung (14 days), 15 % of the cases in work, 10 % of the closed ones;
    the ones in the past on open cases are overdue
  * daten: the answers of the "anfrage" form as JSON (keys sorted, as serde writes a BTreeMap);
    suchtext exactly like daten::suchtext: " " + the folded words of the Antragsnummer and
    the answers (in key order), space-joined; name = nachname
  * Antragsnummern "ANF-<year>-<nnnnnn>", counted per year in submission order; the series
    (antrag_nummer) and the id sequences (id_folge) are advanced past the generated rows
  * Postfach: messages for about a third of the cases; unread ones from the citizen on 10 % of
    the open cases and half of the nachgereicht ones (the inbox counts them per row)
  * with --suchwoerter (schema from migration 0029 on): the word index antrag_suchwort as the
    submission writes it (daten::suchwoerter_stmts): per distinct word of the search text the
    number of its first 7 UTF-8 bytes, big-endian, zero-padded

Usage:
  eingang_daten.py --anzahl 100000 --behoerde-id 1 --mitarbeiter 1,2,3 --erste-id 1 \\
      --erste-nachricht-id 1 --jetzt $(date +%s) > antraege.sql
Prints a summary (counts per state, the words and numbers worth searching) to stderr.
"""

import argparse
import datetime
import hashlib
import json
import random
import sys
import unicodedata

TAG = 86_400

VORNAMEN = ["Erika", "Max", "Leonie", "Jonas", "Fatma", "Lukas", "Mia", "Emre", "Sophie", "Paul",
            "Anna", "Mehmet", "Lena", "Felix", "Marie", "Jürgen", "Özlem", "Björn", "Kübra", "Tim",
            "Hannah", "Ben", "Emilia", "Noah", "Lina", "Elias", "Ida", "Luis", "Ella", "Finn"]
NACHNAMEN = ["Mustermann", "Schmidt", "Müller", "Yılmaz", "Schneider", "Fischer", "Weber",
             "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Kaya", "Koch", "Richter",
             "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
             "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann",
             "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer",
             "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung",
             "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger",
             "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster",
             "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer",
             "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt",
             "Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn",
             "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold",
             "Wolff", "Pfeiffer", "Demir", "Şahin", "Çelik", "Öztürk", "Nowak", "Kowalski"]
STRASSEN = ["Markt", "Emsstraße", "Bahnhofstraße", "Kardinal-Galen-Ring", "Osnabrücker Straße",
            "Lingener Straße", "Salzbergener Straße", "Münsterstraße", "Thiemauer", "Hünenborg",
            "Neuenkirchener Straße", "Elter Straße", "Catenhorner Straße", "Mesumer Straße",
            "Hauenhorster Straße", "Dutumer Straße", "Sandkampstraße", "Lindenstraße"]
BETREFFE = ["Laterne defekt", "Schlagloch in der Fahrbahn", "Öffnungszeiten des Bürgerbüros",
            "Wilder Müll am Waldrand", "Lärm durch Baustelle", "Spielplatz: Schaukel kaputt",
            "Frage zur Hundesteuer", "Anregung: Fahrradständer am Bahnhof",
            "Beschwerde über Parkverstöße", "Grünschnitt an der Bushaltestelle",
            "Straßenbeleuchtung ausgefallen", "Ampelschaltung an der Kreuzung",
            "Verstopfter Gully nach Starkregen", "Frage zum Wohngeld", "Sperrmüll-Termin",
            "Baum droht umzustürzen", "Graffiti an der Schule", "Anregung: Sitzbank im Park",
            "Frage zur Grundsteuer", "Beschwerde über Hundekot", "Glascontainer überfüllt",
            "Radweg zugeparkt", "Frage zum Anwohnerparkausweis", "Kanaldeckel klappert"]
SAETZE = ["Seit einigen Tagen ist die Situation unverändert.",
          "Ich bitte um kurze Rückmeldung, wer zuständig ist.",
          "Vor dem Haus Nr. 12 ist es besonders schlimm.",
          "Nachbarn haben das Problem ebenfalls bemerkt.",
          "Ein Foto kann ich gerne nachreichen.",
          "Vielen Dank für Ihre Mühe und freundliche Grüße.",
          "Abends ist die Straße dort völlig dunkel.",
          "Kinder spielen dort täglich, deshalb eilt es.",
          "Das Problem habe ich schon im Frühjahr telefonisch gemeldet.",
          "Bitte teilen Sie mir mit, bis wann mit einer Lösung zu rechnen ist.",
          "Die Stelle liegt gegenüber der Bäckerei an der Ecke.",
          "Gibt es dafür ein Formular oder reicht diese Nachricht?"]
DIENSTE = [("anfrage", 0.70), ("hundesteuer", 0.12), ("sondernutzung", 0.10),
           ("gewerbeanmeldung", 0.08)]
GESCHLOSSEN = [("bewilligt", 0.50), ("teilweise-bewilligt", 0.08), ("abgelehnt", 0.15),
               ("zurueckgezogen", 0.07), ("erledigt", 0.20)]
OFFEN = ("eingereicht", "in-bearbeitung", "nachforderung", "nachgereicht")


def fold(s):
    """ozg_domain::search::fold: lower case, umlauts and their two-letter spellings folded."""
    lower = s.lower()
    out = []
    i = 0
    while i < len(lower):
        c = lower[i]
        nxt = lower[i + 1] if i + 1 < len(lower) else ""
        if c in "äàáâ":
            out.append("a")
        elif c in "öòóô":
            out.append("o")
        elif c in "üùúû":
            out.append("u")
        elif c in "éèê":
            out.append("e")
        elif c == "ß":
            out.append("ss")
        elif c in "aou" and nxt == "e":
            out.append(c)
            i += 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


def woerter(text):
    """ozg_domain::search::woerter: folded, split at everything but letters and digits,
    words of fewer than 2 characters dropped."""
    words, cur = [], []
    for c in fold(text):
        if c.isalnum() or unicodedata.category(c).startswith("N"):
            cur.append(c)
        else:
            if len(cur) >= 2:
                words.append("".join(cur))
            cur = []
    if len(cur) >= 2:
        words.append("".join(cur))
    return words


def suchtext(nummer, antworten):
    """daten::suchtext: the number and the answers (in key order) as folded words."""
    s = nummer + "".join(" " + antworten[k] for k in sorted(antworten))
    return " " + " ".join(woerter(s))


def anfang(wort):
    """daten::suchwort_anfaenge: the number of a word's first 7 UTF-8 bytes (zero-padded)."""
    return int.from_bytes(wort.encode()[:7].ljust(7, b"\0"), "big")


def q(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def wahl(rng, gewichte):
    x = rng.random()
    for k, w in gewichte:
        x -= w
        if x < 0:
            return k
    return gewichte[-1][0]


def jahr_berlin(t):
    try:
        from zoneinfo import ZoneInfo
        return datetime.datetime.fromtimestamp(t, ZoneInfo("Europe/Berlin")).year
    except Exception:  # noqa: BLE001 - no tz database: UTC is off by at most an hour a year
        return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).year


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anzahl", type=int, default=100_000)
    ap.add_argument("--behoerde-id", type=int, required=True)
    ap.add_argument("--mitarbeiter", required=True, help="staff ids, comma-separated")
    ap.add_argument("--erste-id", type=int, required=True, help="first antrag id")
    ap.add_argument("--erste-nachricht-id", type=int, required=True)
    ap.add_argument("--jetzt", type=int, required=True, help="now, seconds since the epoch")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--zeilen-je-insert", type=int, default=500)
    ap.add_argument("--suchwoerter", action="store_true", help="also fill antrag_suchwort (migration 0029)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    staff = [int(x) for x in a.mitarbeiter.split(",") if x]
    jetzt = a.jetzt
    start = jetzt - 3 * 365 * TAG

    # Submission times first (sorted), so numbers count up per year in submission order.
    zeiten = sorted(rng.randint(start, jetzt - 600) for _ in range(a.anzahl))
    nummern_je_jahr = {}
    antraege, nachrichten = [], []
    nid = a.erste_nachricht_id
    zaehler = {}
    ueberfaellig = 0
    for i, ein in enumerate(zeiten):
        aid = a.erste_id + i
        jahr = jahr_berlin(ein)
        nummern_je_jahr[jahr] = nummern_je_jahr.get(jahr, 0) + 1
        nummer = f"ANF-{jahr}-{nummern_je_jahr[jahr]:06d}"
        alter = (jetzt - ein) / TAG
        x = rng.random()
        if alter < 3:
            zustand = "eingereicht" if x < 0.6 else ("in-bearbeitung" if x < 0.95 else "nachforderung")
        elif alter < 30:
            zustand = ("eingereicht" if x < 0.10 else "in-bearbeitung" if x < 0.50 else
                       "nachforderung" if x < 0.60 else "nachgereicht" if x < 0.65 else None)
        elif alter < 180:
            zustand = ("in-bearbeitung" if x < 0.05 else "nachforderung" if x < 0.07 else
                       "nachgereicht" if x < 0.08 else None)
        else:
            zustand = "in-bearbeitung" if x < 0.005 else None
        if zustand is None:
            zustand = wahl(rng, GESCHLOSSEN)
        zaehler[zustand] = zaehler.get(zustand, 0) + 1
        offen = zustand in OFFEN
        dienst = wahl(rng, DIENSTE)
        vorname, nachname = rng.choice(VORNAMEN), rng.choice(NACHNAMEN)
        art = rng.choice(["frage", "anregung", "beschwerde", "sonstiges"])
        antworten = {
            "vorname": vorname, "nachname": nachname,
            "strasse": f"{rng.choice(STRASSEN)} {rng.randint(1, 120)}",
            "plz": "48431", "ort": "Rheine", "art": art,
            "betreff": rng.choice(BETREFFE),
            "text": " ".join(rng.sample(SAETZE, rng.randint(1, 5))),
            "antwortweg": rng.choice(["postfach", "telefon"]),
        }
        if rng.random() < 0.5:
            antworten["telefon"] = f"05971 {rng.randint(10000, 999999)}"
        if art in ("frage", "beschwerde") and rng.random() < 0.3:
            antworten["aktenzeichen"] = f"32.{rng.randint(10, 99)}-{rng.randint(100, 999)}/{jahr}"
        daten = json.dumps(antworten, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        if zustand == "eingereicht":
            zugewiesen = rng.choice(staff) if rng.random() < 0.2 else None
        else:
            zugewiesen = rng.choice(staff) if rng.random() < 0.95 else None
        # Time the case was last touched: somewhere between submission and now (open), or its end.
        dauer = rng.randint(TAG // 4, 40 * TAG)
        abgeschlossen = None if offen else min(ein + dauer, jetzt - 60)
        geaendert = abgeschlossen if abgeschlossen else min(ein + rng.randint(0, int(alter * TAG) + 1), jetzt - 1)
        frist = None
        if zustand == "nachforderung":
            frist = geaendert + 14 * TAG
        elif zustand == "in-bearbeitung" and rng.random() < 0.15:
            frist = jetzt + rng.randint(-10 * TAG, 30 * TAG)
        elif not offen and rng.random() < 0.10:
            frist = ein + rng.randint(7 * TAG, 30 * TAG)
        if offen and frist is not None and frist < jetzt:
            ueberfaellig += 1
        loeschen_ab = abgeschlossen + 3 * 365 * TAG if abgeschlossen else None
        version = {"eingereicht": 4, "in-bearbeitung": 5, "nachforderung": 6, "nachgereicht": 7}.get(zustand, 6)
        fortsetzen = hashlib.sha256(f"bench-{a.seed}-{aid}".encode()).hexdigest()
        antraege.append((aid, dienst, a.behoerde_id, None, fortsetzen, f"antrag{aid}@example.org",
                         nummer, zustand, 2, daten, suchtext(nummer, antworten), nachname,
                         zugewiesen, frist, ein - rng.randint(300, 3600), geaendert, ein,
                         abgeschlossen, loeschen_ab, version))

        # The Postfach.
        mitteilungen = []
        if zustand == "nachforderung":
            mitteilungen.append(("an-buerger", "nachforderung", "Bitte reichen Sie ein Foto nach.", frist, geaendert, geaendert + 3600))
        if zustand == "nachgereicht":
            mitteilungen.append(("an-buerger", "nachforderung", "Bitte reichen Sie ein Foto nach.", geaendert + 14 * TAG, ein + TAG, ein + TAG + 3600))
            mitteilungen.append(("an-behoerde", "nachricht", "Anbei das Foto.", None, geaendert, None if rng.random() < 0.5 else geaendert + 600))
        if zustand != "eingereicht" and rng.random() < 0.3:
            t = ein + rng.randint(600, TAG)
            mitteilungen.append(("an-buerger", "nachricht", "Vielen Dank, wir kümmern uns darum.", None, t, t + 7200))
            if rng.random() < 0.5:
                t2 = t + rng.randint(600, TAG)
                ungelesen = offen and rng.random() < 0.3
                mitteilungen.append(("an-behoerde", "nachricht", "Danke für die Rückmeldung.", None, t2, None if ungelesen else t2 + 600))
        if offen and rng.random() < 0.10:
            t = min(geaendert + 60, jetzt - 1)
            mitteilungen.append(("an-behoerde", "nachricht", "Gibt es schon etwas Neues?", None, t, None))
        if not offen and zustand not in ("zurueckgezogen", "erledigt"):
            mitteilungen.append(("an-buerger", "bescheid", "Ihr Bescheid liegt bei.", None, abgeschlossen, abgeschlossen + rng.randint(600, 5 * TAG)))
        for richtung, nart, text, nfrist, zeit, gelesen in mitteilungen:
            von = "Bürgerin/Bürger" if richtung == "an-behoerde" else "Stadt Rheine"
            nachrichten.append((nid, aid, richtung, nart, von, {"nachforderung": "Nachforderung", "bescheid": "Bescheid"}.get(nart, "Nachricht"),
                                text, nfrist, zeit, gelesen))
            nid += 1

    out = sys.stdout
    w = out.write
    spalten_a = ("id, dienst, behoerde_id, buerger_id, fortsetzen_hash, email, nummer, zustand, schritt, daten, suchtext, "
                 "name, zugewiesen, frist, erstellt, geaendert, eingereicht, abgeschlossen, loeschen_ab, version")
    spalten_n = "id, antrag_id, richtung, art, von, betreff, text, frist, zeit, gelesen"
    n = a.zeilen_je_insert
    w(f"-- {a.anzahl} generated Anträge of behoerde {a.behoerde_id} (scripts/bench/eingang_daten.py, seed {a.seed})\n")
    woerter = []
    if a.suchwoerter:
        for r in antraege:
            for k in sorted({anfang(w) for w in r[10].split(" ") if w}):
                woerter.append((r[0], r[2], k))
    tabellen = [("antrag", spalten_a, antraege), ("nachricht", spalten_n, nachrichten)]
    if woerter:
        tabellen.append(("antrag_suchwort", "antrag_id, behoerde_id, anfang", woerter))
    for tabelle, spalten, rows in tabellen:
        for k in range(0, len(rows), n):
            w(f"INSERT INTO {tabelle} ({spalten}) VALUES\n")
            w(",\n".join("(" + ", ".join(q(v) for v in r) + ")" for r in rows[k:k + n]))
            w(";\n")
    for jahr, letzte in sorted(nummern_je_jahr.items()):
        w(f"DELETE FROM antrag_nummer WHERE behoerde_id = {a.behoerde_id} AND praefix = 'ANF' AND jahr = {jahr};\n")
        w(f"INSERT INTO antrag_nummer (behoerde_id, praefix, jahr, letzte) VALUES ({a.behoerde_id}, 'ANF', {jahr}, {letzte});\n")
    w(f"UPDATE id_folge SET letzte = {a.erste_id + a.anzahl - 1} WHERE tabelle = 'antrag' AND letzte < {a.erste_id + a.anzahl - 1};\n")
    if nachrichten:
        w(f"UPDATE id_folge SET letzte = {nid - 1} WHERE tabelle = 'nachricht' AND letzte < {nid - 1};\n")

    offen_n = sum(zaehler.get(z, 0) for z in OFFEN)
    ungelesen = sum(1 for m in nachrichten if m[2] == "an-behoerde" and m[9] is None)
    print(f"generated {a.anzahl} Anträge ({offen_n} open, {ueberfaellig} overdue), {len(nachrichten)} messages "
          f"({ungelesen} unread by the authority)"
          + (f", {len(woerter)} word-index rows" if woerter else "") + "; states: "
          + ", ".join(f"{k} {v}" for k, v in sorted(zaehler.items())), file=sys.stderr)
    mitte = antraege[len(antraege) // 2]
    print(f"SUCHNUMMER {mitte[6]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
