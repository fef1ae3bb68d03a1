#!/usr/bin/env bash
# Benchmarks of the Anträge (issue #13), with wrk on the same machine:
#
#   1. Submission: POST /antraege/{id}/einreichen of complete drafts of the demo service
#      "anfrage" (Antragsnummer, receipt PDF, history, audit, two queued e-mails), every request
#      a different draft. The drafts are made beforehand over HTTP (start, step "person", step
#      "anliegen": scripts/bench/antraege_entwuerfe.py), each with its own resume-token
#      cookie; then `wrk -t2 -c16 --latency -s scripts/bench/einreichen.lua` sends each draft
#      once. Only 303 counts as success; every other status is reported.
#   2. The case-work inbox (GET /sachbearbeitung) of one authority holding --antraege generated
#      submitted Anträge (scripts/bench/eingang_daten.py: SQL, loaded in one transaction), as a
#      logged-in case worker, one wrk run per filter (no filter, zustand=offen, dienst+zustand,
#      a month, zugewiesen=ich, ueberfaellig=ja, a search word, an Antragsnummer, page 500),
#      then all filters rotating in one run (scripts/bench/eingang.lua) at more connections.
#
#   scripts/bench-antraege.sh                      SQLite
#   scripts/bench-antraege.sh --postgres auto      ... and PostgreSQL in a throwaway local cluster
#                                                  (initdb + pg_ctl as the `postgres` user when
#                                                  root; default durability: fsync and
#                                                  synchronous_commit on, as SQLite's FULL)
#   scripts/bench-antraege.sh --postgres URL       ... and PostgreSQL at URL (role with CREATEDB)
#
# Options:  --duration 10s        wrk duration per run           --connections 16 (submission, mix)
#           --threads 2           wrk threads                    --inbox-connections 4 (per filter)
#           --drafts N            drafts per submission run (default: 400 per second of
#                                 --duration; must exceed rate x duration, the run says so if not)
#           --antraege 100000     generated Anträge for the inbox
#           --only einreichen|eingang   one of the two benchmarks
#           --baseline BIN        also measure another `ozg` binary (e.g. the release build of the
#                                 commit before an optimisation), each on its own fresh data,
#                                 alternating per run: baseline, new, new, baseline; the report
#                                 gives both columns (mean of two runs each) and new/baseline
#           --no-build  --no-install  --out DIR (default bench-out/)
#           --wait-idle S         first wait up to S seconds for a 1-minute load average < 1.0
# Environment: CARGO_TARGET_DIR (default: <repo>/target-bench).
#
# Nothing of this asserts a time: it measures and writes bench-out/antraege-<date>.md. Every
# process it starts is stopped on exit (trap), its data directories and databases are removed.
# Loopback only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION=10s
CONNECTIONS=16
INBOX_CONNECTIONS=4
THREADS=2
DRAFTS=""
ANTRAEGE=100000
ONLY=""
DO_BUILD=1
DO_INSTALL=1
PG_URL=""
OUT_DIR="$ROOT/bench-out"
WAIT_IDLE=0
BASELINE=""
ARGS_ORIG="$*"

while [ "$#" -gt 0 ]; do
    case "$1" in
        --postgres) PG_URL="${2:?--postgres needs a URL or 'auto'}"; shift 2 ;;
        --duration) DURATION="${2:?}"; shift 2 ;;
        --connections) CONNECTIONS="${2:?}"; shift 2 ;;
        --inbox-connections) INBOX_CONNECTIONS="${2:?}"; shift 2 ;;
        --threads) THREADS="${2:?}"; shift 2 ;;
        --drafts) DRAFTS="${2:?}"; shift 2 ;;
        --antraege) ANTRAEGE="${2:?}"; shift 2 ;;
        --only) ONLY="${2:?}"; shift 2 ;;
        --no-build) DO_BUILD=0; shift ;;
        --no-install) DO_INSTALL=0; shift ;;
        --out) OUT_DIR="${2:?}"; shift 2 ;;
        --wait-idle) WAIT_IDLE="${2:?}"; shift 2 ;;
        --baseline) BASELINE="${2:?--baseline needs the path of an ozg binary}"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see $0 --help)" >&2; exit 2 ;;
    esac
