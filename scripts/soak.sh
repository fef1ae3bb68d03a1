#!/usr/bin/env bash
# Soak test of `ozg serve` (a script, not in CI): a long run of mixed reads and writes with
# wrk, then slow clients, against one server on loopback.
#
#   scripts/soak.sh                          SQLite in a fresh temporary data directory
#   scripts/soak.sh --postgres URL           the same server on PostgreSQL at URL (`--database`);
#                                            a fresh database is best (the first start imports
#                                            the built-in data into an empty one)
#   scripts/soak.sh --duration 60s           a short run (the default is the full 10 minutes)
#
# Options:  --duration 10m     length of the mixed load (wrk: 30s, 10m, 1h)
#           --connections 32   --threads 2     wrk connections and threads
#           --writes 10        percent of the requests that are writes (0: reads only)
#           --timeout 10s      a request slower than this counts as an error (wrk --timeout)
#           --sample 5         seconds between two samples of the server's memory
#           --slow 500         slow connections in the slow-client phase (0: skip the phase)
#           --slow-hold 60     seconds the slow clients are held
#           --slow-interval 2  seconds between two bytes of a slow client
#           --probes 20        /health and /projekte requests each during the slow phase
#           --probe-max 2      seconds: a probe slower than this counts as not answered
#           --no-build         use the existing release binary
#           --out DIR          where the Markdown and the memory CSV go (default bench-out/)
# Environment: CARGO_TARGET_DIR (default: <repo>/target-bench), RUST_LOG (info,sqlx=warn).
#
# What it does, bounded in time:
#   1. builds `ozg` in release mode (cargo build --release --locked --bin ozg)
#   2. starts `ozg serve` once on the empty data directory (the import; its memory peak is
#      reported apart), stops it, creates an account (`ozg user add kim ... --rolle
#      koordinierungsstelle`) and starts the server again, so VmHWM is the serving alone
#   3. accepts the invitation and logs in over HTTP (CSRF double submit before login), reads
#      the edit form of /projekte/kinderbetreuung/bearbeiten and checks by hand, with curl,
#      that the write works: a save on the current version is 303, the same again 409
#   4. mixed load with wrk and scripts/soak/mixed.lua for --duration: the read pages and API
#      lists of READS (in this script) in turn, and every 10th request (--writes) a save of the edit form
#      with optimistic versioning (409 on a stale version is a correct answer). The Lua
#      script counts the statuses itself: ok = 2xx/3xx/409, errors = any other status plus
#      wrk's socket errors and timeouts. Meanwhile VmRSS/VmHWM/threads/fds of the server are
#      sampled every --sample seconds into bench-out/soak-<date>-memory.csv
#   5. slow clients (scripts/soak/slow-clients.py): --slow connections that each send a
#      partial request head, one byte every --slow-interval seconds, reconnecting when the
#      server closes them (its header timeout is 10 s), held for --slow-hold seconds; meanwhile
#      --probes requests each of /health and /projekte must answer 200 within --probe-max
#   6. stops the server (SIGTERM), scans its log for panics, errors and warnings, prints a
#      Markdown summary and writes it to bench-out/soak-<date>.md (server log and memory CSV
#      next to it)
# Exit status: 0 if there were no errors, the probes during the slow phase were answered, the
# server neither died nor panicked; 1 otherwise. Every process it starts is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION=10m
CONNECTIONS=32
THREADS=2
WRITES=10
TIMEOUT=10s
SAMPLE=5
SLOW=500
SLOW_HOLD=60
SLOW_INTERVAL=2
PROBES=20
PROBE_MAX=2
DO_BUILD=1
PG_URL=""
OUT_DIR="$ROOT/bench-out"
ARGS_ORIG="$*"

while [ "$#" -gt 0 ]; do
    case "$1" in
        --postgres) PG_URL="${2:?--postgres needs a URL}"; shift 2 ;;
        --duration) DURATION="${2:?}"; shift 2 ;;
        --connections) CONNECTIONS="${2:?}"; shift 2 ;;
        --threads) THREADS="${2:?}"; shift 2 ;;
        --writes) WRITES="${2:?}"; shift 2 ;;
        --timeout) TIMEOUT="${2:?}"; shift 2 ;;
        --sample) SAMPLE="${2:?}"; shift 2 ;;
        --slow) SLOW="${2:?}"; shift 2 ;;
        --slow-hold) SLOW_HOLD="${2:?}"; shift 2 ;;
        --slow-interval) SLOW_INTERVAL="${2:?}"; shift 2 ;;
        --probes) PROBES="${2:?}"; shift 2 ;;
        --probe-max) PROBE_MAX="${2:?}"; shift 2 ;;
        --no-build) DO_BUILD=0; shift ;;
        --out) OUT_DIR="${2:?}"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see $0 --help)" >&2; exit 2 ;;
    esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
