#!/usr/bin/env bash
# Installs what TimeForged needs (system packages included) and starts it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/timeforged "$@"