done
case "$ONLY" in "" | einreichen | eingang) ;; *) echo "--only: einreichen or eingang" >&2; exit 2 ;; esac
[ "$THREADS" -le "$INBOX_CONNECTIONS" ] || { echo "--threads must not exceed --inbox-connections" >&2; exit 2; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
OZG="$CARGO_TARGET_DIR/release/ozg"
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || { echo "baseline $BASELINE is not an executable" >&2; exit 2; }

if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

section() { printf '\n========== %s ==========\n' "$*" >&2; }
info() { printf '  %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
as_root() {
    if is_root; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root for: $*"; fi
}

secs_of() { # "10s" / "1m" -> seconds
    awk -v d="$1" 'BEGIN { n = d; sub(/[a-z]+$/, "", n); u = d; sub(/^[0-9.]+/, "", u);
        if (u == "m") n *= 60; else if (u == "h") n *= 3600; print n }'
}
DURATION_S="$(secs_of "$DURATION")"
[ -n "$DRAFTS" ] || DRAFTS=$((400 * ${DURATION_S%.*}))

# ---------------------------------------------------------------------------------------------
# Cleanup: every process this script started, by PID; temp directories and databases.
TMP="$(mktemp -d /tmp/ozg-bench-antraege.XXXXXX)"
chmod 755 "$TMP"
PIDS=()
POLICY_RC_CREATED=0
PG_TMP=""
PG_DATA=""
PG_BIN=""
PG_AS=()
PG_DBS=()
PG_ADMIN_URL=""

stop_pid() {
    local pid="$1"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid db
    for pid in "${PIDS[@]}"; do
        stop_pid "$pid"
    done
    if [ -n "$PG_ADMIN_URL" ] && [ "${#PG_DBS[@]}" -gt 0 ]; then
        for db in "${PG_DBS[@]}"; do
            psql "$PG_ADMIN_URL" -Atqc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
        done
    fi
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        (cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1) ||
            (cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1) || true
    fi
    [ -n "$PG_TMP" ] && rm -rf "$PG_TMP"
    if [ "$POLICY_RC_CREATED" = 1 ]; then
        as_root rm -f /usr/sbin/policy-rc.d || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
install_tools() {
    section "Tools (wrk, python3)"
    command -v python3 >/dev/null 2>&1 || die "python3 is needed (drafts and data generation)"
    if command -v wrk >/dev/null 2>&1; then
        info "$(wrk --version 2>&1 | head -n1)"
        return
    fi
    [ "$DO_INSTALL" = 1 ] || die "wrk is missing (and --no-install given)"
    command -v apt-get >/dev/null 2>&1 || die "no apt-get: install wrk yourself"
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
        POLICY_RC_CREATED=1
    fi
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
    if [ "$POLICY_RC_CREATED" = 1 ]; then
        as_root rm -f /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=0
    fi
    info "$(wrk --version 2>&1 | head -n1)"
}

build() {
    section "Build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    if [ "$DO_BUILD" = 1 ]; then
        cargo build --release -p ozg --locked
    fi
    [ -x "$OZG" ] || die "$OZG not found (build it or drop --no-build)"
    info "$OZG ($(stat -c %y "$OZG" | cut -d. -f1))"
    [ -z "$BASELINE" ] || info "baseline: $BASELINE ($(stat -c %y "$BASELINE" | cut -d. -f1))"
}

# ---------------------------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 40000))
        if ! port_in_use "$p" && ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
            echo "$p"
            return
        fi
    done
    die "no free loopback port found"
}

http_code() { # http_code URL [COOKIE]
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 ${2:+-H "Cookie: $2"} "$1" || true
}

proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK="$(getconf CLK_TCK)"

to_ms() { # "1.23ms" / "850.00us" / "1.02s" -> ms
    awk -v v="$1" 'BEGIN {
        n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        printf "%.2f", n }'
}
fmt_int() { case "$1" in '' | *[!0-9]*) printf '%s' "${1:-–}" ;; *) printf "%'d" "$1" ;; esac; }
mean2() { awk -v x="$1" -v y="$2" -v f="${3:-%.2f}" 'BEGIN { printf f, (x + y) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }'; }

# ---------------------------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster with the default durability (this benchmark writes).
pg_url_for() { printf '%s\n' "$PG_ADMIN_URL" | sed -E "s#^(postgres(ql)?://[^/]*)/?[^?]*#\1/$1#"; }

