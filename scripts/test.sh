#!/usr/bin/env bash
# The one command that runs every check and test of OZG-Plattform, on a developer machine or
# on a fresh Debian machine in CI (`.ci/run` calls it, as root, on a fresh clone).
#
#   scripts/test.sh                 install what is missing, start a throwaway PostgreSQL
#                                   cluster, then: cargo fmt --check, clippy -D warnings,
#                                   the whole test suite (nextest) and the doc tests
#   scripts/test.sh --setup-only    only the setup; checks the database connection and prints
#                                   the exported variables (the cluster is removed on exit)
#   scripts/test.sh --run CMD ...   the setup, then CMD in that environment, e.g.
#                                   scripts/test.sh --run cargo nextest run -p ozg --test integration e2e::
#
# What the setup provides (each step is skipped when already done):
#   - Debian packages chromium, chromium-driver, postgresql, poppler-utils, python3-aiosmtpd
#     (the SMTP server the e-mail tests send through), nginx (the reverse proxy in front of two
#     instances), libxmlsec1-dev, libxml2-dev, libclang-dev (ozg-saml: samael's xmlsec binding,
#     built with bindgen), xmlsec1 and python3-venv (the pysaml2 test IdP), clamav (the virus
#     scan of uploads, with a signature the test writes; no download) (apt-get; as root, or
#     through sudo; no system service is started)
#   - schemathesis from PyPI into a virtualenv under target/tools (scripts/api-fuzz.sh)
#   - pysaml2 from PyPI into a virtualenv under target/tools (the test IdP tests/idp/idp.py)
#   - axe-core from the npm registry (root package.json/package-lock.json, `npm ci`, into the
#     gitignored node_modules/)
#   - a PostgreSQL cluster in a temp directory, run as the unprivileged `postgres` user when
#     we are root, unless OZG_TEST_DATABASE_URL is already set; stopped and removed on exit
#
# Exported for the tests: OZG_TEST_DATABASE_URL, CHROMIUM, CHROMEDRIVER, AXE_CORE_JS, NGINX,
# OZG_IDP_PYTHON (the venv's python with pysaml2), OZG_IDP_SKRIPT (tests/idp/idp.py), CLAMSCAN,
# OZG_E2E=1.
# Exit status: 0 only if every step passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE=all
RUN_CMD=()
case "${1:-}" in
    "") ;;
    --setup-only) MODE=setup ;;
    --run)
        shift
        [ "$#" -gt 0 ] || { echo "usage: $0 --run COMMAND [ARGS...]" >&2; exit 2; }
        MODE=run
        RUN_CMD=("$@")
        ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see $0 --help)" >&2; exit 2 ;;
esac

APT_PACKAGES=(chromium chromium-driver postgresql poppler-utils pkg-config libssl-dev python3-aiosmtpd nginx
    libxmlsec1-dev libxml2-dev libclang-dev xmlsec1 python3-venv clamav)
PG_PORT_FIRST=55432

section() { printf '\n========== %s ==========\n' "$*"; }
info() { printf '  %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as root: directly when we are root, else through sudo if it exists.
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root for: $* (run as root or install sudo)"
    fi
}

# Cargo installed by rustup lives in ~/.cargo/bin, which a non-login root shell may lack.
if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

# ---------------------------------------------------------------------------------------------
install_debian_packages() {
    section "System packages"
    if ! command -v dpkg-query >/dev/null 2>&1; then
        info "not a Debian system: install ${APT_PACKAGES[*]} (or equivalents) yourself"
        return
    fi
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        info "already installed: ${APT_PACKAGES[*]}"
    else
        info "installing: ${missing[*]}"
        # Keep packages (nginx) from starting system services: the tests start their own.
        # (Removed again on exit, also when apt-get fails; one already there stays.)
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
            POLICY_RC_D_ADDED=1
        fi
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
        remove_policy_rc_d
    fi
}

