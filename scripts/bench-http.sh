#!/usr/bin/env bash
# HTTP benchmark of the portal and the JSON API (`ozg serve`), with wrk on the same machine,
# compared in the same run with nginx serving the HTML of /projekte as a static file.
#
#   scripts/bench-http.sh                       SQLite (the default data directory backend)
#   scripts/bench-http.sh --postgres URL        additionally the same against PostgreSQL at URL
#                                               (the role needs CREATEDB: every cold start and
#                                               the load run get their own fresh database)
#   scripts/bench-http.sh --postgres auto       ... against a throwaway local cluster (initdb +
#                                               pg_ctl as the `postgres` user when root; needs
#                                               the Debian postgresql package, skipped without)
#
# Options:  --duration 15s   wrk duration per endpoint        --connections 32   --threads 2
#           --cold-runs 3    cold starts per backend          --no-build         --no-install
#           --out DIR        where the Markdown goes (default bench-out/)
#           --wait-idle S    before measuring, wait up to S seconds for the 1-minute load
#                            average to fall below 1.0 (the machine may be shared with builds)
#           --baseline BIN   also measure another `ozg` binary (e.g. the release build of the
#                            previous commit) on its own fresh data directory, endpoint by
#                            endpoint alternating with this one (baseline, new, new, baseline),
#                            and print both columns with the ratio new/baseline
# Environment: CARGO_TARGET_DIR (default: <repo>/target-bench).
#
# What it does, idempotently and bounded in time:
#   1. installs wrk and nginx with apt-get when missing (never starts the system nginx service)
#   2. builds `ozg` in release mode
#   3. cold start: fresh empty data directory -> first `GET /health` = 200, N times, median
#   4. starts one server on a free loopback port (on the data directory of the last cold start,
#      so its memory high-water mark is the serving, not the import), saves the HTML of
#      /projekte and serves it with its own nginx (temp config, access_log off, loopback only)
#   5. `wrk -t2 -c32 -d15s --latency` against, in this order: nginx static /projekte.html
#      (worker_processes 1, then auto), ozg /projekte, /api/v1/umsetzungsprojekte,
#      /suche?q=Hund, /api/v1/suche?q=Fuehrerschein, /projekte/kinderbetreuung
#   6. peak RSS of the server (VmHWM from /proc/PID/status) before and after the load, its CPU
#      use per run; prints a Markdown table and writes it to bench-out/http-<date>.md
# Every process it starts is stopped on exit (trap). Loopback only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION=15s
CONNECTIONS=32
THREADS=2
COLD_RUNS=3
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
        --threads) THREADS="${2:?}"; shift 2 ;;
        --cold-runs) COLD_RUNS="${2:?}"; shift 2 ;;
        --no-build) DO_BUILD=0; shift ;;
        --no-install) DO_INSTALL=0; shift ;;
        --out) OUT_DIR="${2:?}"; shift 2 ;;
        --wait-idle) WAIT_IDLE="${2:?}"; shift 2 ;;
        --baseline) BASELINE="${2:?--baseline needs the path of an ozg binary}"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see $0 --help)" >&2; exit 2 ;;
    esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
OZG="$CARGO_TARGET_DIR/release/ozg"

# Cargo installed by rustup lives in ~/.cargo/bin, which a non-login root shell may lack.
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
now_ns() { date +%s%N; }

