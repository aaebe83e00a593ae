#!/usr/bin/env bash
# Install AlphaLab with its test dependencies (pinned by constraints.txt) and run the whole suite:
# ruff and mypy run inside pytest (tests/test_quality.py), slow tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIRTUAL_ENV:-}" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
# Headless Chromium for the report-rendering test (Debian package; needs root and the Debian mirror).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || echo "warning: could not install chromium; the browser test will fail" >&2
fi
# A real PostgreSQL server on loopback for the ledger tests (SQLite is tested too).
if [ -z "${ALPHALAB_TEST_PG_URL:-}" ]; then
  if pg_url=$(bash scripts/start_postgres.sh); then
    export ALPHALAB_TEST_PG_URL="$pg_url"
  else
    echo "warning: could not start PostgreSQL; the PostgreSQL ledger tests will fail" >&2
  fi
fi
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$PWD/.numba_cache}"
exec python -m pytest -n 2 --dist loadgroup "$@"
