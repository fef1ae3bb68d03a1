#!/usr/bin/env bash
# Compression, side by side in one run on one server (release build): the plan page
# (/umsetzungsplan, ~100 KB of HTML), the project list (/projekte) and the stylesheet, each
# requested without compression, with gzip and with brotli (pages are served gzip-compressed
# only, so their "br" row shows what a browser offering only brotli gets: no compression),
# measured by wrk in alternating order (none, gzip, br, br, gzip, none) so a noisy machine hits
# all three alike.
#
#   scripts/bench-kompression.sh [--duration 10s] [--connections 16]
#
# Prints requests/s and the answer size per variant and the ratios to "none".
# Environment: CARGO_TARGET_DIR (default: <repo>/target-bench). Needs wrk (apt-get install wrk).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION=10s
CONNS=16
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --connections) CONNS="$2"; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
cargo build --release -p ozg --quiet
BIN="$CARGO_TARGET_DIR/release/ozg"
DIR="$(mktemp -d)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$DIR" >"$DIR/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

declare -A RPS
messen() { # path encoding
    local kopf=()
    [ "$2" != none ] && kopf=(-H "Accept-Encoding: $2")
    wrk -t2 -c"$CONNS" -d"$DURATION" "${kopf[@]}" "http://127.0.0.1:$PORT$1" \
        | awk '/Requests\/sec/ {print $2}'
}
groesse() {
    local kopf=()
    [ "$2" != none ] && kopf=(-H "Accept-Encoding: $2")
    curl -s "${kopf[@]}" -o /dev/null -w '%{size_download} %header{content-encoding}' "http://127.0.0.1:$PORT$1"
}
printf '| Adresse | angeboten → geliefert | Anfragen/s | Größe (Bytes) | Anfragen/s im Verhältnis | Größe im Verhältnis |\n|---|---|---:|---:|---:|---:|\n'
STIL=$(curl -s "http://127.0.0.1:$PORT/" | grep -o '/static/style.css?v=[0-9]*' | head -1)
for pfad in /umsetzungsplan /projekte "$STIL"; do
    curl -s "http://127.0.0.1:$PORT$pfad" >/dev/null
    for e in none gzip br br gzip none; do
        r=$(messen "$pfad" "$e")
        RPS["$pfad $e"]="${RPS["$pfad $e"]:-} $r"
    done
    for e in none gzip br; do
        mittel=$(echo ${RPS["$pfad $e"]} | awk '{print ($1+$2)/2}')
        RPS["$pfad $e"]=$mittel
    done
    basis=${RPS["$pfad none"]}
    gbasis=$(groesse "$pfad" none | cut -d' ' -f1)
    for e in none gzip br; do
        read -r g kod <<<"$(groesse "$pfad" "$e")"
        awk -v p="${pfad%%\?*}" -v e="$e" -v k="${kod:-keine}" -v r="${RPS["$pfad $e"]}" -v g="$g" -v b="$basis" -v gb="$gbasis" \
            'BEGIN { printf "| %s | %s → %s | %.0f | %d | %.2f | %.2f |\n", p, e, k, r, g, r/b, g/gb }'
    done
done