OZG="$CARGO_TARGET_DIR/release/ozg"
LUA="$ROOT/scripts/soak/mixed.lua"
SLOWPY="$ROOT/scripts/soak/slow-clients.py"

# Cargo installed by rustup lives in ~/.cargo/bin, which a non-login root shell may lack.
if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

section() { printf '\n========== %s ==========\n' "$*" >&2; }
info() { printf '  %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# seconds DURATION -> whole seconds ("90", "90s", "10m", "1h")
seconds() {
    awk -v d="$1" 'BEGIN { n = d; sub(/[a-z]+$/, "", n); u = d; sub(/^[0-9.]+/, "", u);
        if (u == "m") n *= 60; else if (u == "h") n *= 3600; else if (u == "ms") n /= 1000;
        printf "%d", n }'
}
DURATION_S="$(seconds "$DURATION")"
[ "$DURATION_S" -gt 0 ] || die "--duration $DURATION: not a duration"
case "$WRITES" in '' | *[!0-9]*) die "--writes takes a whole percentage" ;; esac
[ "$WRITES" -le 100 ] || die "--writes takes a percentage (0-100)"
if [ "$WRITES" -gt 0 ]; then WRITE_EVERY=$(((100 + WRITES / 2) / WRITES)); else WRITE_EVERY=0; fi
if [ "$WRITE_EVERY" -gt 0 ]; then WRITES_TEXT="every ${WRITE_EVERY}th request"; else WRITES_TEXT="no writes"; fi
for v in SAMPLE SLOW PROBES; do
    case "${!v}" in '' | *[!0-9]*) die "--$(echo "$v" | tr 'A-Z' 'a-z') takes a whole number" ;; esac
done
[ "$SAMPLE" -ge 1 ] || die "--sample takes at least 1 (second)"

command -v wrk >/dev/null 2>&1 || die "wrk is missing (apt-get install wrk)"
command -v python3 >/dev/null 2>&1 || die "python3 is missing"
command -v curl >/dev/null 2>&1 || die "curl is missing"

# ---------------------------------------------------------------------------------------------
# Cleanup: every process this script started, by PID, and the temporary directory.
TMP="$(mktemp -d /tmp/ozg-soak.XXXXXX)"
chmod 755 "$TMP"
PIDS=()

stop_pid() {
    local pid="$1"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
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
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
build() {
    section "Build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    if [ "$DO_BUILD" = 1 ]; then
        cargo build --release --locked --bin ozg
    fi
    [ -x "$OZG" ] || die "$OZG not found (build it or drop --no-build)"
    info "$OZG ($(stat -c %y "$OZG" | cut -d. -f1))"
}

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

DATA_DIR="$TMP/daten"
DB_ARGS=()
BACKEND=SQLite
if [ -n "$PG_URL" ]; then
    DB_ARGS=(--database "$PG_URL")
    BACKEND=PostgreSQL
fi
# The command line and URLs as printed: without the database password.
no_password() { sed -E 's#(postgres(ql)?://[^:/@ ]*):[^@ ]*@#\1:***@#g'; }
ARGS_SHOWN="$(printf '%s' "$ARGS_ORIG" | no_password)"
# Size of the stored data in KiB: the data directory, plus the database with PostgreSQL.
data_kb() {
    local kb db=0
    kb="$(du -sk "$DATA_DIR" 2>/dev/null | cut -f1)"
    if [ -n "$PG_URL" ] && command -v psql >/dev/null 2>&1; then
        db="$(psql "$PG_URL" -Atqc 'SELECT pg_database_size(current_database()) / 1024' 2>/dev/null || echo 0)"
    fi
    echo $((${kb:-0} + ${db:-0}))
}

# start_ozg NAME PORT -> sets SERVER_PID; logs to $TMP/NAME.log
start_ozg() {
    local name="$1" port="$2"
    env -u OZG_DATA_DIR -u OZG_DATABASE_URL RUST_LOG="${RUST_LOG:-info,sqlx=warn}" \
        "$OZG" serve --addr "127.0.0.1:$port" --data-dir "$DATA_DIR" "${DB_ARGS[@]}" >"$TMP/$name.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
}

# wait_health PORT PID TIMEOUT_S -> 0 when /health = 200
wait_health() {
    local port="$1" pid="$2" deadline=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null)" = 200 ]; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
proc_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
mib() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }
fmt_int() { printf "%'d" "$1" 2>/dev/null || echo "$1"; }

# ---------------------------------------------------------------------------------------------
START=$SECONDS
STAMP="$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT_DIR"
OUT="$OUT_DIR/soak-$STAMP.md"
CSV="$OUT_DIR/soak-$STAMP-memory.csv"
FAIL=()

build