start_pg_cluster() {
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        info "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: skipping PostgreSQL"
        return 1
    fi
    if is_root; then
        id postgres >/dev/null 2>&1 || { info "no postgres user: skipping PostgreSQL"; return 1; }
        PG_AS=(runuser -u postgres --)
        PG_TMP="$(mktemp -d /tmp/ozg-bench-pg.XXXXXX)"
        chown postgres:postgres "$PG_TMP"
    else
        PG_AS=()
        PG_TMP="$(mktemp -d /tmp/ozg-bench-pg.XXXXXX)"
    fi
    chmod 700 "$PG_TMP"
    PG_DATA="$PG_TMP/data"
    local port password user=ozg_bench
    port="$(free_port)"
    password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
    (cd "$PG_TMP" && "${PG_AS[@]}" sh -c "umask 077 && printf '%s\n' '$password' > '$PG_TMP/pwfile'")
    (cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U "$user" --pwfile="$PG_TMP/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1) ||
        { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
    (cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/server.log" -w -t 60 \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null) ||
        { cat "$PG_TMP/server.log" >&2; die "PostgreSQL did not start"; }
    PG_ADMIN_URL="postgres://$user:$password@127.0.0.1:$port/postgres"
    PG_VERSION="$("$PG_BIN/postgres" --version)"
    info "$PG_VERSION, throwaway cluster on port $port (default durability: fsync on)"
}

export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c client_min_messages=warning"

# CPU ticks of the PostgreSQL server (postmaster and all its processes).
pg_ticks() {
    [ -n "$PG_DATA" ] || { echo 0; return; }
    local pm sum=0 p
    pm="$("${PG_AS[@]}" head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null)" || { echo 0; return; }
    for p in "$pm" $(pgrep -P "$pm" 2>/dev/null); do
        sum=$((sum + $(proc_ticks "$p")))
    done
    echo "$sum"
}

# ---------------------------------------------------------------------------------------------
# A fresh store (data directory and, for PostgreSQL, a database) with the authority of PLZ 48431
# Rheine, created with BIN's own shell command (so its schema is BIN's).
# new_store NAME BACKEND BIN -> STORE_DIR, STORE_URL (empty for SQLite)
STORE_N=0
new_store() {
    local name="$1" backend="$2" bin="$3"
    STORE_N=$((STORE_N + 1))
    STORE_DIR="$TMP/data-$name-$STORE_N"
    STORE_URL=""
    if [ "$backend" = postgres ]; then
        local db="ozg_bench_antraege_${STORE_N}_$$"
        psql "$PG_ADMIN_URL" -Atqc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null
        psql "$PG_ADMIN_URL" -Atqc "CREATE DATABASE \"$db\"" >/dev/null || die "CREATE DATABASE failed"
        PG_DBS+=("$db")
        STORE_URL="$(pg_url_for "$db")"
    fi
    ozg_cli "$bin" behoerde add 05566076-allgemein --name "Stadt Rheine" \
        --anschrift "Stadt Rheine;Klosterstraße 14;48431 Rheine" --email rathaus@rheine.example >/dev/null ||
        die "ozg behoerde add failed"
}
ozg_cli() { # ozg_cli BIN ARGS... on the current store
    local bin="$1"
    shift
    env -u OZG_DATA_DIR -u OZG_DATABASE_URL RUST_LOG=warn "$bin" "$@" --data-dir "$STORE_DIR" \
        ${STORE_URL:+--database "$STORE_URL"}
}
# sql BACKEND QUERY -> rows, fields separated by '|'
sql_query() {
    if [ -n "$STORE_URL" ]; then
        psql "$STORE_URL" -Atq -F '|' -c "$1"
    else
        python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in r))' "$STORE_DIR/ozg.db" "$1"
    fi
}

# The size of the current store's database (SQLite: the files; PostgreSQL: the database).
store_size() {
    if [ -n "$STORE_URL" ]; then
        psql "$STORE_URL" -Atqc "SELECT pg_size_pretty(pg_database_size(current_database()))"
    else
        du -sh --apparent-size "$STORE_DIR" | cut -f1
    fi
}

# start_server NAME BIN -> SERVER_PID, SERVER_BASE (on the current store)
start_server() {
    local name="$1" bin="$2" port
    port="$(free_port)"
    local args=(serve --addr "127.0.0.1:$port" --data-dir "$STORE_DIR")
    [ -n "$STORE_URL" ] && args+=(--database "$STORE_URL")
    env -u OZG_DATA_DIR -u OZG_DATABASE_URL RUST_LOG="${RUST_LOG:-warn}" \
        "$bin" "${args[@]}" >"$TMP/$name.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    SERVER_BASE="http://127.0.0.1:$port"
    local deadline=$((SECONDS + 120))
    while [ "$SECONDS" -lt "$deadline" ]; do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$SERVER_BASE/health" 2>/dev/null)" = 200 ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$TMP/$name.log" >&2
    die "server $name did not become healthy"
}

# ---------------------------------------------------------------------------------------------
# Results: one row per wrk run. Keys: BACKEND-PHASE-WHAT[-vorher1|-vorher2|-nachher2].
declare -A R_RPS R_P50 R_P90 R_P99 R_CPU R_DBCPU R_NOTES R_LOAD R_OK R_OTHER R_HITS R_MEM
ROWS=()

# wrk_parse KEY OUT -> fills R_* from wrk's --latency output
wrk_parse() {
    local key="$1" out="$2" non2xx errs notes=""
    R_RPS[$key]="$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')"
    R_P50[$key]="$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "50%" { print $2 }')")"
    R_P90[$key]="$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "90%" { print $2 }')")"
    R_P99[$key]="$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')")"
    non2xx="$(printf '%s\n' "$out" | awk '/Non-2xx or 3xx responses:/ { print $NF }')"
    errs="$(printf '%s\n' "$out" | sed -n 's/.*Socket errors: \(.*\)/\1/p')"
    [ -n "$non2xx" ] && notes="non-2xx/3xx: $non2xx"
    [ -n "$errs" ] && notes="${notes:+$notes; }socket errors: $errs"
    R_NOTES[$key]="$notes"
    R_LOAD[$key]="$(cut -d' ' -f1 /proc/loadavg)"
}

# cpu_run KEY PID T0 T1 PGT0 PGT1 SECONDS
cpu_run() {
    R_CPU[$1]="$(awk -v a="$3" -v b="$4" -v hz="$CLK_TCK" -v s="$7" 'BEGIN { printf "%.0f %%", 100 * (b - a) / hz / s }')"
    if [ "$6" != 0 ]; then
        R_DBCPU[$1]="$(awk -v a="$5" -v b="$6" -v hz="$CLK_TCK" -v s="$7" 'BEGIN { printf "%.0f %%", 100 * (b - a) / hz / s }')"
    else
        R_DBCPU[$1]="–"
    fi
    R_MEM[$1]="$(($(proc_kb "$2" VmRSS) / 1024)) / $(($(proc_kb "$2" VmHWM) / 1024)) MiB"
}

# ---------------------------------------------------------------------------------------------
# 1. Submission
# einreichen_server NAME BACKEND BIN -> a server on a fresh store; EIN_PID, EIN_BASE
einreichen_server() {
    new_store "$1" "$2" "$3"
    start_server "$1" "$3"
    EIN_PID="$SERVER_PID"
    EIN_BASE="$SERVER_BASE"
}

