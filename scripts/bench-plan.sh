#!/usr/bin/env bash
# Benchmark of the Umsetzungsplan document (`ozg report`, `GET /umsetzungsplan.pdf`).
#
#   scripts/bench-plan.sh [--runs 10] [--duration 15s] [--no-build]
#
# 1. Builds `ozg` in release mode (CARGO_TARGET_DIR, default <repo>/target-bench).
# 2. Renders the full public plan with `ozg report --format pdf|html|xlsx` RUNS times each on
#    a seeded SQLite data directory; reports the median and maximum of the time the command
#    itself prints for the rendering ("erzeugt in N ms") and of the whole process (wall clock,
#    including start, database open and read model).
# 3. Starts `ozg serve` and measures `GET /projekte` with wrk twice, side by side: alone, and
#    while a second client downloads PDFs back to back (alternating two addresses, so every
#    download is a fresh render, not the cached one). The ratio shows whether a render blocks
#    other requests. Also counts the PDFs rendered during the second run.
# Prints Markdown; every process it starts is stopped on exit. Loopback only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS=10
DURATION=15s
DO_BUILD=1
while [ "$#" -gt 0 ]; do
    case "$1" in
        --runs) RUNS="${2:?}"; shift 2 ;;
        --duration) DURATION="${2:?}"; shift 2 ;;
        --no-build) DO_BUILD=0; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unbekannte Option: $1" >&2; exit 2 ;;
    esac
done

command -v wrk >/dev/null || { echo "wrk fehlt (apt-get install wrk)" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
[ "$DO_BUILD" = 1 ] && cargo build --release -p ozg >&2
BIN="$CARGO_TARGET_DIR/release/ozg"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

DATA="$WORK/daten"
"$BIN" import --data-dir "$DATA" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
maximum() { sort -n | tail -1; }

echo "## ozg report (full public plan, $RUNS runs each, $(nproc) cores)"
echo
echo "| format | render median | render max | process median | process max | size |"
echo "|---|---|---|---|---|---|"
for fmt in pdf html xlsx; do
    : >"$WORK/render" ; : >"$WORK/wall"
    for _ in $(seq "$RUNS"); do
        start=$(date +%s%N)
        line=$("$BIN" report --format "$fmt" -o "$WORK/plan.$fmt" --data-dir "$DATA")
        end=$(date +%s%N)
        echo $(( (end - start) / 1000000 )) >>"$WORK/wall"
        echo "$line" | sed -E 's/.*erzeugt in ([0-9]+) ms.*/\1/' >>"$WORK/render"
    done
    size=$(stat -c %s "$WORK/plan.$fmt")
    pages=""
    [ "$fmt" = pdf ] && pages=" ($(echo "$line" | sed -E 's/.*pdf, ([0-9]+) Seiten.*/\1/') pages)"
    echo "| $fmt | $(median <"$WORK/render") ms | $(maximum <"$WORK/render") ms | $(median <"$WORK/wall") ms | $(maximum <"$WORK/wall") ms | $((size / 1024)) KiB$pages |"
done
echo

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$DATA" 2>"$WORK/serve.log" &
PIDS+=($!)
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.1
done

lat() { # wrk output -> "req/s | p50 | p99"
    awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%s | %s | %s", r, p50, p99}'
}
wrk -t2 -c16 -d"$DURATION" --latency "http://127.0.0.1:$PORT/projekte" >"$WORK/alone.txt"

: >"$WORK/pdfs"
(
    i=0
    while true; do
        if [ $((i % 2)) = 0 ]; then q="stand=aktuell"; else q="themenfeld="; fi
        curl -fsS -o /dev/null "http://127.0.0.1:$PORT/umsetzungsplan.pdf?$q" 2>/dev/null && echo ok >>"$WORK/pdfs"
        i=$((i + 1))
    done
) &
PIDS+=($!)
sleep 1
: >"$WORK/pdfs"
wrk -t2 -c16 -d"$DURATION" --latency "http://127.0.0.1:$PORT/projekte" >"$WORK/busy.txt"
rendered=$(wc -l <"$WORK/pdfs")

echo "## GET /projekte while PDFs render (wrk -t2 -c16 -d$DURATION, same server, side by side)"
echo
echo "| run | req/s | p50 | p99 |"
echo "|---|---|---|---|"
echo "| alone | $(lat <"$WORK/alone.txt") |"
echo "| during back-to-back PDF renders ($rendered PDFs in the run) | $(lat <"$WORK/busy.txt") |"
