#!/usr/bin/env bash
# Builds and runs the server's container images for real with podman: server/deploy/Dockerfile
# on SQLite in a volume, then server/deploy/compose.yaml (server + PostgreSQL) with
# podman-compose (tests/server/test_container.py, also part of scripts/test.sh). Images are
# cached by content hash in ~/.cache/timeforged-container; --fresh builds everything (a Debian
# base by mmdebstrap, wheels from PyPI) in a temporary store and deletes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
if [ "${1:-}" = "--fresh" ]; then
  shift
  store=$(mktemp -d /var/tmp/timeforged-container.XXXXXX)
  export TIMEFORGED_CONTAINER_CACHE="$store"
  trap '.venv/bin/python -m tests.server.podman remove' EXIT
fi
.venv/bin/python -m pytest -q -p no:cacheprovider -rs --durations=3 \
  tests/server/test_container.py "$@"
