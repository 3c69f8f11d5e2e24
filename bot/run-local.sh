#!/usr/bin/env bash
# The bot on your own machine, talked to through the Microsoft 365 Agents Playground
# (a local Teams look-alike): no Azure, no tenant, no tunnel.
#
#   bash bot/run-local.sh [--as statsforvalter|representative|deputy] [--no-browser]
#
# Needs Python 3.11+ and Node.js 20+. Sets up .venv and tests/node/node_modules,
# starts the bot in the background (SQLite under data/, the example roster) and the
# Playground in the foreground. Ctrl-C stops both.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROLE=statsforvalter
OPEN_BROWSER=1
while [ $# -gt 0 ]; do
  case "$1" in
    --as) ROLE="${2:?--as needs statsforvalter, representative or deputy}"; shift 2 ;;
    --as=*) ROLE="${1#--as=}"; shift ;;
    --no-browser) OPEN_BROWSER=0; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-local: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'run-local: %s\n' "$*" >&2; exit 1; }

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || die "Python 3.11+ is needed ($PYTHON not found; set PYTHON=/path/to/python3.11)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "Python 3.11+ is needed, $PYTHON is $("$PYTHON" -V 2>&1)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  die "Node.js 20+ with npm is needed for the Playground"
fi

# --- Python side -------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "Creating .venv"
  "$PYTHON" -m venv .venv
fi
# Reinstall only when the project's dependencies may have changed.
STAMP=.venv/.run-local-installed
mkdir -p data
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  say "Installing the bot into .venv (pip install -e .; log: data/pip.log)"
  if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e .; } >data/pip.log 2>&1; then
    tail -n 30 data/pip.log >&2
    die "pip install failed; the whole log is data/pip.log"
  fi
  touch "$STAMP"
fi

# --- Node side (the Playground) ----------------------------------------------
PLAYGROUND=tests/node/node_modules/.bin/agentsplayground
if [ ! -x "$PLAYGROUND" ] || [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
  say "Installing the Agents Playground (npm ci in tests/node)"
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- Config --------------------------------------------------------------------
export FORUM_CONFIG="${FORUM_CONFIG:-bot/forum_example.yaml}"
say "Writing .m365agentsplayground.yml from $FORUM_CONFIG (signed in as: $ROLE)"
.venv/bin/python -m bot.teams_app.playground --roster "$FORUM_CONFIG" --out .m365agentsplayground.yml --as "$ROLE"

# --- Bot -------------------------------------------------------------------------
export PORT="${PORT:-3978}"
BOT_LOG=data/bot.log
if .venv/bin/python -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', int(sys.argv[1]))) != 0)" "$PORT"; then
  die "port $PORT is taken (another bot still running?); free it or run with PORT=<other port>"
fi
say "Starting the bot on port $PORT (log: $BOT_LOG)"
# The Playground signs nothing, so the bot must run unauthenticated whatever the shell exports.
MICROSOFT_APP_ID="" MICROSOFT_APP_PASSWORD="" .venv/bin/python -m bot >"$BOT_LOG" 2>&1 &
BOT_PID=$!

stop_bot() {
  if kill -0 "$BOT_PID" 2>/dev/null; then
    echo
    say "Stopping the bot"
    kill "$BOT_PID" 2>/dev/null || true
    wait "$BOT_PID" 2>/dev/null || true
  fi
}
trap stop_bot EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 150); do
  if ! kill -0 "$BOT_PID" 2>/dev/null; then
    tail -n 30 "$BOT_LOG" >&2
    die "the bot stopped while starting; its log is above ($BOT_LOG)"
  fi
  if .venv/bin/python -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" \
      "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
kill -0 "$BOT_PID" 2>/dev/null || die "the bot is not running (see $BOT_LOG)"

# --- Playground (foreground) -----------------------------------------------------
# It opens a browser by itself; without a screen that can only fail, so don't ask it to.
if [ "$OPEN_BROWSER" = 0 ] || { [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; }; then
  export TEAMSAPPTESTER_BROWSER=none
fi
# Both switches are needed to keep it from sending telemetry out.
export APPLICATION_INSIGHTS_NO_STATSBEAT=1
export M365_AGENTS_PLAYGROUND_CONFIG_PATH="$ROOT/.m365agentsplayground.yml"
export M365_AGENTS_PLAYGROUND_LOGFILE="$ROOT/data/playground.log"
say "Starting the Agents Playground. Ctrl-C stops both."
echo "    Open http://localhost:N in a browser, N being the port after 'Listening on' below"
echo "    (${PLAYGROUND_PORT:-56150} unless that one is taken). Type 'hjelp' in the personal chat."
echo "    Bot log: $BOT_LOG"
"$PLAYGROUND" -e "http://127.0.0.1:$PORT/api/messages" -c msteams -p "${PLAYGROUND_PORT:-56150}" --disable-telemetry
