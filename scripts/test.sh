#!/usr/bin/env bash
# Installs everything (system packages included) and runs the whole test suite.
# Tests start their own Xvfb and window manager; no display is needed.
# With arguments (`-k watchers`, a path), one pytest runs them. Without, the suite runs as two
# pytest processes at once, most of whose tests wait on processes, sockets and X servers: the
# services' (server, local API, bundle, ActivityWatch's server: all that builds the WakaTime
# CLI's, ActivityWatch's and the bundle's caches) and the desktop's (Qt, X11, Wayland, the
# engine, whole-app runs).
# Each has its own private session bus (Qt and the tests never touch, nor leave behind, the
# user's), X server and temporary folder; the services' output follows the desktop's.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
pytest=(dbus-run-session -- .venv/bin/python -m pytest -q -p no:cacheprovider)
if (($#)); then
  exec "${pytest[@]}" "$@"
fi
services=(tests/server tests/api tests/packaging tests/test_activitywatch_server.py)
ignore=()
for path in "${services[@]}"; do ignore+=(--ignore "$path"); done
base=$(mktemp -d)
"${pytest[@]}" --basetemp "$base/services" "${services[@]}" > "$base/services.log" 2>&1 &
pid=$!
# (on an interrupted run, the services' pytest too; its own children end with its bus)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$base"' EXIT
echo "== desktop tests (the services' tests run beside them; their output follows)"
status=0
"${pytest[@]}" --basetemp "$base/desktop" tests "${ignore[@]}" || status=$?
wait "$pid" || status=$?
echo "== services tests"
cat "$base/services.log"
exit "$status"