find_tools() {
    export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
    export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
    [ -x "$CHROMIUM" ] || die "Chromium not found at $CHROMIUM"
    [ -x "$CHROMEDRIVER" ] || die "ChromeDriver not found at $CHROMEDRIVER"
    info "$("$CHROMIUM" --version 2>/dev/null || echo "chromium: version unknown")"
    info "$("$CHROMEDRIVER" --version 2>/dev/null | head -n1)"
    command -v pdftotext >/dev/null 2>&1 || die "pdftotext (poppler-utils) not found"
    export NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
    [ -x "$NGINX" ] || die "nginx not found at $NGINX"
    info "$("$NGINX" -v 2>&1)"
    info "$(pdftotext -v 2>&1 | head -n1)"
    if cargo nextest --version >/dev/null 2>&1; then
        HAVE_NEXTEST=1
        info "$(cargo nextest --version | head -n1)"
    else
        HAVE_NEXTEST=0
        info "cargo-nextest not found: falling back to cargo test"
    fi
}

install_axe_core() {
    section "axe-core (npm)"
    if [ -n "${AXE_CORE_JS:-}" ]; then
        [ -f "$AXE_CORE_JS" ] || die "AXE_CORE_JS=$AXE_CORE_JS does not exist"
        info "using AXE_CORE_JS=$AXE_CORE_JS"
        return
    fi
    command -v npm >/dev/null 2>&1 || die "npm not found (needed for axe-core)"
    local want have=""
    want="$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' package.json | head -n1)"
    if [ -f node_modules/axe-core/package.json ]; then
        have="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' node_modules/axe-core/package.json | head -n1)"
    fi
    if [ -n "$want" ] && [ "$have" = "$want" ] && [ -f node_modules/axe-core/axe.min.js ]; then
        info "axe-core $have already installed"
    else
        npm ci --no-audit --no-fund --ignore-scripts
    fi
    export AXE_CORE_JS="$ROOT/node_modules/axe-core/axe.min.js"
    [ -f "$AXE_CORE_JS" ] || die "axe-core install did not produce $AXE_CORE_JS"
    info "AXE_CORE_JS=$AXE_CORE_JS"
}

# The test IdP (tests/idp/idp.py, used by ozg-saml's tests and the browser tests) runs on
# pysaml2, installed like schemathesis into a virtualenv under target/tools when missing.
PYSAML2_VERSION=7.5.5
install_pysaml2() {
    section "pysaml2 (PyPI, test IdP)"
    local venv="$ROOT/target/tools/pysaml2-$PYSAML2_VERSION"
    if ! "$venv/bin/python" -c 'import saml2' >/dev/null 2>&1; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "pysaml2==$PYSAML2_VERSION"
    fi
    export OZG_IDP_PYTHON="$venv/bin/python"
    export OZG_IDP_SKRIPT="$ROOT/tests/idp/idp.py"
    info "$("$OZG_IDP_PYTHON" -c 'from importlib.metadata import version; print("pysaml2", version("pysaml2"))')"
    info "OZG_IDP_PYTHON=$OZG_IDP_PYTHON"
}

# ---------------------------------------------------------------------------------------------
# Throwaway PostgreSQL cluster. PostgreSQL refuses to run as root, so as root every pg_* tool
# runs as the `postgres` system user (created by the Debian package).
PG_TMP=""
PG_DATA=""
PG_AS=()

pg_run() { (cd "$PG_TMP" && "${PG_AS[@]}" "$@"); }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_postgres() {
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$PG_TMP" ]; then
        rm -rf "$PG_TMP"
    fi
}

