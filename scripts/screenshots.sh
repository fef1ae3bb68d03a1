#!/usr/bin/env bash
# Regenerates the screenshots at 375 px (a phone) in docs/screenshots: the start page, the
# project list, a project page and the plan page (start-375.png, projekte-375.png,
# projekt-375.png, umsetzungsplan-375.png), full page up to 4000 px high.
#
#   scripts/screenshots.sh            into docs/screenshots
#   scripts/screenshots.sh DIR        into DIR
#
# Runs the browser test e2e_ux::screenshots_375 through scripts/test.sh (which installs and
# starts Chromium, ChromeDriver and the rest); without OZG_SCREENSHOTS_DIR that test writes
# into a temp dir only, so CI never writes into the repository.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/docs/screenshots}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

if cargo nextest --version >/dev/null 2>&1; then
    RUN=(cargo nextest run -p ozg --test integration --no-capture e2e_ux::screenshots_375)
else
    RUN=(cargo test -p ozg --test integration e2e_ux::screenshots_375 -- --exact --nocapture)
fi
exec "$ROOT/scripts/test.sh" --run env OZG_SCREENSHOTS_DIR="$DIR" "${RUN[@]}"