# ---------------------------------------------------------------------------------------------
# Cleanup: every process this script started, by PID; temp directories; the policy-rc.d we may
# have placed during apt-get install.
TMP="$(mktemp -d /tmp/ozg-bench-http.XXXXXX)"
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
    local pid
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
    section "Tools (wrk, nginx)"
    local missing=()
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
    if [ "${#missing[@]}" -eq 0 ]; then
        info "already installed"
    elif [ "$DO_INSTALL" = 0 ]; then
        die "missing: ${missing[*]} (and --no-install given)"
    else
        command -v apt-get >/dev/null 2>&1 || die "no apt-get: install ${missing[*]} yourself"
        info "installing: ${missing[*]}"
        # Keep the package from starting the system-wide nginx on port 80 (Docker's way).
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
            POLICY_RC_CREATED=1
        fi
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
        if [ "$POLICY_RC_CREATED" = 1 ]; then
            as_root rm -f /usr/sbin/policy-rc.d
            POLICY_RC_CREATED=0
        fi
    fi
    NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
    info "$(wrk --version 2>&1 | head -n1)"
    info "$("$NGINX" -v 2>&1)"
}

build() {
    section "Build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    if [ "$DO_BUILD" = 1 ]; then
        cargo build --release -p ozg --locked
    fi
    [ -x "$OZG" ] || die "$OZG not found (build it or drop --no-build)"
    info "$OZG ($(stat -c %y "$OZG" | cut -d. -f1))"
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

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }

# start_ozg NAME PORT DATADIR [DATABASE_URL] [BINARY] -> sets SERVER_PID; logs to $TMP/NAME.log
start_ozg() {
    local name="$1" port="$2" dir="$3" db="${4:-}" bin="${5:-$OZG}"
    local args=(serve --addr "127.0.0.1:$port" --data-dir "$dir")
    [ -n "$db" ] && args+=(--database "$db")
    env -u OZG_DATA_DIR -u OZG_DATABASE_URL RUST_LOG="${RUST_LOG:-info,sqlx=warn}" \
        "$bin" "${args[@]}" >"$TMP/$name.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
}

# wait_health PORT PID TIMEOUT_S -> 0 when /health = 200
wait_health() {
    local port="$1" pid="$2" deadline=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/health" 2>/dev/null)" = 200 ]; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.005
    done
    return 1
}

proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# utime + stime of PID (and its threads) in clock ticks.
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK="$(getconf CLK_TCK)"

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------------------------------------
# cold_start LABEL [PG]: N fresh starts, each on an empty data directory (or empty database).
COLD_LINES=()
cold_start() {
    local label="$1" pg="${2:-}"
    section "Cold start: $label ($COLD_RUNS runs)"
    local times=() i port dir t0 t1 ms db url logged hwm
    for i in $(seq 1 "$COLD_RUNS"); do
        port="$(free_port)"
        dir="$TMP/cold-$label-$i"
        url=""
        if [ -n "$pg" ]; then
            db="ozg_bench_cold_${i}_$$"
            psql "$PG_ADMIN_URL" -Atqc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null
            psql "$PG_ADMIN_URL" -Atqc "CREATE DATABASE \"$db\"" >/dev/null || die "CREATE DATABASE failed"
            PG_DBS+=("$db")
            url="$(pg_url_for "$db")"
        fi
        sync
        t0="$(now_ns)"
        start_ozg "cold-$label-$i" "$port" "$dir" "$url"
        wait_health "$port" "$SERVER_PID" 60 || { cat "$TMP/cold-$label-$i.log" >&2; die "server did not become healthy"; }
        t1="$(now_ns)"
        ms=$(((t1 - t0) / 1000000))
        hwm="$(proc_kb "$SERVER_PID" VmHWM)"
        logged="$(sed -n 's/.*(Start in \([0-9]*\) ms).*/\1/p' "$TMP/cold-$label-$i.log" | tail -n1)"
        info "run $i: ${ms} ms to /health = 200 (server log: ${logged:-?} ms to listening; VmHWM $((hwm / 1024)) MiB)"
        times+=("$ms")
        COLD_IMPORT_HWM_KB="$hwm"
        stop_pid "$SERVER_PID"
        LAST_COLD_DIR="$dir"
        LAST_COLD_URL="$url"
    done
    local med
    med="$(printf '%s\n' "${times[@]}" | median)"
    local joined
    joined="$(printf '%s ms, ' "${times[@]}")"
    COLD_LINES+=("| $label | ${joined%, } | **$med ms** | $((COLD_IMPORT_HWM_KB / 1024)) MiB |")
    info "median: $med ms"
}