# Enough file descriptors for the slow clients (the server and the Python client inherit it).
NEED_FDS=$((SLOW + CONNECTIONS + 1024))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NEED_FDS" ]; then
    HARD="$(ulimit -Hn)"
    if [ "$HARD" = unlimited ] || [ "$HARD" -ge "$NEED_FDS" ]; then
        ulimit -n "$NEED_FDS"
    else
        ulimit -n "$HARD"
        info "ulimit -n only $HARD (hard limit); the slow phase may be limited by it"
    fi
fi
info "ulimit -n $(ulimit -n)"

section "First start: import of the built-in data ($BACKEND)"
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
T0="$(date +%s%N)"
start_ozg import "$PORT"
wait_health "$PORT" "$SERVER_PID" 180 || { tail -n 50 "$TMP/import.log" >&2; die "server did not become healthy"; }
IMPORT_S="$(awk -v a="$T0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
IMPORT_HWM="$(proc_kb "$SERVER_PID" VmHWM)"
info "healthy after ${IMPORT_S} s; VmHWM after the import $(mib "$IMPORT_HWM") MiB"
stop_pid "$SERVER_PID"

section "Account for the writes"
USERNAME=kim
PW="Wolke Tinte Lampe Fahrrad"
user_add() {
    env -u OZG_DATA_DIR -u OZG_DATABASE_URL "$OZG" user add "$1" --name "Kim Koordination" --email "$2" \
        --rolle koordinierungsstelle --data-dir "$DATA_DIR" "${DB_ARGS[@]}" >"$TMP/user-add.txt" 2>&1
}
if ! user_add kim kim@kdn.de; then
    # A database used before already has kim: another account of the same role.
    USERNAME="soak-$(date +%s)"
    user_add "$USERNAME" "$USERNAME@kdn.de" || { cat "$TMP/user-add.txt" >&2; die "ozg user add failed"; }
fi
TOKEN="$(grep -o '/einladung/[A-Za-z0-9_-]*' "$TMP/user-add.txt" | head -n1 | sed 's#/einladung/##')"
[ -n "$TOKEN" ] || { cat "$TMP/user-add.txt" >&2; die "no invitation link in the output of ozg user add"; }
info "account $USERNAME (Koordinierungsstelle), invitation token ${TOKEN:0:6}…"

section "Second start: the server that is measured"
start_ozg serve "$PORT"
PID="$SERVER_PID"
wait_health "$PORT" "$PID" 180 || { tail -n 50 "$TMP/serve.log" >&2; die "server did not become healthy"; }
info "pid $PID on $BASE"

# Before login the CSRF token is double submit: the same value as cookie and as field.
VORAB=(-H "Cookie: __Host-ozg_csrf=vorab")
code="$(curl -s -o "$TMP/einladung.html" -w '%{http_code}' --max-time 30 "${VORAB[@]}" \
    --data-urlencode "_csrf=vorab" --data-urlencode "passwort=$PW" --data-urlencode "wiederholung=$PW" \
    "$BASE/einladung/$TOKEN")"
[ "$code" = 303 ] || { head -c 2000 "$TMP/einladung.html" >&2; die "accepting the invitation answered $code, not 303"; }
code="$(curl -s -o /dev/null -D "$TMP/anmelden.headers" -w '%{http_code}' --max-time 30 "${VORAB[@]}" \
    --data-urlencode "_csrf=vorab" --data-urlencode "benutzername=$USERNAME" --data-urlencode "passwort=$PW" \
    "$BASE/anmelden")"
[ "$code" = 303 ] || die "login answered $code, not 303"
COOKIE="$(tr -d '\r' <"$TMP/anmelden.headers" | sed -n 's/^[Ss]et-[Cc]ookie: *\(__Host-ozg_sitzung=[^;]*\).*/\1/p' | head -n1)"
[ -n "$COOKIE" ] || die "no __Host-ozg_sitzung cookie after login"
info "logged in as $USERNAME"

