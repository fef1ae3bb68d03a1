#!/usr/bin/env bash
# Wrapper: see scripts/kita-compare.py
set -euo pipefail
exec python3 "$(dirname "$0")/kita-compare.py" "$@"