# ---------------------------------------------------------------------------------------------
# wrk and its output
to_ms() { # "1.23ms" / "850.00us" / "1.02s" -> ms
    awk -v v="$1" 'BEGIN {
        n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        printf "%.2f", n }'
}

# The measured endpoints: key|path.
ENDPOINTS=(
    "list|/projekte"
    "api|/api/v1/umsetzungsprojekte"
    "suche|/suche?q=Hund"
    "apisuche|/api/v1/suche?q=Fuehrerschein"
    "detail|/projekte/kinderbetreuung"
    "apidetail|/api/v1/umsetzungsprojekte/kinderbetreuung"
    "org|/organisationen/guetersloh"
    "plan|/umsetzungsplan"
)
ROWS=()
declare -A RPS
declare -A P99
# run_wrk KEY LABEL URL PID(optional: server pid for CPU accounting)
run_wrk() {
    local key="$1" label="$2" url="$3" pid="${4:-}"
    local code out rps p50 p99 errs non2xx t0 t1 cpu="" secs
    code="$(http_code "$url")"
    [ "$code" = 200 ] || die "$url answers $code, not 200"
    info "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    t0=0
    [ -n "$pid" ] && t0="$(proc_ticks "$pid")"
    out="$(timeout 300 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")" || die "wrk failed on $url"
    if [ -n "$pid" ]; then
        t1="$(proc_ticks "$pid")"
        secs="$(awk -v d="$DURATION" 'BEGIN { n = d; sub(/[a-z]+$/, "", n); u = d; sub(/^[0-9.]+/, "", u);
            if (u == "m") n *= 60; else if (u == "h") n *= 3600; print n }')"
        cpu="$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" -v s="$secs" 'BEGIN { printf "%.0f %%", 100 * (b - a) / hz / s }')"
    fi
    local load
    load="$(cut -d' ' -f1 /proc/loadavg)"
    printf '%s\n' "$out" >"$TMP/wrk-$key.txt"
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    rps="$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')"
    p50="$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "50%" { print $2 }')")"
    p99="$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')")"
    non2xx="$(printf '%s\n' "$out" | awk '/Non-2xx or 3xx responses:/ { print $NF }')"
    errs="$(printf '%s\n' "$out" | sed -n 's/.*Socket errors: \(.*\)/\1/p')"
    RPS[$key]="$rps"
    P99[$key]="$p99"
    local notes=""
    [ -n "$non2xx" ] && notes="non-2xx: $non2xx"
    [ -n "$errs" ] && notes="${notes:+$notes; }socket errors: $errs"
    ROW_KEY+=("$key")
    ROW_LABEL+=("$label")
    ROW_RPS+=("$rps")
    ROW_P50+=("$p50")
    ROW_P99+=("$p99")
    ROW_CPU+=("$cpu")
    ROW_NOTES+=("$notes")
    ROW_LOAD+=("$load")
}
ROW_KEY=(); ROW_LABEL=(); ROW_RPS=(); ROW_P50=(); ROW_P99=(); ROW_CPU=(); ROW_NOTES=(); ROW_LOAD=()

fmt_int() { printf "%'d" "$1" 2>/dev/null || echo "$1"; }