SLUG=kinderbetreuung
EDIT="/projekte/$SLUG/bearbeiten"
# read_form FILE -> shell assignments F_CSRF, F_NAME, F_VERSION, F_STAND, F_REST (the form's
# other fields, URL-encoded, each preceded by "&")
read_form() {
    python3 - "$1" "$EDIT" <<'PY'
import html.parser, shlex, sys, urllib.parse

path, action = sys.argv[1], sys.argv[2]

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.cur, self.select, self.textarea, self.first_option = [], None, None, None, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.cur = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": []}
            self.forms.append(self.cur)
        if self.cur is None:
            return
        if tag == "input" and a.get("name") and "disabled" not in a:
            t = a.get("type", "text").lower()
            if t in ("submit", "button", "image", "reset", "file"):
                return
            if t in ("checkbox", "radio") and "checked" not in a:
                return
            self.cur["fields"].append([a["name"], a.get("value", "on" if t in ("checkbox", "radio") else "")])
        elif tag == "select" and a.get("name"):
            self.select = [a["name"], None]
            self.first_option = None
        elif tag == "option" and self.select is not None:
            v = a.get("value")
            if self.first_option is None:
                self.first_option = v
            if "selected" in a:
                self.select[1] = v
        elif tag == "textarea" and a.get("name"):
            self.textarea = [a["name"], ""]
    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
    def handle_endtag(self, tag):
        if tag == "select" and self.select is not None and self.cur is not None:
            v = self.select[1] if self.select[1] is not None else (self.first_option or "")
            self.cur["fields"].append([self.select[0], v])
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.cur is not None:
            v = self.textarea[1]
            if v.startswith("\n"):
                v = v[1:]
            self.cur["fields"].append([self.textarea[0], v])
            self.textarea = None
        elif tag == "form":
            self.cur = None

p = P()
p.feed(open(path, encoding="utf-8").read())
form = next((f for f in p.forms if f["method"] == "post" and f["action"] == action), None)
if form is None:
    sys.exit(f"no POST form with action {action}")
d = {k: v for k, v in form["fields"]}
for k in ("_csrf", "name", "version", "protokoll_stand"):
    if k not in d:
        sys.exit(f"the form has no field {k}")
rest = [(k, v) for k, v in form["fields"] if k not in ("_csrf", "name", "version", "protokoll_stand")]
enc = urllib.parse.urlencode(rest)
print("F_CSRF=" + shlex.quote(d["_csrf"]))
print("F_NAME=" + shlex.quote(d["name"]))
print("F_VERSION=" + shlex.quote(d["version"]))
print("F_STAND=" + shlex.quote(d["protokoll_stand"]))
print("F_REST=" + shlex.quote("&" + enc if enc else ""))
PY
}

section "The write, checked by hand: $EDIT"
code="$(curl -s -o "$TMP/form.html" -w '%{http_code}' --max-time 30 -H "Cookie: $COOKIE" "$BASE$EDIT")"
[ "$code" = 200 ] || die "GET $EDIT answered $code, not 200"
FORM_VARS="$(read_form "$TMP/form.html")" || die "could not read the edit form"
eval "$FORM_VARS"
info "form: version $F_VERSION, protokoll_stand $F_STAND, name \"$F_NAME\", $(printf '%s' "$F_REST" | tr -cd '&' | wc -c) other fields"
# save NAME VERSION STAND -> prints the status; the answer body in $TMP/save.html
save() {
    curl -s -o "$TMP/save.html" -w '%{http_code}' --max-time 30 -H "Cookie: $COOKIE" \
        -H "Content-Type: application/x-www-form-urlencoded" \
        --data-binary "_csrf=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$F_CSRF")&name=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1")&version=$2&protokoll_stand=$3$F_REST" \
        "$BASE$EDIT"
}
c1="$(save "$F_NAME (Soak check 1)" "$F_VERSION" "$F_STAND")"
c2="$(save "$F_NAME (Soak check 2)" "$F_VERSION" "$F_STAND")"
V2="$(sed -n 's/.*name="version" value="\([0-9]*\)".*/\1/p' "$TMP/save.html" | head -n1)"
S2="$(sed -n 's/.*name="protokoll_stand" value="\([0-9]*\)".*/\1/p' "$TMP/save.html" | head -n1)"
c3="$(save "$F_NAME (Soak check 3)" "${V2:-x}" "${S2:-0}")"
info "save on version $F_VERSION: $c1; the same again (stale): $c2 (form now on version ${V2:-?}); on that: $c3"
[ "$c1" = 303 ] && [ "$c2" = 409 ] && [ "$c3" = 303 ] ||
    die "the write does not behave as expected (want 303, 409, 303; got $c1, $c2, $c3)"

# The reads: anonymous pages and API lists, and ("@") two pages of the logged-in member.
READS=(
    /projekte
    /api/v1/umsetzungsprojekte
    "/suche?q=Kita"
    /projekte/kinderbetreuung
    /organisationen
    "/api/v1/organisationen?kreis=kreis-guetersloh"
    /api/v1/umsetzungsprojekte/kinderbetreuung
    /themenfelder
    "/api/v1/suche?q=Fuehrerschein"
    /organisationen/guetersloh
    /ozg-leistungen
    /umsetzungsplan
    /
    @/projekte/kinderbetreuung/historie
    @/konto
)
section "Reads (each must answer 200 first)"
for p in "${READS[@]}"; do
    hdr=()
    url="${p#@}"
    [ "$p" != "$url" ] && hdr=(-H "Cookie: $COOKIE")
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "${hdr[@]}" "$BASE$url")"
    [ "$code" = 200 ] || die "GET $url answers $code, not 200"
done
info "${#READS[@]} paths: ${READS[*]}"

