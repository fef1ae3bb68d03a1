#!/usr/bin/env bash
# API fuzzing: schemathesis against /api/openapi.json, every operation, on SQLite and (when
# OZG_TEST_DATABASE_URL is set) on PostgreSQL. Passes only with 0 server errors and 0 responses
# that break the document (status codes, content types, headers, bodies).
#
#   scripts/api-fuzz.sh [--examples N]        (scripts/test.sh runs it with the defaults)
#
# Checks: all but `negative_data_rejection` — the portal's GET filter forms send empty fields for
# "no filter", and the API shares that reading, so an empty `seite=` is accepted as absent.
# schemathesis is installed into a virtualenv under target/tools (gitignored) when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
EXAMPLES=100
case "${1:-}" in
    --examples) EXAMPLES="$2" ;;
    "") ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
esac
SCHEMATHESIS_VERSION=4.32.5
VENV="$ROOT/target/tools/schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
echo "  $("$VENV/bin/schemathesis" --version)"
cargo build --locked --quiet --bin ozg
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/ozg"
TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# fuzz NAME DATABASE-URL-or-empty
fuzz() {
    local name="$1" db="$2" port
    port="$(free_port)"
    local args=(serve --addr "127.0.0.1:$port" --data-dir "$TMP/$name")
    [ -n "$db" ] && args+=(--database "$db")
    env -u OZG_DATABASE_URL "$BIN" "${args[@]}" >"$TMP/$name.log" 2>&1 &
    SERVER_PID=$!
    local bereit=0
    for _ in $(seq 1 600); do
        curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && { bereit=1; break; }
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ "$bereit" = 0 ]; then
        echo "== $name: the server did not start:"
        cat "$TMP/$name.log"
        return 1
    fi
    echo "== $name: schemathesis, $EXAMPLES examples per operation"
    local status=0
    # From the temp directory: schemathesis keeps a cache in its working directory.
    (cd "$TMP" && SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$ROOT/scripts" \
        "$VENV/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" \
        --url "http://127.0.0.1:$port" \
        --checks all --exclude-checks negative_data_rejection \
        --max-examples "$EXAMPLES" --seed 20261204 --phases examples,coverage,fuzzing,stateful \
        --no-color >"$TMP/$name.out" 2>&1) || status=1
    if [ "$status" = 0 ]; then
        sed -n '/SUMMARY/,$p' "$TMP/$name.out"
    else
        cat "$TMP/$name.out"
    fi
    grep -q "panicked" "$TMP/$name.log" && { echo "server panicked:"; cat "$TMP/$name.log"; status=1; }
    kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    return "$status"
}

FAILED=0
fuzz sqlite "" || FAILED=1
if [ -n "${OZG_TEST_DATABASE_URL:-}" ]; then
    PGOPTIONS=--client-min-messages=warning psql "$OZG_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS ozg_fuzz" -c "CREATE DATABASE ozg_fuzz" >/dev/null
    fuzz postgresql "${OZG_TEST_DATABASE_URL%/*}/ozg_fuzz" || FAILED=1
fi
exit "$FAILED"