compare_table() { # compare_table PREFIX -> baseline and new side by side (means of two runs each)
    local prefix="$1" e key b n bp np
    echo "| endpoint | baseline req/s | new req/s | new/baseline | baseline p99 | new p99 |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for e in "${ENDPOINTS[@]}"; do
        key="$prefix-${e%%|*}"
        [ -n "${RPS[$key-vorher1]:-}" ] || continue
        b="$(awk -v x="${RPS[$key-vorher1]}" -v y="${RPS[$key-vorher2]}" 'BEGIN { printf "%.0f", (x + y) / 2 }')"
        n="$(awk -v x="${RPS[$key]}" -v y="${RPS[$key-nachher2]}" 'BEGIN { printf "%.0f", (x + y) / 2 }')"
        bp="$(awk -v x="${P99[$key-vorher1]}" -v y="${P99[$key-vorher2]}" 'BEGIN { printf "%.2f", (x + y) / 2 }')"
        np="$(awk -v x="${P99[$key]}" -v y="${P99[$key-nachher2]}" 'BEGIN { printf "%.2f", (x + y) / 2 }')"
        echo "| \`${e#*|}\` | $(fmt_int "$b") | $(fmt_int "$n") | **$(awk -v a="$n" -v b="$b" 'BEGIN { printf "%.2f", a / b }')×** | $bp ms | $np ms |"
    done
}

table() { # table PREFIX [nginx] -> markdown for the rows whose key starts with PREFIX (and nginx's)
    local prefix="$1" with_nginx="${2:-}" i ratio ratio_auto base1="${RPS[nginx1]:-0}" baseA="${RPS[nginxauto]:-0}"
    echo "| endpoint | req/s | p50 | p99 | vs nginx (1 worker) | vs nginx (auto) | server CPU | load (1 min) | notes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for i in "${!ROW_KEY[@]}"; do
        case "${ROW_KEY[$i]}" in
            nginx*) [ -n "$with_nginx" ] || continue ;;
            "$prefix"-*) ;;
            *) continue ;;
        esac
        ratio="$(awk -v a="${ROW_RPS[$i]}" -v b="$base1" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "–" }')"
        ratio_auto="$(awk -v a="${ROW_RPS[$i]}" -v b="$baseA" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "–" }')"
        echo "| ${ROW_LABEL[$i]} | $(fmt_int "${ROW_RPS[$i]}") | ${ROW_P50[$i]} ms | ${ROW_P99[$i]} ms | $ratio | $ratio_auto | ${ROW_CPU[$i]:-–} | ${ROW_LOAD[$i]} | ${ROW_NOTES[$i]} |"
    done
}

# ---------------------------------------------------------------------------------------------
NGINX_PID=""
start_nginx() { # start_nginx WORKERS PORT ROOTDIR
    local workers="$1" port="$2" www="$3" dir="$TMP/nginx-$1"
    mkdir -p "$dir/logs" "$dir/tmp"
    local user_line=""
    is_root && user_line="user root;"
    cat >"$dir/nginx.conf" <<EOF
# Minimal static server for the benchmark (generated by scripts/bench-http.sh).
$user_line
worker_processes $workers;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
    types { text/html html; }
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $www;
    }
}
EOF
    "$NGINX" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" || die "nginx config invalid"
    "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    for _ in $(seq 1 200); do
        [ "$(http_code "http://127.0.0.1:$port/projekte.html")" = 200 ] && return 0
        sleep 0.05
    done
    cat "$dir/logs/error.log" >&2
    die "nginx did not start"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
pg_url_for() { # the admin URL with another database name
    printf '%s\n' "$PG_ADMIN_URL" | sed -E "s#^(postgres(ql)?://[^/]*)/?[^?]*#\1/$1#"
}

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
    # Default durability settings except fsync=off: the benchmark reads, it does not write.
    (cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/server.log" -w -t 60 \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off" start >/dev/null) ||
        { cat "$PG_TMP/server.log" >&2; die "PostgreSQL did not start"; }
    PG_ADMIN_URL="postgres://$user:$password@127.0.0.1:$port/postgres"
    info "$("$PG_BIN/postgres" --version), throwaway cluster on port $port (fsync=off)"
}