start_postgres() {
    section "PostgreSQL"
    if [ -n "${OZG_TEST_DATABASE_URL:-}" ]; then
        info "using the given OZG_TEST_DATABASE_URL"
        return
    fi
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin"

    if is_root; then
        id postgres >/dev/null 2>&1 || die "the postgres system user does not exist"
        PG_AS=(runuser -u postgres --)
        PG_TMP="$(mktemp -d /tmp/ozg-test-pg.XXXXXX)"
        chown postgres:postgres "$PG_TMP"
    else
        PG_AS=()
        PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/ozg-test-pg.XXXXXX")"
    fi
    chmod 700 "$PG_TMP"
    PG_DATA="$PG_TMP/data"

    local user=ozg_test password port tries=0
    password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"

    pg_run sh -c "umask 077 && printf '%s\n' '$password' > '$PG_TMP/pwfile'"
    pg_run "$PG_BIN/initdb" -D "$PG_DATA" -U "$user" --pwfile="$PG_TMP/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1 ||
        { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
    # A port can look free and still be taken by the time postgres binds it (another run, another
    # tool): try the next ports before giving up.
    port=$PG_PORT_FIRST
    while :; do
        while port_in_use "$port"; do port=$((port + 1)); done
        if pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/server.log" -w -t 60 \
            -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 20 ]; then
            cat "$PG_TMP/server.log" >&2 || true
            die "PostgreSQL did not start"
        fi
        info "port $port not usable, trying the next one"
        port=$((port + 1))
    done

    # The bootstrap user is a superuser: it may CREATE DATABASE (one database per test).
    export OZG_TEST_DATABASE_URL="postgres://$user:$password@127.0.0.1:$port/postgres"
    info "$("$PG_BIN/postgres" --version), port $port, data in $PG_DATA"
    if command -v psql >/dev/null 2>&1; then
        info "connected as: $(psql "$OZG_TEST_DATABASE_URL" -Atqc \
            "select current_user || ' (superuser=' || usesuper || ')' from pg_user where usename = current_user")"
    fi
}

# ---------------------------------------------------------------------------------------------
POLICY_RC_D_ADDED=0
remove_policy_rc_d() {
    if [ "$POLICY_RC_D_ADDED" = 1 ]; then
        as_root rm -f /usr/sbin/policy-rc.d
        POLICY_RC_D_ADDED=0
    fi
}
trap 'remove_policy_rc_d; stop_postgres' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

START=$SECONDS
install_debian_packages
section "Tools"
find_tools
install_axe_core
install_pysaml2
CLAMSCAN="$(command -v clamscan || true)"
[ -n "$CLAMSCAN" ] || die "clamscan not found (Debian package clamav)"
export CLAMSCAN
info "CLAMSCAN=$CLAMSCAN"
start_postgres
export OZG_E2E=1
# The PostgreSQL variants of the HTTP tests must run, not skip.
export OZG_REQUIRE_POSTGRES=1
# The e-mail tests send through a real SMTP server (Debian's aiosmtpd), and must not skip.
export OZG_REQUIRE_SMTP=1

if [ "$MODE" = setup ]; then
    section "Environment (valid until this script exits)"
    for var in OZG_TEST_DATABASE_URL CHROMIUM CHROMEDRIVER AXE_CORE_JS OZG_IDP_PYTHON OZG_IDP_SKRIPT CLAMSCAN OZG_E2E; do
        printf '  export %s=%q\n' "$var" "${!var}"
    done
    exit 0
fi
if [ "$MODE" = run ]; then
    section "Run: ${RUN_CMD[*]}"
    status=0
    "${RUN_CMD[@]}" || status=$?
    exit "$status"
fi

RESULTS=()
FAILED=0
step() {
    local name="$1" t0=$SECONDS
    shift
    section "$name"
    if "$@"; then
        RESULTS+=("ok      $name ($((SECONDS - t0)) s)")
    else
        RESULTS+=("FAILED  $name ($((SECONDS - t0)) s)")
        FAILED=1
    fi
}

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
if [ "$HAVE_NEXTEST" = 1 ]; then
    step "tests (cargo nextest)" cargo nextest run --workspace --locked --no-fail-fast
    # nextest does not run doc tests.
    step "doc tests" cargo test --workspace --locked --doc
else
    step "tests (cargo test)" cargo test --workspace --locked --no-fail-fast
fi

step "API fuzzing (schemathesis, SQLite and PostgreSQL)" scripts/api-fuzz.sh

section "Summary ($((SECONDS - START)) s)"
printf '  %s\n' "${RESULTS[@]}"
if [ "$FAILED" -ne 0 ]; then
    echo "FAILED"
    exit 1
fi
echo "all passed"