# drafts FILE BASE -> FILE with $DRAFTS lines
drafts() {
    info "preparing $DRAFTS drafts on $2"
    python3 "$ROOT/scripts/bench/antraege_entwuerfe.py" --base "$2" --count "$DRAFTS" \
        --parallel 8 --out "$1" || die "preparing drafts failed"
}

# run_einreichen KEY LABEL BASE PID LINES
run_einreichen() {
    local key="$1" label="$2" base="$3" pid="$4" lines="$5" out t0 t1 g0 g1
    info "$label: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s einreichen.lua ($DRAFTS drafts)"
    sleep 1
    t0="$(proc_ticks "$pid")"
    g0="$(pg_ticks_if "$key")"
    out="$(timeout 600 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -s "$ROOT/scripts/bench/einreichen.lua" "$base" -- "$lines" "$THREADS")" || die "wrk failed"
    t1="$(proc_ticks "$pid")"
    g1="$(pg_ticks_if "$key")"
    printf '%s\n' "$out" >"$TMP/wrk-$key.txt"
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    wrk_parse "$key" "$out"
    cpu_run "$key" "$pid" "$t0" "$t1" "$g0" "$g1" "$DURATION_S"
    local ok other detail exhausted
    ok="$(printf '%s\n' "$out" | awk '$1 == "EINREICHEN" && $2 == "ok" { print $3 }')"
    other="$(printf '%s\n' "$out" | awk '$1 == "EINREICHEN" && $2 == "other" { print $3 }')"
    detail="$(printf '%s\n' "$out" | awk '$1 == "EINREICHEN" && $2 == "other_detail" { print $3 }')"
    exhausted="$(printf '%s\n' "$out" | awk '$1 == "EINREICHEN" && $2 == "exhausted_threads" { print $3 }')"
    R_P90[$key]="$(printf '%s\n' "$out" | awk '$1 == "EINREICHEN" && $2 == "p90_ms" { print $3 }')"
    R_OK[$key]="$ok"
    R_OTHER[$key]="$other"
    # Submitted per second: the 303s over the run's duration.
    R_RPS[$key]="$(awk -v n="$ok" -v s="$DURATION_S" 'BEGIN { printf "%.0f", n / s }')"
    local notes=""
    [ "${other:-0}" != 0 ] && notes="other statuses: $detail"
    [ "${exhausted:-0}" != 0 ] && notes="${notes:+$notes; }DRAFTS RAN OUT in $exhausted thread(s): rerun with more --drafts"
    [ -n "${R_NOTES[$key]}" ] && notes="${notes:+$notes; }${R_NOTES[$key]}"
    R_NOTES[$key]="$notes"
    # The receipts really exist: one per submitted draft (the server's own count).
    ROWS+=("$key|$label")
}
pg_ticks_if() { case "$1" in postgres-*) pg_ticks ;; *) echo 0 ;; esac; }

bench_einreichen() {
    local backend="$1"
    section "Submission: $backend"
    einreichen_server "einreichen-$backend" "$backend" "$OZG"
    local npid="$EIN_PID" nbase="$EIN_BASE" nstore="$STORE_DIR" nurl="$STORE_URL"
    drafts "$TMP/drafts-$backend-1.txt" "$nbase"
    if [ -n "$BASELINE" ]; then
        drafts "$TMP/drafts-$backend-2.txt" "$nbase"
        einreichen_server "einreichen-$backend-baseline" "$backend" "$BASELINE"
        local bpid="$EIN_PID" bbase="$EIN_BASE"
        drafts "$TMP/drafts-$backend-b1.txt" "$bbase"
        drafts "$TMP/drafts-$backend-b2.txt" "$bbase"
        run_einreichen "$backend-ein-vorher1" "$backend: baseline" "$bbase" "$bpid" "$TMP/drafts-$backend-b1.txt"
        run_einreichen "$backend-ein" "$backend" "$nbase" "$npid" "$TMP/drafts-$backend-1.txt"
        run_einreichen "$backend-ein-nachher2" "$backend" "$nbase" "$npid" "$TMP/drafts-$backend-2.txt"
        run_einreichen "$backend-ein-vorher2" "$backend: baseline" "$bbase" "$bpid" "$TMP/drafts-$backend-b2.txt"
        stop_pid "$bpid"
    else
        run_einreichen "$backend-ein" "$backend" "$nbase" "$npid" "$TMP/drafts-$backend-1.txt"
    fi
    # Cross-check with the database: every 303 is a submitted Antrag with its receipt.
    STORE_DIR="$nstore" STORE_URL="$nurl"
    local eingereicht belege
    eingereicht="$(sql_query "SELECT COUNT(*) FROM antrag WHERE zustand = 'eingereicht'")"
    belege="$(sql_query "SELECT COUNT(*) FROM antrag_datei WHERE zweck = 'eingangsbestaetigung'")"
    info "database: $eingereicht submitted Anträge, $belege receipts"
    EIN_CHECK[$backend]="$eingereicht submitted Anträge and $belege receipts in the database after the run(s) of the new binary"
    stop_pid "$npid"
}
declare -A EIN_CHECK