# ---------------------------------------------------------------------------------------------
# Memory sampler: one CSV line every $SAMPLE s (phase from $TMP/phase).
echo start >"$TMP/phase"
echo "$SECONDS" >"$TMP/phase_t0"
sampler() {
    local t0=$SECONDS ph pt0 i
    echo "elapsed_s,phase,phase_elapsed_s,vmrss_kb,vmhwm_kb,threads,fds"
    while kill -0 "$PID" 2>/dev/null; do
        ph="$(cat "$TMP/phase" 2>/dev/null || echo ?)"
        pt0="$(cat "$TMP/phase_t0" 2>/dev/null || echo "$SECONDS")"
        echo "$((SECONDS - t0)),$ph,$((SECONDS - pt0)),$(proc_kb "$PID" VmRSS),$(proc_kb "$PID" VmHWM),$(proc_kb "$PID" Threads),$(proc_fds "$PID")"
        # Sleep in short steps so that stopping it takes no longer than a second.
        for i in $(seq 1 "$((SAMPLE * 4))"); do
            [ -e "$TMP/stop-sampler" ] && return 0
            sleep 0.25
        done
    done
}
phase() { echo "$1" >"$TMP/phase"; echo "$SECONDS" >"$TMP/phase_t0"; }
sampler >"$CSV" &
SAMPLER_PID=$!
PIDS+=("$SAMPLER_PID")

RSS_BEFORE="$(proc_kb "$PID" VmRSS)"
HWM_BEFORE="$(proc_kb "$PID" VmHWM)"
FDS_BEFORE="$(proc_fds "$PID")"
DB_BEFORE="$(data_kb)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

section "Mixed load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT, writes: $WRITES_TEXT"
phase load
CPU0="$(awk '{ print $14 + $15 }' "/proc/$PID/stat")"
# In the background and waited for, so that a signal to this script stops it at once.
SOAK_READS="${READS[*]}" SOAK_WRITE_EVERY="$WRITE_EVERY" SOAK_COOKIE="$COOKIE" SOAK_CSRF="$F_CSRF" \
    SOAK_PATH="$EDIT" SOAK_NAME="$F_NAME" SOAK_VERSION="${V2:-$F_VERSION}" SOAK_STAND="${S2:-$F_STAND}" SOAK_REST="$F_REST" \
    timeout $((DURATION_S + 120)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout "$TIMEOUT" --latency \
    -s "$LUA" "$BASE/" >"$TMP/wrk.txt" 2>&1 &
WRK_PID=$!
PIDS+=("$WRK_PID")
WRK_RC=0
wait "$WRK_PID" || WRK_RC=$?
CPU1="$(awk '{ print $14 + $15 }' "/proc/$PID/stat" 2>/dev/null || echo "$CPU0")"
phase after-load
grep -v '^SOAK ' "$TMP/wrk.txt" | sed 's/^/    /' >&2
[ "$WRK_RC" = 0 ] || FAIL+=("wrk exited with status $WRK_RC")
grep -q '^SOAK errors ' "$TMP/wrk.txt" || FAIL+=("wrk printed no summary of scripts/soak/mixed.lua")
soak() { awk -v k="$1" '$1 == "SOAK" && $2 == k { print $3; f = 1 } END { if (!f) print 0 }' "$TMP/wrk.txt"; }
REQ="$(soak requests)"
DUR_US="$(soak duration_us)"
RPS="$(awk -v r="$REQ" -v d="$DUR_US" 'BEGIN { if (d > 0) printf "%.0f", r / (d / 1e6); else print 0 }')"
OK="$(soak ok)"
ERRORS="$(soak errors)"
STATUS_LINES="$(awk '$1 == "SOAK" && $2 == "status" { printf "%s: %s, ", $3, $4 }' "$TMP/wrk.txt" | sed 's/, $//')"
SERVER_CPU="$(awk -v a="$CPU0" -v b="$CPU1" -v hz="$(getconf CLK_TCK)" -v s="$DURATION_S" 'BEGIN { printf "%.0f %%", 100 * (b - a) / hz / s }')"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
us_ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
info "requests $REQ ($RPS/s), ok $OK, errors $ERRORS; statuses: $STATUS_LINES"
sed -n 's/^SOAK bad_sample /  error answer: /p' "$TMP/wrk.txt" >&2
[ "$ERRORS" = 0 ] || FAIL+=("$ERRORS errors during the mixed load")
kill -0 "$PID" 2>/dev/null || FAIL+=("the server died during the mixed load")
HEALTH_AFTER_LOAD="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE/health" || true)"
[ "$HEALTH_AFTER_LOAD" = 200 ] || FAIL+=("/health answered $HEALTH_AFTER_LOAD after the load")
# Idle connections of wrk are gone now; fds should be back near the start.
sleep 2
RSS_AFTER_LOAD="$(proc_kb "$PID" VmRSS)"
HWM_AFTER_LOAD="$(proc_kb "$PID" VmHWM)"
FDS_AFTER_LOAD="$(proc_fds "$PID")"