# ---------------------------------------------------------------------------------------------
# One backend: cold starts, then the load run against one server.
LOAD_INFO=()
bench_backend() {
    local label="$1" pg="${2:-}"
    cold_start "$label" "$pg"

    section "Load: $label"
    local port dir url=""
    port="$(free_port)"
    dir="$LAST_COLD_DIR"
    if [ -n "$pg" ]; then url="$LAST_COLD_URL"; fi
    start_ozg "load-$label" "$port" "$dir" "$url"
    local pid="$SERVER_PID"
    wait_health "$port" "$pid" 60 || { cat "$TMP/load-$label.log" >&2; die "server did not become healthy"; }
    local base="http://127.0.0.1:$port"
    local hwm0 rss0
    # Warm-up: one request per endpoint (first-use allocations, prepared statements).
    for p in "${ENDPOINTS[@]}"; do
        [ "$(http_code "$base${p#*|}")" = 200 ] || die "$base${p#*|} does not answer 200"
    done
    hwm0="$(proc_kb "$pid" VmHWM)"
    rss0="$(proc_kb "$pid" VmRSS)"

    if [ -z "${RPS[nginx1]:-}" ]; then
        # The same HTML as a static file, served by nginx.
        mkdir -p "$TMP/www"
        curl -sf --max-time 10 -o "$TMP/www/projekte.html" "$base/projekte" || die "could not save /projekte"
        chmod 644 "$TMP/www/projekte.html"
        HTML_BYTES="$(stat -c %s "$TMP/www/projekte.html")"
        info "saved /projekte: $HTML_BYTES bytes"
        local nport
        nport="$(free_port)"
        start_nginx 1 "$nport" "$TMP/www"
        run_wrk nginx1 "nginx static \`/projekte.html\` (worker_processes 1)" "http://127.0.0.1:$nport/projekte.html"
        stop_pid "$NGINX_PID"
        nport="$(free_port)"
        start_nginx auto "$nport" "$TMP/www"
        NGINX_AUTO_WORKERS="$(pgrep -P "$NGINX_PID" | wc -l)"
        run_wrk nginxauto "nginx static \`/projekte.html\` (worker_processes auto = $NGINX_AUTO_WORKERS)" "http://127.0.0.1:$nport/projekte.html"
        stop_pid "$NGINX_PID"
    fi

    local bpid="" bbase=""
    if [ -n "$BASELINE" ]; then
        # The baseline on its own fresh data directory (its schema may be older).
        local bport bdir="$TMP/baseline-$label" burl=""
        bport="$(free_port)"
        if [ -n "$pg" ]; then
            local bdb="ozg_bench_baseline_$$"
            psql "$PG_ADMIN_URL" -Atqc "DROP DATABASE IF EXISTS \"$bdb\"" >/dev/null
            psql "$PG_ADMIN_URL" -Atqc "CREATE DATABASE \"$bdb\"" >/dev/null || die "CREATE DATABASE failed"
            PG_DBS+=("$bdb")
            burl="$(pg_url_for "$bdb")"
        fi
        start_ozg "baseline-$label" "$bport" "$bdir" "$burl" "$BASELINE"
        bpid="$SERVER_PID"
        wait_health "$bport" "$bpid" 120 || { cat "$TMP/baseline-$label.log" >&2; die "baseline did not become healthy"; }
        bbase="http://127.0.0.1:$bport"
        for p in "${ENDPOINTS[@]}"; do
            [ "$(http_code "$bbase${p#*|}")" = 200 ] || die "baseline: $bbase${p#*|} does not answer 200"
        done
    fi
    local e key path
    for e in "${ENDPOINTS[@]}"; do
        key="${e%%|*}"
        path="${e#*|}"
        if [ -n "$BASELINE" ]; then
            # baseline, new, new, baseline: drift of a noisy machine hits both alike.
            run_wrk "$label-$key-vorher1" "$label: \`$path\` (baseline)" "$bbase$path" "$bpid"
            run_wrk "$label-$key" "$label: \`$path\`" "$base$path" "$pid"
            run_wrk "$label-$key-nachher2" "$label: \`$path\`" "$base$path" "$pid"
            run_wrk "$label-$key-vorher2" "$label: \`$path\` (baseline)" "$bbase$path" "$bpid"
        else
            run_wrk "$label-$key" "$label: \`$path\`" "$base$path" "$pid"
        fi
    done
    [ -n "$bpid" ] && stop_pid "$bpid"

    local hwm1 rss1
    hwm1="$(proc_kb "$pid" VmHWM)"
    rss1="$(proc_kb "$pid" VmRSS)"
    local threads
    threads="$(proc_kb "$pid" Threads)"
    LOAD_INFO+=("| $label | $((rss0 / 1024)) MiB | $((hwm0 / 1024)) MiB | $((rss1 / 1024)) MiB | **$((hwm1 / 1024)) MiB** | $threads |")
    info "server memory: before load VmRSS $((rss0 / 1024)) MiB / VmHWM $((hwm0 / 1024)) MiB; after load VmRSS $((rss1 / 1024)) MiB / VmHWM $((hwm1 / 1024)) MiB"
    stop_pid "$pid"
}

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
bench_backend sqlite

if [ -n "$PG_URL" ]; then
    section "PostgreSQL"
    if [ "$PG_URL" = auto ]; then
        start_pg_cluster && bench_backend postgres pg || true
    else
        PG_ADMIN_URL="$PG_URL"
        bench_backend postgres pg
    fi
fi
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
OUT="$OUT_DIR/http-$STAMP.md"
{
    echo "# HTTP benchmark $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo
    echo "Command: \`scripts/bench-http.sh${ARGS_ORIG:+ $ARGS_ORIG}\` (git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ', dirty tree'))"
    echo
    echo "Machine: nproc = $(nproc); $(lscpu | sed -n 's/^Model name: *//p' | head -n1); $(free -h | awk '/^Mem:/ { print $2 }') RAM;" \
        "load average before $LOAD_BEFORE, after $LOAD_AFTER. Server and wrk share the same cores."
    echo
    echo "Load: \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency\`, one endpoint after the other, loopback." \
        "HTML of /projekte: ${HTML_BYTES:-?} bytes. $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2); $("$NGINX" -v 2>&1 | sed 's/.*: //')."
    echo
    if [ -n "$BASELINE" ]; then
        echo "## Baseline and new side by side"
        echo
        echo "Baseline: \`$BASELINE\`. Per endpoint: baseline, new, new, baseline; the table gives the mean of the two runs of each."
        echo
        compare_table sqlite
        if printf '%s\n' "${ROW_KEY[@]}" | grep -q '^postgres-'; then
            echo
            echo "PostgreSQL:"
            echo
            compare_table postgres
        fi
        echo
    fi
    echo "## Throughput and latency"
    echo
    table sqlite nginx
    if printf '%s\n' "${ROW_KEY[@]}" | grep -q '^postgres-'; then
        echo
        echo "PostgreSQL (same nginx baseline):"
        echo
        table postgres
    fi
    echo
    echo "Server CPU = CPU time of the ozg process during the run / wall time (200 % = both cores)." \
        "Load = 1-minute load average at the end of the run; it includes the benchmark's own threads (wrk, server, database), so it rises during the run even on an otherwise idle machine."
    echo
    echo "## Cold start (empty data directory or empty database → first \`GET /health\` = 200)"
    echo
    echo "| backend | runs | median | VmHWM of the server after the first start (import) |"
    echo "| --- | --- | ---: | ---: |"
    printf '%s\n' "${COLD_LINES[@]}"
    echo
    echo "## Server memory (load server started on the already imported data)"
    echo
    echo "| backend | VmRSS before load | VmHWM before load | VmRSS after load | VmHWM after load (peak) | threads |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${LOAD_INFO[@]}"
} >"$OUT"

section "Result ($((SECONDS - START)) s) -> $OUT"
cat "$OUT"