# ---------------------------------------------------------------------------------------------
# 2. The inbox
STAFF=10
PASSWORT="Eingang-Benchmark-$$-Wolkenkratzer"
JETZT="$(date +%s)"
# A month about a year ago, as a case worker types it.
MONAT_VON="$(date -d "@$((JETZT - 365 * 86400))" +01.%m.%Y)"
MONAT_BIS="$(date -d "$(date -d "@$((JETZT - 365 * 86400))" +%Y-%m-01) +1 month -1 day" +%d.%m.%Y)"

# eingang_store NAME BACKEND BIN -> a fresh store with $ANTRAEGE generated Anträge; EIN_SQL_INFO
eingang_store() {
    local name="$1" backend="$2" bin="$3" i
    new_store "$name" "$backend" "$bin"
    for i in $(seq 1 "$STAFF"); do
        OZG_PASSWORT="$PASSWORT" ozg_cli "$bin" behoerde personal 05566076-allgemein \
            --email "sb$i@rheine.example" --name "Sachbearbeitung $i" --rolle sachbearbeitung >/dev/null ||
            die "ozg behoerde personal failed"
    done
    local bid staff erste nerste
    bid="$(sql_query "SELECT id FROM behoerde WHERE schluessel = '05566076-allgemein'")"
    staff="$(sql_query "SELECT id FROM mitarbeiter WHERE behoerde_id = $bid ORDER BY id" | paste -sd, -)"
    erste="$(sql_query "SELECT letzte + 1 FROM id_folge WHERE tabelle = 'antrag'")"
    nerste="$(sql_query "SELECT letzte + 1 FROM id_folge WHERE tabelle = 'nachricht'")"
    # The word index of the search exists from migration 0029 on (a baseline may predate it).
    local woerter=""
    sql_query "SELECT COUNT(*) FROM antrag_suchwort" >/dev/null 2>&1 && woerter="--suchwoerter"
    local file="$TMP/eingang-$bid-$erste-$nerste-${staff//,/_}${woerter:+-w}.sql"
    if [ ! -f "$file" ]; then
        info "generating $ANTRAEGE Anträge (behoerde $bid, staff $staff${woerter:+, with the word index})"
        python3 "$ROOT/scripts/bench/eingang_daten.py" --anzahl "$ANTRAEGE" --behoerde-id "$bid" \
            --mitarbeiter "$staff" --erste-id "$erste" --erste-nachricht-id "$nerste" --jetzt "$JETZT" \
            $woerter >"$file" 2>"$file.info" || { cat "$file.info" >&2; die "generating failed"; }
    fi
    EIN_SQL_INFO="$(grep -v '^SUCHNUMMER' "$file.info")"
    SUCHNUMMER="$(awk '$1 == "SUCHNUMMER" { print $2 }' "$file.info")"
    info "$EIN_SQL_INFO"
    local t0=$SECONDS
    if [ "$backend" = postgres ]; then
        psql "$STORE_URL" -v ON_ERROR_STOP=1 --single-transaction -q -f "$file" >/dev/null || die "loading failed"
        # What autovacuum does shortly after a bulk load, done now so every run sees the same.
        psql "$STORE_URL" -v ON_ERROR_STOP=1 -q -c "VACUUM ANALYZE antrag" -c "VACUUM ANALYZE nachricht" >/dev/null
        [ -z "$woerter" ] || psql "$STORE_URL" -v ON_ERROR_STOP=1 -q -c "VACUUM ANALYZE antrag_suchwort" >/dev/null
    else
        python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA foreign_keys = ON")
with open(sys.argv[2], encoding="utf-8") as f:
    # One transaction: an error leaves it open and closing the connection rolls it back.
    c.executescript("BEGIN;\n" + f.read() + "\nCOMMIT;")
c.close()' "$STORE_DIR/ozg.db" "$file" || die "loading failed"
    fi
    info "loaded in one transaction in $((SECONDS - t0)) s"
    STORE_SIZE="$(store_size)"
    info "database size: $STORE_SIZE"
}

# login BASE -> COOKIE ("__Host-ozg_portal=...") of sb1@rheine.example
login() {
    local base="$1" h csrf portal
    h="$(curl -s -D - -o /dev/null --max-time 10 "$base/behoerde/anmelden")"
    csrf="$(printf '%s\n' "$h" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: __Host-ozg_csrf=\([^;]*\).*/\1/p' | head -n1)"
    [ -n "$csrf" ] || die "no CSRF cookie from /behoerde/anmelden"
    h="$(curl -s -D - -o /dev/null --max-time 30 -H "Cookie: __Host-ozg_csrf=$csrf" \
        --data-urlencode "_csrf=$csrf" --data-urlencode "email=sb1@rheine.example" \
        --data-urlencode "passwort=$PASSWORT" "$base/behoerde/anmelden")"
    portal="$(printf '%s\n' "$h" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: __Host-ozg_portal=\([^;]*\).*/\1/p' | head -n1)"
    [ -n "$portal" ] || { printf '%s\n' "$h" >&2; die "staff login failed"; }
    COOKIE="__Host-ozg_portal=$portal"
}

