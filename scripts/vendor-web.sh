#!/usr/bin/env bash
# Vendors the dashboard's charting library from npm into the package (server/dashboard/static),
# with its licence: run by a developer when upgrading it, never at install time (the files are
# committed; installing the server needs no Node).
#   scripts/vendor-web.sh            # uPlot at the version below
set -euo pipefail
VERSION="${UPLOT_VERSION:-1.6.32}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/server/dashboard/static/uplot"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "uplot@$VERSION" > name.txt
tar xzf "$(cat name.txt)"
mkdir -p "$OUT"
cp package/dist/uPlot.iife.min.js package/dist/uPlot.min.css package/LICENSE "$OUT/"
{
  echo "uPlot $VERSION from the npm registry (npm pack uplot@$VERSION), MIT licence: LICENSE."
  echo "Vendored by scripts/vendor-web.sh; sha256 of the files:"
  (cd "$OUT" && sha256sum uPlot.iife.min.js uPlot.min.css LICENSE)
} > "$OUT/VENDORED.txt"
echo "vendored uPlot $VERSION into $OUT"
