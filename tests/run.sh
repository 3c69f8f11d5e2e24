#!/usr/bin/env bash
# Sets up everything the test suite needs, then runs it:
#   a Python virtualenv with the project and its test extras, the Node test
#   tools (official Adaptive Cards engine and parser, Agents Playground),
#   Debian's Chromium for the end-to-end tests, and a running PostgreSQL;
#   then ruff (unused names, sorted imports, format) and the suite, once on each
#   Bot Framework edge (BOT_SDK=agents, then BOT_SDK=botbuilder); with
#   BOT_SDK set, on that edge alone.
# Arguments go to pytest, e.g. `bash tests/run.sh -k roster -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

say "Python environment (.venv)"
if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

say "Node test tools (tests/node)"
if command -v npm >/dev/null; then
    (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
else
    echo "npm not found: the card oracle and end-to-end tests will be skipped (or fail under CI)"
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

say "Chromium for the end-to-end tests"
if ! command -v chromium >/dev/null; then
    as_root sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null' \
        || echo "could not install chromium: the end-to-end tests will be skipped (or fail under CI)"
fi

say "PostgreSQL"
if command -v pg_isready >/dev/null && ! pg_isready -q; then
    # No local cluster (a client only, or a server elsewhere) must not end the
    # script here under pipefail: the message below and the tests report it.
    cluster=$(ls /etc/postgresql 2>/dev/null | head -n 1 || true)
    if [ -n "$cluster" ]; then
        as_root pg_ctlcluster --skip-systemctl-redirect "$cluster" main start || true
        for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
    fi
fi
pg_isready || echo "PostgreSQL is not running: its half of the suite will be skipped (or fail under CI)"

say "Lint (ruff: unused names, sorted imports, format; pyproject.toml)"
.venv/bin/ruff check bot storage cards tests
.venv/bin/ruff format --check bot storage cards tests

if [ -n "${BOT_SDK:-}" ]; then
    say "Test suite (BOT_SDK=$BOT_SDK)"
    exec .venv/bin/python -m pytest "$@"
fi
failed=0
for sdk in agents botbuilder; do
    say "Test suite on the $sdk edge (BOT_SDK=$sdk)"
    BOT_SDK=$sdk .venv/bin/python -m pytest "$@" || failed=1
done
exit "$failed"
