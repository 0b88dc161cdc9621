#!/usr/bin/env bash
# Builds the operator console into dist/, which the server module's build copies into the jar (console/ there).
# The server's Maven build runs it (generate-resources); it installs the toolchain pinned in package-lock.json
# with `npm ci` when node_modules is missing or older than the lock file. Node is needed here only, never at run time.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
  echo "console/build.sh: the operator console is built with npm (Node.js 20.19 or newer), which is not on PATH." >&2
  echo "Install Node.js and npm (Debian: apt-get install nodejs npm), then build again." >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
npm run --silent build
