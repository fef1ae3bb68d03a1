#!/usr/bin/env bash
# Low-contention A/B of two `ozg` binaries on the same machine in one sitting: each serves its
# own fresh SQLite data directory; per endpoint, ROUNDS alternating runs of
# `wrk -t1 -c8 -d4s` against A and B, then the mean req/s of each and the ratio B/A.
# One wrk thread and 8 connections leave the server most of the 2 cores, so the ratio shows the
# server's own cost better than the full benchmark (scripts/bench-http.sh) on a noisy machine.
#
#   scripts/bench-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]
set -euo pipefail
A="${1:?usage: $0 OLD_BINARY NEW_BINARY [ROUNDS]}"
B="${2:?usage: $0 OLD_BINARY NEW_BINARY [ROUNDS]}"
ROUNDS="${3:-5}"
command -v wrk >/dev/null || { echo "wrk fehlt (apt-get install wrk)" >&2; exit 1; }
TMP="$(mktemp -d /tmp/ozg-bench-ab.XXXXXX)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
start() { # start BIN PORT
    env -u OZG_DATA_DIR -u OZG_DATABASE_URL RUST_LOG=warn "$1" serve --addr "127.0.0.1:$2" --data-dir "$TMP/$2" >"$TMP/$2.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 600); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/health")" = 200 ] && return 0
        sleep 0.1
    done
    cat "$TMP/$2.log" >&2
    exit 1
}
PA=$((30000 + RANDOM % 10000))
PB=$((PA + 1))
start "$A" "$PA"
start "$B" "$PB"
echo "| endpoint | A req/s | B req/s | B/A |"
echo "| --- | ---: | ---: | ---: |"
for u in /projekte /api/v1/umsetzungsprojekte "/suche?q=Hund" "/api/v1/suche?q=Fuehrerschein" \
    /projekte/kinderbetreuung /api/v1/umsetzungsprojekte/kinderbetreuung /organisationen/guetersloh /umsetzungsplan; do
    curl -sf -o /dev/null "http://127.0.0.1:$PA$u"
    curl -sf -o /dev/null "http://127.0.0.1:$PB$u"
    for _ in $(seq 1 "$ROUNDS"); do
        for p in "$PA" "$PB"; do
            echo "$p $(wrk -t1 -c8 -d4s "http://127.0.0.1:$p$u" | awk '/Requests\/sec/ { print $2 }')"
        done
    done | awk -v u="$u" -v a="$PA" -v b="$PB" '{ s[$1] += $2; n[$1]++ }
        END { x = s[a] / n[a]; y = s[b] / n[b]; printf "| `%s` | %.0f | %.0f | %.2f |\n", u, x, y, y / x }'
done