# Memory over the load: VmRSS at minute 1 (half-time in runs under 2 minutes) and at the end;
# the trend from then on (least-squares slope, MiB per minute).
EARLY_S=60
[ "$DURATION_S" -ge 120 ] || EARLY_S=$((DURATION_S / 2))
if [ "$EARLY_S" = 60 ]; then EARLY_LABEL="minute 1"; else EARLY_LABEL="${EARLY_S} s (half-time)"; fi
MEM_LOAD="$(awk -F, '$2 == "load" { print $3, $4 }' "$CSV")"
RSS_EARLY="$(printf '%s\n' "$MEM_LOAD" | awk -v e="$EARLY_S" 'NF && $1 >= e { print $2; exit }')"
RSS_END="$(printf '%s\n' "$MEM_LOAD" | awk 'NF { v = $2 } END { print v + 0 }')"
RSS_EARLY="${RSS_EARLY:-$RSS_END}"
RSS_MAX_LOAD="$(printf '%s\n' "$MEM_LOAD" | awk 'NF && $2 > m { m = $2 } END { print m + 0 }')"
RSS_SLOPE="$(printf '%s\n' "$MEM_LOAD" | awk -v e="$EARLY_S" 'NF && $1 >= e { n++; x += $1; y += $2; xx += $1 * $1; xy += $1 * $2 }
    END { d = n * xx - x * x; if (n >= 3 && d > 0) printf "%+.2f", (n * xy - x * y) / d * 60 / 1024; else print "–" }')"
info "VmRSS at $EARLY_LABEL $(mib "$RSS_EARLY") MiB, at the end $(mib "$RSS_END") MiB (trend from $EARLY_LABEL on: $RSS_SLOPE MiB/min); VmHWM $(mib "$HWM_AFTER_LOAD") MiB"

# ---------------------------------------------------------------------------------------------
SLOW_ROWS=""
if [ "$SLOW" -gt 0 ]; then
    section "Slow clients: $SLOW connections, a byte every $SLOW_INTERVAL s, held $SLOW_HOLD s"
    phase slow
    RAMP=2
    python3 "$SLOWPY" --port "$PORT" --count "$SLOW" --hold "$SLOW_HOLD" --interval "$SLOW_INTERVAL" \
        --ramp "$RAMP" --samples "$TMP/slow-samples.csv" >"$TMP/slow.json" 2>"$TMP/slow.err" &
    SLOW_PID=$!
    PIDS+=("$SLOW_PID")
    sleep $((RAMP + 2))
    # The probes, spread over the hold (the server closes and the clients reopen every ~10 s).
    GAP="$(awk -v h="$SLOW_HOLD" -v r="$RAMP" -v n="$PROBES" 'BEGIN { g = (h - r - 6) / (n > 0 ? n : 1); if (g < 0.2) g = 0.2; printf "%.2f", g }')"
    : >"$TMP/probes.txt"
    SS_PEAK=0
    for i in $(seq 1 "$PROBES"); do
        for p in /health /projekte; do
            curl -s -o /dev/null -w "$p %{http_code} %{time_total}\n" --max-time 10 "$BASE$p" >>"$TMP/probes.txt" ||
                echo "$p 000 10" >>"$TMP/probes.txt"
        done
        n="$(ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l)"
        [ "$n" -gt "$SS_PEAK" ] && SS_PEAK="$n"
        sleep "$GAP"
    done
    wait "$SLOW_PID" || FAIL+=("the slow-client script failed: $(tail -n 3 "$TMP/slow.err")")
    phase after-slow
    sleep 2
    J() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); v = d.get(sys.argv[2]); print(json.dumps(v) if isinstance(v, dict) else ("–" if v is None else v))' "$TMP/slow.json" "$1"; }
    [ -s "$TMP/slow.json" ] || { cat "$TMP/slow.err" >&2; die "the slow-client script printed no summary"; }
    SLOW_PEAK="$(J peak_open)"
    PROBE_N="$(wc -l <"$TMP/probes.txt")"
    PROBE_OK="$(awk -v m="$PROBE_MAX" '$2 == 200 && $3 <= m' "$TMP/probes.txt" | wc -l)"
    PROBE_200="$(awk '$2 == 200' "$TMP/probes.txt" | wc -l)"
    probe_stat() { awk -v p="$1" '$1 == p { n++; s += $3; if ($3 > m) m = $3 } END { printf "max %.1f ms, mean %.1f ms", m * 1000, (n ? s / n : 0) * 1000 }' "$TMP/probes.txt"; }
    PROBE_MAX_MS="$(awk '{ if ($3 > m) m = $3 } END { printf "%.1f", m * 1000 }' "$TMP/probes.txt")"
    FDS_AFTER_SLOW="$(proc_fds "$PID")"
    HEALTH_AFTER_SLOW="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE/health" || true)"
    info "peak $SLOW_PEAK slow connections open at once (client side; server side, sampled: $SS_PEAK established)"
    info "$(J opened) opened, $(J closed_by_server) closed by the server after $(J lifetime_min_s)–$(J lifetime_max_s) s (median $(J lifetime_median_s) s), answers before closing: $(J answers_before_close), connect errors: $(J connect_errors)"
    info "probes: $PROBE_OK of $PROBE_N answered 200 within $PROBE_MAX s; /health $(probe_stat /health); /projekte $(probe_stat /projekte)"
    [ "$PROBE_OK" = "$PROBE_N" ] || FAIL+=("only $PROBE_OK of $PROBE_N probes answered 200 within $PROBE_MAX s during the slow phase")
    [ "$SLOW_PEAK" -ge $((SLOW * 95 / 100)) ] || FAIL+=("the slow clients held only $SLOW_PEAK of $SLOW connections at once (test not valid)")
    [ "$HEALTH_AFTER_SLOW" = 200 ] || FAIL+=("/health answered $HEALTH_AFTER_SLOW after the slow phase")
    SLOW_ROWS="$(
        echo "| slow connections held at once (peak, client side) | **$SLOW_PEAK** of $SLOW (server side, sampled with ss: $SS_PEAK established incl. probes) |"
        echo "| connections opened in $SLOW_HOLD s / closed by the server | $(J opened) / $(J closed_by_server) (after $(J lifetime_min_s)–$(J lifetime_max_s) s, median $(J lifetime_median_s) s; answered before closing: \`$(J answers_before_close)\`; connect errors: $(J connect_errors)) |"
        echo "| probes answered (200 within $PROBE_MAX s) | **$PROBE_OK of $PROBE_N** ($PROBE_200 with 200 at all) |"
        echo "| probe latency \`/health\` | $(probe_stat /health) |"
        echo "| probe latency \`/projekte\` | $(probe_stat /projekte) |"
        echo "| server fds before the slow phase / after it | $FDS_AFTER_LOAD / $FDS_AFTER_SLOW |"
    )"
