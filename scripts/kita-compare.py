#!/usr/bin/env python3
"""Side-by-side comparison of kita-alloc with the Python package `matching`.

For 1,000 / 5,000 / 20,000 children (20 children per Kita, 5 wishes, seed fixed) this script
  1. builds the Rust example `kita_bench` (release, CARGO_TARGET_DIR=target-kita),
  2. generates the market with it and exports the identical hospital/resident instance
     (every (Kita, age group, hours) bucket with places is a "hospital" with a strict
     ranking = Kita priority, then lottery) plus our assignment and our timings,
  3. runs `matching`'s HospitalResident solver (resident-optimal) on that instance,
  4. asserts identical assignments and prints times and speed ratios.

`matching` is installed into .tools/kita-venv (gitignored) by the script itself; the script
re-executes itself inside that virtual environment.

Usage: python3 scripts/kita-compare.py [--sizes 1000,5000,20000] [--seed 7] [--repeat 3]
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".tools", "kita-venv")
VPY = os.path.join(VENV, "bin", "python")
TARGET = os.path.join(ROOT, "target-kita")
OUT = os.path.join(ROOT, "bench-out", "kita")
BIN = os.path.join(TARGET, "release", "examples", "kita_bench")
MATCHING_VERSION = "1.4.3"


def ensure_venv():
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(VPY):
        print(f"+ python3 -m venv {VENV}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    probe = subprocess.run([VPY, "-c", "import matching"], capture_output=True)
    if probe.returncode != 0:
        print(f"+ pip install matching=={MATCHING_VERSION}", flush=True)
        subprocess.run(
            [VPY, "-m", "pip", "install", "-q", f"matching=={MATCHING_VERSION}"], check=True
        )
    os.execv(VPY, [VPY, os.path.abspath(__file__)] + sys.argv[1:])


def build():
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
    cmd = ["cargo", "build", "--release", "-q", "-p", "kita-alloc", "--example", "kita_bench"]
    print("+ CARGO_TARGET_DIR=target-kita " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def solve_python(inst, repeat):
    """Returns (assignment, t_solver_only, t_create_and_solve)."""
    from matching.games import HospitalResident
    from matching.games.hospital_resident import _make_players
    from matching.algorithms import hospital_resident

    resident_prefs = {r: prefs for r, prefs in inst["residents"] if prefs}
    hospital_prefs = {h: prefs for h, prefs in inst["hospitals"]}
    capacities = {h: c for h, c in inst["capacities"]}

    # (a) the algorithm alone, on freshly built player objects (input checks excluded)
    best = float("inf")
    for _ in range(repeat):
        residents, hospitals = _make_players(resident_prefs, hospital_prefs, capacities)
        t = time.perf_counter()
        result = hospital_resident(residents, hospitals, optimal="resident")
        best = min(best, time.perf_counter() - t)
    assignment = {}
    for h, rs in result.items():
        for r in rs:
            assignment[r.name] = h.name

    # (b) the public API as documented: create_from_dictionaries(...).solve(). Its deepcopy of
    # the player graph recurses deeply, so run it in a thread with a large stack.
    box = {}

    def api():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            game = HospitalResident.create_from_dictionaries(
                resident_prefs, hospital_prefs, capacities
            )
            box["m"] = game.solve(optimal="resident")
            box["t"] = time.perf_counter() - t

    sys.setrecursionlimit(10_000_000)
    threading.stack_size(1 << 30)
    th = threading.Thread(target=api)
    th.start()
    th.join()
    matching, t_api = box["m"], box["t"]
    api_assignment = {}
    for h, rs in matching.items():
        for r in rs:
            api_assignment[r.name] = h.name
    assert api_assignment == assignment, "matching: API and algorithm disagree"
    return assignment, best, t_api


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000,20000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()

    ensure_venv()
    import matching

    if not args.no_build:
        build()
    os.makedirs(OUT, exist_ok=True)
    print(f"matching {matching.__version__}, Python {sys.version.split()[0]}")
    header = (
        f"{'Kinder':>7} {'Kitas':>6} {'Einträge':>9} {'gleich':>7} "
        f"{'Rust DA':>10} {'Rust allocate':>14} {'py Algorithmus':>15} {'py API':>9} "
        f"{'Faktor DA':>10} {'Faktor allocate':>16} {'Faktor API':>11}"
    )
    print(header)
    rows = []
    ok = True
    for n in [int(x) for x in args.sizes.split(",")]:
        kitas = max(1, n // 20)
        market = os.path.join(OUT, f"market-{n}.json")
        hr = os.path.join(OUT, f"hr-{n}.json")
        subprocess.run(
            [BIN, "generate", "--children", str(n), "--kitas", str(kitas),
             "--seed", str(args.seed), "--out", market],
            check=True,
        )
        subprocess.run(
            [BIN, "hr", "--input", market, "--seed", str(args.seed), "--out", hr,
             "--repeat", "20"],
            check=True,
        )
        with open(hr) as f:
            doc = json.load(f)
        ours = {c: b for c, b in doc["assignment"] if b is not None}
        theirs, t_py, t_api = solve_python(doc["instance"], args.repeat)
        same = ours == theirs
        ok &= same
        if not same:
            diff = [c for c in set(ours) | set(theirs) if ours.get(c) != theirs.get(c)]
            print(f"  UNTERSCHIED bei {len(diff)} Kindern, z. B. {diff[:5]}")
        t = doc["timing_s"]
        t_da = t["deferred_acceptance"]
        t_alloc = t["compile"] + t["deferred_acceptance"]
        row = dict(children=n, kitas=kitas, entries=doc["entries"], identical=same,
                   rust_da_s=t_da, rust_compile_da_s=t_alloc,
                   rust_allocate_no_expl_s=t["allocate_no_explanations"],
                   py_algorithm_s=t_py, py_api_s=t_api,
                   ratio_da=t_py / t_da, ratio_compile_da=t_py / t_alloc,
                   ratio_api=t_api / t["allocate_no_explanations"])
        rows.append(row)
        print(
            f"{n:>7} {kitas:>6} {doc['entries']:>9} {'ja' if same else 'NEIN':>7} "
            f"{t_da*1e3:>8.3f}ms {t_alloc*1e3:>12.3f}ms {t_py*1e3:>13.1f}ms {t_api:>8.2f}s "
            f"{row['ratio_da']:>9.0f}x {row['ratio_compile_da']:>15.0f}x {row['ratio_api']:>10.0f}x",
            flush=True,
        )
    with open(os.path.join(OUT, "compare.json"), "w") as f:
        json.dump(rows, f, indent=2)
    print("Rust DA = kindvorschlagendes DA auf kompiliertem Markt; Rust allocate = Lose + "
          "Prioritätsschlüssel + DA; py Algorithmus = matching.algorithms.hospital_resident "
          "(resident-optimal) auf fertigen Spielerobjekten; py API = "
          "HospitalResident.create_from_dictionaries(...).solve() inkl. Eingabeprüfung, "
          "verglichen mit allocate() ohne Erklärungen.")
    if not ok:
        print("FEHLER: Zuteilungen unterscheiden sich")
        sys.exit(1)
    print("Alle Zuteilungen identisch.")


if __name__ == "__main__":
    main()
