#!/usr/bin/env bash
# Installs everything (system packages included) and runs the whole test suite.
# Tests start their own Xvfb and window manager; no display is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
# A private session bus so Qt and the tests never touch (or leave behind) the user's.
exec dbus-run-session -- .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
