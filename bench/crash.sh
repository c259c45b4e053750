#!/usr/bin/env bash
# The long crash run: tests/cli/crash.sh with many trials over a larger
# generated corpus (kill -9 at random points of fresh, forced incremental
# and --rebuild runs; after each: --check passes, a rerun completes, and
# the index answers the fixed queries exactly as a clean build).
# Usage: bench/crash.sh [TRIALS] [FILES]   (default 120 trials, 1500 files)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${QUARRY_BUILD:-$repo/build}
if [ ! -x "$build/bin/quarry-index" ]; then
    cmake -S "$repo" -B "$build" >/dev/null
    cmake --build "$build" -j2 --target quarry-index quarry-query >/dev/null
fi
export CRASH_TRIALS=${1:-120} CRASH_FILES=${2:-1500}
export QUARRY_INDEX="$build/bin/quarry-index" QUARRY_QUERY="$build/bin/quarry-query"
export QUARRY_SOURCE_DIR="$repo" QUARRY_TEST_LIB="$repo/tests/cli/lib.sh"
exec bash "$repo/tests/cli/crash.sh"