FILTERS=()
set_filters() {
    FILTERS=(
        "alle|keiner (Seite 1)|/sachbearbeitung"
        "offen|zustand=offen|/sachbearbeitung?zustand=offen"
        "dienst|dienst=anfrage & zustand=in-bearbeitung|/sachbearbeitung?dienst=anfrage&zustand=in-bearbeitung"
        "zeitraum|von=$MONAT_VON & bis=$MONAT_BIS|/sachbearbeitung?von=$MONAT_VON&bis=$MONAT_BIS"
        "ich|zugewiesen=ich|/sachbearbeitung?zugewiesen=ich"
        "ueberfaellig|ueberfaellig=ja|/sachbearbeitung?ueberfaellig=ja"
        "suche|q=laterne|/sachbearbeitung?q=laterne"
        "nummer|q=$SUCHNUMMER (eine Antragsnummer)|/sachbearbeitung?q=$SUCHNUMMER"
        "seite500|seite=500 (ohne Filter)|/sachbearbeitung?seite=500"
    )
}

# hits BASE PATH COOKIE -> the number in the page title "Eingang: 1.234 Anträge"
hits() {
    curl -s --max-time 60 -H "Cookie: $3" "$1$2" | sed -n 's/.*<title>[^<]*Eingang: \([0-9.]*\) Antr.*/\1/p' | head -n1
}

# run_eingang KEY LABEL URL PID COOKIE CONNECTIONS
run_eingang() {
    local key="$1" label="$2" url="$3" pid="$4" cookie="$5" conns="$6" out t0 t1 g0 g1 code
    code="$(http_code "$url" "$cookie")"
    [ "$code" = 200 ] || die "$url answers $code, not 200"
    info "$label: wrk -t$THREADS -c$conns -d$DURATION --latency $url"
    t0="$(proc_ticks "$pid")"
    g0="$(pg_ticks_if "$key")"
    out="$(timeout 300 wrk -t"$THREADS" -c"$conns" -d"$DURATION" --latency -H "Cookie: $cookie" "$url")" || die "wrk failed on $url"
    t1="$(proc_ticks "$pid")"
    g1="$(pg_ticks_if "$key")"
    printf '%s\n' "$out" >"$TMP/wrk-$key.txt"
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    wrk_parse "$key" "$out"
    cpu_run "$key" "$pid" "$t0" "$t1" "$g0" "$g1" "$DURATION_S"
    ROWS+=("$key|$label")
}

# run_mix KEY LABEL BASE PID COOKIE -> all filters rotating in one run
run_mix() {
    local key="$1" label="$2" base="$3" pid="$4" cookie="$5" out t0 t1 g0 g1 f paths=()
    for f in "${FILTERS[@]}"; do paths+=("${f##*|}"); done
    info "$label: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s eingang.lua (${#paths[@]} filters rotating)"
    t0="$(proc_ticks "$pid")"
    g0="$(pg_ticks_if "$key")"
    out="$(EINGANG_COOKIE="$cookie" EINGANG_PFADE="${paths[*]}" timeout 300 wrk -t"$THREADS" -c"$CONNECTIONS" \
        -d"$DURATION" --latency -s "$ROOT/scripts/bench/eingang.lua" "$base")" || die "wrk failed (mix)"
    t1="$(proc_ticks "$pid")"
    g1="$(pg_ticks_if "$key")"
    printf '%s\n' "$out" >"$TMP/wrk-$key.txt"
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    wrk_parse "$key" "$out"
    cpu_run "$key" "$pid" "$t0" "$t1" "$g0" "$g1" "$DURATION_S"
    local bad
    bad="$(printf '%s\n' "$out" | awk '$1 == "EINGANG" && $2 == "nicht200" { print $3 }')"
    [ "${bad:-0}" != 0 ] && R_NOTES[$key]="${R_NOTES[$key]:+${R_NOTES[$key]}; }not 200: $bad"
    ROWS+=("$key|$label")
}

bench_eingang() {
    local backend="$1"
    section "Inbox: $backend ($ANTRAEGE Anträge)"
    eingang_store "eingang-$backend" "$backend" "$OZG"
    EIN_INFO[$backend]="$EIN_SQL_INFO; database $STORE_SIZE"
    start_server "eingang-$backend" "$OZG"
    local npid="$SERVER_PID" nbase="$SERVER_BASE" ncookie bpid="" bbase="" bcookie=""
    login "$nbase"
    ncookie="$COOKIE"
    set_filters
    local f key label path
    # Warm-up: every filter once (prepared statements, the page cache), and the number of hits.
    for f in "${FILTERS[@]}"; do
        key="${f%%|*}"
        path="${f##*|}"
        R_HITS[$backend-$key]="$(hits "$nbase" "$path" "$ncookie")"
    done
    if [ -n "$BASELINE" ]; then
        eingang_store "eingang-$backend-baseline" "$backend" "$BASELINE"
        EIN_INFO[$backend]="${EIN_INFO[$backend]} (baseline: $STORE_SIZE)"
        start_server "eingang-$backend-baseline" "$BASELINE"
        bpid="$SERVER_PID"
        bbase="$SERVER_BASE"
        login "$bbase"
        bcookie="$COOKIE"
        for f in "${FILTERS[@]}"; do
            key="${f%%|*}"
            path="${f##*|}"
            local bh
            bh="$(hits "$bbase" "$path" "$bcookie")"
            [ "$bh" = "${R_HITS[$backend-$key]}" ] || die "baseline finds $bh for $path, the new binary ${R_HITS[$backend-$key]}"
        done
        info "baseline and new binary report the same number of hits for every filter"
    fi
    for f in "${FILTERS[@]}"; do
        key="${f%%|*}"
        label="${f#*|}"
        label="${label%|*}"
        path="${f##*|}"
        if [ -n "$BASELINE" ]; then
            run_eingang "$backend-f-$key-vorher1" "$label (baseline)" "$bbase$path" "$bpid" "$bcookie" "$INBOX_CONNECTIONS"
            run_eingang "$backend-f-$key" "$label" "$nbase$path" "$npid" "$ncookie" "$INBOX_CONNECTIONS"
            run_eingang "$backend-f-$key-nachher2" "$label" "$nbase$path" "$npid" "$ncookie" "$INBOX_CONNECTIONS"
            run_eingang "$backend-f-$key-vorher2" "$label (baseline)" "$bbase$path" "$bpid" "$bcookie" "$INBOX_CONNECTIONS"
        else
            run_eingang "$backend-f-$key" "$label" "$nbase$path" "$npid" "$ncookie" "$INBOX_CONNECTIONS"
        fi
    done
    if [ -n "$BASELINE" ]; then
        run_mix "$backend-mix-vorher1" "all filters rotating (baseline)" "$bbase" "$bpid" "$bcookie"
        run_mix "$backend-mix" "all filters rotating" "$nbase" "$npid" "$ncookie"
        run_mix "$backend-mix-nachher2" "all filters rotating" "$nbase" "$npid" "$ncookie"
        run_mix "$backend-mix-vorher2" "all filters rotating (baseline)" "$bbase" "$bpid" "$bcookie"
        stop_pid "$bpid"
    else
        run_mix "$backend-mix" "all filters rotating" "$nbase" "$npid" "$ncookie"
    fi
    stop_pid "$npid"
}
declare -A EIN_INFO

