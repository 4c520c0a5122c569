#!/usr/bin/env bash
# Time `npm run setup` from nothing and again, in a fresh clone with empty caches:
# a fresh npm ci, a fresh Go module and build cache, and an empty binary cache.
# Debian packages already installed on this machine are not removed (apt would
# download them again); the script says whether they were present.
#
#   bash bench/setup-time.sh [WORKDIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/bench-setup-XXXXXX)}
git clone -q "$repo" "$work/clone"
export MCP_HARNESS_CACHE="$work/cache" GOCACHE="$work/gocache" GOMODCACHE="$work/gomodcache"
cd "$work/clone"
t0=$(date +%s)
npm run setup
t1=$(date +%s)
npm run setup
t2=$(date +%s)
echo
echo "fresh setup: $((t1 - t0))s; repeat: $((t2 - t1))s (clone in $work/clone; caches in $work)"
du -sh "$MCP_HARNESS_CACHE/bin" "$GOCACHE" "$GOMODCACHE" 2>/dev/null || true
