#!/usr/bin/env python3
"""Prepares complete drafts of the demo service "anfrage" over HTTP for scripts/bench-antraege.sh.

Each draft is made the way a browser makes it (see crates/ozg/tests/integration/antraege.rs):

  GET  /dienste/anfrage                  -> pre-login CSRF cookie __Host-ozg_csrf (once per worker)
  POST /dienste/anfrage/beginnen         -> 303, resume-token cookie __Host-ozg_antrag,
                                            Location /antraege/{id}/schritt/person
  POST /antraege/{id}/schritt/person     -> 303 (PLZ 48431 Rheine: the authority is known)
  POST /antraege/{id}/schritt/anliegen   -> 303 to /antraege/{id}/pruefen

and is left unsubmitted. Writes one line per draft: "<submit path>\\t<Cookie header>\\t<csrf>",
which scripts/bench/einreichen.lua turns into POST /antraege/{id}/einreichen requests.

Standard library only. Usage:
  antraege_entwuerfe.py --base http://127.0.0.1:PORT --count 3000 --parallel 8 --out FILE
"""

import argparse
import http.client
import random
import sys
import threading
import time
import urllib.parse

CSRF = "__Host-ozg_csrf"
ENTWURF = "__Host-ozg_antrag"

VORNAMEN = ["Erika", "Max", "Leonie", "Jonas", "Fatma", "Lukas", "Mia", "Emre", "Sophie", "Paul",
            "Anna", "Mehmet", "Lena", "Felix", "Marie", "Jürgen", "Özlem", "Björn", "Kübra", "Tim"]
NACHNAMEN = ["Mustermann", "Schmidt", "Müller", "Yılmaz", "Schneider", "Fischer", "Weber",
             "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Kaya", "Koch", "Richter",
             "Klein", "Wolf", "Schröder", "Neumann", "Schwarz"]
STRASSEN = ["Markt", "Emsstraße", "Bahnhofstraße", "Kardinal-Galen-Ring", "Osnabrücker Straße",
            "Lingener Straße", "Salzbergener Straße", "Münsterstraße", "Thiemauer", "Hünenborg"]
BETREFFE = ["Laterne defekt", "Schlagloch in der Fahrbahn", "Öffnungszeiten des Bürgerbüros",
            "Wilder Müll am Waldrand", "Lärm durch Baustelle", "Spielplatz: Schaukel kaputt",
            "Frage zur Hundesteuer", "Anregung: Fahrradständer am Bahnhof",
            "Beschwerde über Parkverstöße", "Grünschnitt an der Bushaltestelle"]
SAETZE = ["Seit einigen Tagen ist die Situation unverändert.",
          "Ich bitte um kurze Rückmeldung, wer zuständig ist.",
          "Vor dem Haus Nr. 12 ist es besonders schlimm.",
          "Nachbarn haben das Problem ebenfalls bemerkt.",
          "Ein Foto kann ich gerne nachreichen.",
          "Vielen Dank für Ihre Mühe und freundliche Grüße."]


def set_cookies(resp):
    """name -> value of every Set-Cookie header."""
    out = {}
    for h in resp.msg.get_all("Set-Cookie") or []:
        nv = h.split(";", 1)[0]
        if "=" in nv:
            k, v = nv.split("=", 1)
            out[k.strip()] = v.strip()
    return out


class Fehler(Exception):
    pass


class Worker:
    def __init__(self, host, port, seed):
        self.host, self.port = host, port
        self.conn = None
        self.rng = random.Random(seed)
        self.csrf = None

    def request(self, method, path, cookie=None, form=None):
        headers = {"Host": f"{self.host}:{self.port}"}
        body = None
        if cookie:
            headers["Cookie"] = cookie
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for versuch in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp, data
            except (http.client.HTTPException, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if versuch == 2:
                    raise
                time.sleep(0.2)
        raise Fehler("unreachable")

    def expect(self, resp, data, status, what):
        if resp.status != status:
            raise Fehler(f"{what}: HTTP {resp.status}, expected {status}: {data[:300]!r}")

    def entwurf(self, n):
        if self.csrf is None:
            resp, data = self.request("GET", "/dienste/anfrage")
            self.expect(resp, data, 200, "GET /dienste/anfrage")
            self.csrf = set_cookies(resp).get(CSRF)
            if not self.csrf:
                raise Fehler("GET /dienste/anfrage set no CSRF cookie")
        pc = self.csrf
        vorab = f"{CSRF}={pc}"
        resp, data = self.request("POST", "/dienste/anfrage/beginnen", vorab,
                                  {"_csrf": pc, "email": f"bench-{n}@example.org"})
        self.expect(resp, data, 303, "beginnen")
        token = set_cookies(resp).get(ENTWURF)
        ort = resp.getheader("Location", "")
        if not token or not ort.endswith("/schritt/person"):
            raise Fehler(f"beginnen: no resume token or unexpected Location {ort!r}")
        antrag = ort.split("/")[2]
        cookie = f"{vorab}; {ENTWURF}={token}"
        r = self.rng
        person = {
            "_csrf": pc, "aktion": "weiter",
            "vorname": r.choice(VORNAMEN), "nachname": r.choice(NACHNAMEN),
            "strasse": f"{r.choice(STRASSEN)} {r.randint(1, 120)}",
            "plz": "48431", "ort": "Rheine",
        }
        if r.random() < 0.5:
            person["telefon"] = f"05971 {r.randint(10000, 999999)}"
        resp, data = self.request("POST", f"/antraege/{antrag}/schritt/person", cookie, person)
        self.expect(resp, data, 303, "schritt person")
        art = r.choice(["frage", "anregung", "beschwerde", "sonstiges"])
        anliegen = {
            "_csrf": pc, "aktion": "weiter", "art": art,
            "betreff": r.choice(BETREFFE),
            "text": " ".join(r.sample(SAETZE, r.randint(2, 5))),
            "antwortweg": r.choice(["postfach", "telefon"]),
        }
        if art in ("frage", "beschwerde") and r.random() < 0.3:
            anliegen["aktenzeichen"] = f"32.{r.randint(10, 99)}-{r.randint(100, 999)}/2026"
        resp, data = self.request("POST", f"/antraege/{antrag}/schritt/anliegen", cookie, anliegen)
        self.expect(resp, data, 303, "schritt anliegen")
        if not resp.getheader("Location", "").endswith("/pruefen"):
            raise Fehler(f"schritt anliegen: Location {resp.getheader('Location')!r}")
        return f"/antraege/{antrag}/einreichen\t{cookie}\t{pc}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.base)
    lines = [None] * a.count
    fehler = []
    naechste = iter(range(a.count))
    lock = threading.Lock()
    t0 = time.monotonic()

    def lauf(w):
        wk = Worker(u.hostname, u.port, a.seed * 1000 + w)
        while not fehler:
            with lock:
                n = next(naechste, None)
            if n is None:
                return
            try:
                lines[n] = wk.entwurf(n)
            except Exception as e:  # noqa: BLE001 - reported, the run stops
                fehler.append(f"draft {n}: {e}")
                return

    threads = [threading.Thread(target=lauf, args=(w,)) for w in range(a.parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if fehler:
        print("ERROR: " + fehler[0], file=sys.stderr)
        return 1
    with open(a.out, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
    dt = time.monotonic() - t0
    print(f"{a.count} drafts in {dt:.1f} s ({3 * a.count / dt:.0f} requests/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