# ---------------------------------------------------------------------------------------------
START=$SECONDS
install_tools
build

wait_idle() {
    [ "$WAIT_IDLE" -gt 0 ] || return 0
    local deadline=$((SECONDS + WAIT_IDLE))
    section "Waiting up to ${WAIT_IDLE} s for load average < 1.0"
    while [ "$SECONDS" -lt "$deadline" ]; do
        awk '{ exit !($1 < 1.0) }' /proc/loadavg && { info "load $(cut -d' ' -f1-3 /proc/loadavg)"; return 0; }
        sleep 5
    done
    info "still busy (load $(cut -d' ' -f1-3 /proc/loadavg)); measuring anyway"
}
wait_idle
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
PG_VERSION=""

BACKENDS=(sqlite)
if [ -n "$PG_URL" ]; then
    section "PostgreSQL"
    if [ "$PG_URL" = auto ]; then
        start_pg_cluster && BACKENDS+=(postgres) || true
    else
        PG_ADMIN_URL="$PG_URL"
        PG_VERSION="$(psql "$PG_ADMIN_URL" -Atqc 'SHOW server_version')"
        BACKENDS+=(postgres)
    fi
fi
for b in "${BACKENDS[@]}"; do
    [ "$ONLY" = eingang ] || bench_einreichen "$b"
done
for b in "${BACKENDS[@]}"; do
    [ "$ONLY" = einreichen ] || bench_eingang "$b"
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# The report.
v() { # v ARRAY KEY -> value or –
    local -n arr="$1"
    printf '%s' "${arr[$2]:-–}"
}
has() { [ -n "${R_P99[$1]:-}" ]; }

einreichen_tabelle() {
    echo "| backend | submitted/s (303) | p50 | p90 | p99 | 303 | other statuses | ozg CPU | database CPU | ozg VmRSS / VmHWM after | load | notes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    local row key label
    for row in "${ROWS[@]}"; do
        key="${row%%|*}"
        label="${row#*|}"
        case "$key" in *-ein | *-ein-*) ;; *) continue ;; esac
        echo "| $label | **$(fmt_int "${R_RPS[$key]}")** | ${R_P50[$key]} ms | ${R_P90[$key]} ms | **${R_P99[$key]} ms** | $(fmt_int "${R_OK[$key]:-0}") | ${R_OTHER[$key]:-0} | ${R_CPU[$key]} | ${R_DBCPU[$key]} | ${R_MEM[$key]} | ${R_LOAD[$key]} | ${R_NOTES[$key]} |"
    done
}

eingang_tabelle() { # the per-filter runs of both backends side by side
    echo "| filter | hits | SQLite req/s | SQLite p50 | SQLite p99 | PostgreSQL req/s | PostgreSQL p50 | PostgreSQL p99 | p99 PostgreSQL / SQLite |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    local f key label s p
    for f in "${FILTERS[@]}" "mix|all filters rotating (-c$CONNECTIONS)|"; do
        key="${f%%|*}"
        label="${f#*|}"
        label="${label%|*}"
        if [ "$key" = mix ]; then s="sqlite-mix"; p="postgres-mix"; else s="sqlite-f-$key"; p="postgres-f-$key"; fi
        has "$s" || has "$p" || continue
        echo "| \`$label\` | $(v R_HITS "sqlite-$key") | $(fmt_int "$(v R_RPS "$s")") | $(v R_P50 "$s") ms | **$(v R_P99 "$s") ms** | $(fmt_int "$(v R_RPS "$p")") | $(v R_P50 "$p") ms | **$(v R_P99 "$p") ms** | $(has "$s" && has "$p" && ratio "${R_P99[$p]}" "${R_P99[$s]}" || echo –) |"
    done
}

