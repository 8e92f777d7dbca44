#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need (Azurite from npm, Chromium from apt),
# then runs every test project. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x node_modules/.bin/azurite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests (apt)…"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test ServerlessProvisioning.sln --configuration Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?

# The projects' summaries and every failure again at the end, where a reader of the last lines looks.
echo
echo "Summary:"
grep -E "^(Total tests|     Passed|     Failed|Test Run (Successful|Failed))" "$log" || true
if [ "$status" -ne 0 ]; then
  echo
  echo "Failures:"
  grep -E -A6 "^  Failed [A-Za-z]|error [A-Z]+[0-9]+:" "$log" | cut -c1-400 || true
fi
exit "$status"