fi

# ---------------------------------------------------------------------------------------------
section "Stop"
RSS_FINAL="$(proc_kb "$PID" VmRSS)"
HWM_FINAL="$(proc_kb "$PID" VmHWM)"
THREADS_FINAL="$(proc_kb "$PID" Threads)"
DB_AFTER="$(data_kb)"
touch "$TMP/stop-sampler"
stop_pid "$SAMPLER_PID"
ALIVE=1
kill -0 "$PID" 2>/dev/null || ALIVE=0
T_STOP=$SECONDS
stop_pid "$PID"
STOP_S=$((SECONDS - T_STOP))
[ "$ALIVE" = 1 ] || FAIL+=("the server was not running at the end")
# The log without colour codes.
LOG="$TMP/serve.plain.log"
sed 's/\x1b\[[0-9;]*m//g' "$TMP/serve.log" >"$LOG"
PANICS="$(grep -c -i 'panick' "$LOG" || true)"
LOG_ERRORS="$(grep -c -E '(^| )ERROR ' "$LOG" || true)"
LOG_WARNS="$(grep -c -E '(^| )WARN ' "$LOG" || true)"
[ "$PANICS" = 0 ] || FAIL+=("$PANICS panics in the server log")
info "server log: $(wc -l <"$LOG") lines, $PANICS panics, $LOG_ERRORS errors, $LOG_WARNS warnings; stopped in $STOP_S s"
# The distinct messages (without the timestamp), most frequent first.
LOG_EXCERPT="$(grep -i -E 'panick|(^| )ERROR |(^| )WARN ' "$LOG" | sed -E 's/^[0-9T:.Z-]+ +//' | sort | uniq -c | sort -rn | head -n 15 || true)"
cp "$LOG" "$OUT_DIR/soak-$STAMP-server.log"