eingang_details() { # CPU, notes of every inbox run
    echo "| run | req/s | p50 | p90 | p99 | ozg CPU | database CPU | ozg VmRSS / VmHWM after | load | notes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    local row key label
    for row in "${ROWS[@]}"; do
        key="${row%%|*}"
        label="${row#*|}"
        case "$key" in *-f-* | *-mix*) ;; *) continue ;; esac
        echo "| ${key%%-*}: \`$label\` | $(fmt_int "${R_RPS[$key]}") | ${R_P50[$key]} ms | ${R_P90[$key]} ms | ${R_P99[$key]} ms | ${R_CPU[$key]} | ${R_DBCPU[$key]} | ${R_MEM[$key]} | ${R_LOAD[$key]} | ${R_NOTES[$key]} |"
    done
}

vergleich() { # vergleich BACKEND -> baseline and new side by side (means of two runs each)
    local backend="$1" f key label b n
    echo "| run | baseline req/s | new req/s | new/baseline | baseline p50 | new p50 | baseline p99 | new p99 | p99 new/baseline |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for f in "ein|submission (-c$CONNECTIONS), submitted/s|" "${FILTERS[@]}" "mix|all filters rotating (-c$CONNECTIONS)|"; do
        key="${f%%|*}"
        label="${f#*|}"
        label="${label%|*}"
        case "$key" in ein | mix) key="$backend-$key" ;; *) key="$backend-f-$key" ;; esac
        has "$key-vorher1" || continue
        local br nr bp50 np50 bp99 np99
        br="$(mean2 "${R_RPS[$key-vorher1]}" "${R_RPS[$key-vorher2]}" %.0f)"
        nr="$(mean2 "${R_RPS[$key]}" "${R_RPS[$key-nachher2]}" %.0f)"
        bp50="$(mean2 "${R_P50[$key-vorher1]}" "${R_P50[$key-vorher2]}")"
        np50="$(mean2 "${R_P50[$key]}" "${R_P50[$key-nachher2]}")"
        bp99="$(mean2 "${R_P99[$key-vorher1]}" "${R_P99[$key-vorher2]}")"
        np99="$(mean2 "${R_P99[$key]}" "${R_P99[$key-nachher2]}")"
        echo "| \`$label\` | $(fmt_int "$br") | $(fmt_int "$nr") | **$(ratio "$nr" "$br")×** | $bp50 ms | $np50 ms | $bp99 ms | $np99 ms | **$(ratio "$np99" "$bp99")** |"
    done
}

mkdir -p "$OUT_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
OUT="$OUT_DIR/antraege-$STAMP.md"
{
    echo "# Anträge benchmark $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo
    echo "Command: \`scripts/bench-antraege.sh${ARGS_ORIG:+ $ARGS_ORIG}\` (git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ', dirty tree'))"
    echo
    echo "Machine: nproc = $(nproc); $(lscpu | sed -n 's/^Model name: *//p' | head -n1); $(free -h | awk '/^Mem:/ { print $2 }') RAM;" \
        "load average before $LOAD_BEFORE, after $LOAD_AFTER. Server, wrk and the database share the same cores." \
        "$(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2)${PG_VERSION:+; $PG_VERSION (default durability)}; SQLite in WAL mode with synchronous=FULL (the portal's setting)."
    echo
    if [ -n "$BASELINE" ]; then
        echo "Baseline: \`$BASELINE\`, new: \`$OZG\`. Each on its own fresh data; per row baseline, new, new, baseline; the table gives the mean of the two runs of each."
        echo
        for b in "${BACKENDS[@]}"; do
            echo "## Baseline and new side by side: $b"
            echo
            vergleich "$b"
            echo
        done
    fi
    if [ "$ONLY" != eingang ]; then
        echo "## 1. Submission with receipt PDF"
        echo
        echo "\`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s scripts/bench/einreichen.lua\`: POST /antraege/{id}/einreichen, every request a different complete draft" \
            "($DRAFTS prepared per run over HTTP). Submitted/s = responses 303 / $DURATION_S s."
        echo
        einreichen_tabelle
        echo
        for b in "${BACKENDS[@]}"; do
            [ -n "${EIN_CHECK[$b]:-}" ] && echo "- $b: ${EIN_CHECK[$b]}."
        done
        echo
        echo "ozg CPU / database CPU = CPU time of the ozg process / of all PostgreSQL processes during the run, per wall second (200 % = both cores)."
        echo
    fi
    if [ "$ONLY" != einreichen ]; then
        echo "## 2. Case-work inbox over $(fmt_int "$ANTRAEGE") Anträge of one authority"
        echo
        for b in "${BACKENDS[@]}"; do
            [ -n "${EIN_INFO[$b]:-}" ] && echo "- $b data: ${EIN_INFO[$b]}."
        done
        echo
        echo "Logged in as a case worker of that authority ($STAFF staff). Per filter \`wrk -t$THREADS -c$INBOX_CONNECTIONS -d$DURATION --latency\` on GET /sachbearbeitung?…;" \
            "the last row: all filters rotating, \`-c$CONNECTIONS -s scripts/bench/eingang.lua\`. Hits = the number the page reports."
        echo
        eingang_tabelle
        echo
        echo "### Every inbox run"
        echo
        eingang_details
        echo
    fi
} >"$OUT"

section "Result ($((SECONDS - START)) s) -> $OUT"
cat "$OUT"
