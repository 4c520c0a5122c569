#!/usr/bin/env bash
# npm run setup: the one command that installs everything the harness needs.
# Bash only for the part that must run before node_modules exists (npm ci, which also
# brings the pinned Node 24 runtime); the rest is scripts/setup.ts under that Node.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s.%N)
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
stamp=node_modules/.setup-lock-hash
if [[ -f $stamp && "$(cat "$stamp")" == "$lock_hash" && -x node_modules/.bin/node ]]; then
  printf '[setup] %-44s skipped (node_modules matches package-lock.json)\n' "npm dependencies (npm ci)"
else
  printf '[setup] %-44s running\n' "npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
  printf '[setup] %-44s done in %.1fs\n' "npm dependencies (npm ci)" "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{print e-s}')"
fi

exec node_modules/.bin/node node_modules/.bin/tsx scripts/setup.ts "$@"
