#!/usr/bin/env bash
# Runs the whole product locally: Azurite, the durable workflow, the HTTP API, the pages and a local mailbox,
# with the sample organizations (the local host's default on the Azurite it starts; --seed none starts empty).
# Extra arguments go to the local host (e.g. --urls http://127.0.0.1:5080).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x node_modules/.bin/azurite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

exec dotnet run --project src/ServerlessProvisioning.DevServer -- "$@"