# ---------------------------------------------------------------------------------------------
RESULT="passed"
[ "${#FAIL[@]}" -eq 0 ] || RESULT="FAILED"
{
    echo "# Soak $(date '+%Y-%m-%d %H:%M:%S %Z'): $RESULT"
    echo
    echo "Command: \`scripts/soak.sh${ARGS_SHOWN:+ $ARGS_SHOWN}\` (git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ', dirty tree'))," \
        "$BACKEND, release build."
    echo
    echo "Machine: nproc = $(nproc); $(lscpu | sed -n 's/^Model name: *//p' | head -n1); $(free -h | awk '/^Mem:/ { print $2 }') RAM;" \
        "load average before $LOAD_BEFORE, after the mixed load $LOAD_AFTER. Server, wrk and the clients share the cores."
    echo
    if [ "${#FAIL[@]}" -gt 0 ]; then
        echo "**Failed:**"
        echo
        printf -- '- %s\n' "${FAIL[@]}"
        echo
    fi
    echo "## Mixed load"
    echo
    echo "\`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT\` with \`scripts/soak/mixed.lua\`: writes: $WRITES_TEXT," \
        "a save of \`$EDIT\` by a logged-in Koordinierungsstelle (optimistic version: 303 saved, 409 stale), the others" \
        "in turn: $(printf '`%s` ' "${READS[@]}" | sed 's/ $//') (\`@\` = with the session cookie)."
    echo
    echo "| | |"
    echo "| --- | --- |"
    echo "| requests | $(fmt_int "$REQ") in $(awk -v d="$DUR_US" 'BEGIN { printf "%.0f", d / 1e6 }') s = **$(fmt_int "$RPS") req/s** (server CPU $SERVER_CPU of one core) |"
    echo "| reads / writes sent | $(fmt_int "$(soak reads_sent)") / $(fmt_int "$(soak writes_sent)") |"
    echo "| ok (2xx, 3xx, 409) | $(fmt_int "$OK") |"
    echo "| **errors** | **$ERRORS** (other statuses $(soak bad_status); redirects to the login $(soak login_redirects); socket: connect $(soak err_connect), read $(soak err_read), write $(soak err_write), timeout $(soak err_timeout)) |"
    echo "| by status | $STATUS_LINES |"
    echo "| writes: saved (303) / stale (409) | $(awk '$1 == "SOAK" && $2 == "status" && $3 == 303 { print $4 }' "$TMP/wrk.txt" | grep . || echo 0) / $(awk '$1 == "SOAK" && $2 == "status" && $3 == 409 { print $4 }' "$TMP/wrk.txt" | grep . || echo 0) |"
    echo "| latency p50 / p90 / p99 / p99.9 / max | $(us_ms "$(soak latency_p50_us)") / $(us_ms "$(soak latency_p90_us)") / $(us_ms "$(soak latency_p99_us)") / $(us_ms "$(soak latency_p99.9_us)") / $(us_ms "$(soak latency_max_us)") ms |"
    echo "| stored data before / after (data directory${PG_URL:+ and database}) | $(mib "$DB_BEFORE") MiB / $(mib "$DB_AFTER") MiB |"
    echo
    if grep -q '^SOAK bad_sample ' "$TMP/wrk.txt"; then
        echo "First answers counted as errors (status and page title or start of the body; up to 5 per wrk thread):"
        echo
        sed -n 's/^SOAK bad_sample /- /p' "$TMP/wrk.txt"
        echo
    fi
    echo "## Server memory"
    echo
    echo "| | |"
    echo "| --- | --- |"
    echo "| VmHWM after the first start (import, separate process) | $(mib "$IMPORT_HWM") MiB (healthy after $IMPORT_S s) |"
    echo "| VmRSS / VmHWM before the load | $(mib "$RSS_BEFORE") / $(mib "$HWM_BEFORE") MiB |"
    echo "| VmRSS at $EARLY_LABEL of the load | **$(mib "$RSS_EARLY") MiB** |"
    echo "| VmRSS at the end of the load | **$(mib "$RSS_END") MiB** (highest sample $(mib "$RSS_MAX_LOAD") MiB; trend from $EARLY_LABEL on: $RSS_SLOPE MiB/min) |"
    echo "| VmRSS after the load / after everything | $(mib "$RSS_AFTER_LOAD") / $(mib "$RSS_FINAL") MiB |"
    echo "| **peak (VmHWM) of the serving process** | **$(mib "$HWM_FINAL") MiB** (after the mixed load: $(mib "$HWM_AFTER_LOAD") MiB) |"
    echo "| threads at the end; open fds before / after the load | $THREADS_FINAL; $FDS_BEFORE / $FDS_AFTER_LOAD |"
    echo
    echo "Samples every $SAMPLE s: \`$(basename "$CSV")\`."
    echo
    if [ -n "$SLOW_ROWS" ]; then
        echo "## Slow clients"
        echo
        echo "$SLOW connections (\`scripts/soak/slow-clients.py\`), each sending a partial request head one byte every $SLOW_INTERVAL s," \
            "reopened when the server closes it, held $SLOW_HOLD s; meanwhile $PROBES × \`/health\` and \`/projekte\` with curl."
        echo
        echo "| | |"
        echo "| --- | --- |"
        echo "$SLOW_ROWS"
        echo
    fi
    echo "## Server log"
    echo
    echo "$(wc -l <"$LOG") lines: $PANICS panics, $LOG_ERRORS errors, $LOG_WARNS warnings; graceful stop in $STOP_S s" \
        "(\`$(basename "$OUT_DIR")/soak-$STAMP-server.log\`)."
    if [ -n "$LOG_EXCERPT" ]; then
        echo
        echo '```'
        printf '%s\n' "$LOG_EXCERPT" | cut -c1-300
        echo '```'
    fi
} >"$OUT"

section "Result ($((SECONDS - START)) s) -> $OUT"
cat "$OUT"
[ "$RESULT" = passed ]
