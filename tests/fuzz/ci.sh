#!/usr/bin/env bash
# ci.sh — the fuzz step of CI: builds the libFuzzer targets with clang in
# build-fuzz-ci (or $QUARRY_FUZZ_BUILD) and runs each for 20 seconds (or
# $1), two at a time, from the seed corpora only (a fresh work directory,
# so the result does not depend on earlier runs). Fails if a target
# crashes, leaks, trips a sanitizer or an invariant, or does not run.
#   tests/fuzz/ci.sh [SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
export QUARRY_FUZZ_BUILD=${QUARRY_FUZZ_BUILD:-$src/build-fuzz-ci}
rm -rf "$QUARRY_FUZZ_BUILD/fuzz-work" "$QUARRY_FUZZ_BUILD/fuzz-artifacts" \
       "$QUARRY_FUZZ_BUILD/fuzz-logs"
status=0
"$here/run.sh" "${1:-20}" || status=$?
if [ "$status" -ne 0 ]; then
    for log in "$QUARRY_FUZZ_BUILD"/fuzz-logs/*.log; do
        if grep -q -e '^==[0-9]*==ERROR' -e 'runtime error:' -e 'fuzz invariant broken' \
                   -e '^SUMMARY: ' "$log"; then
            echo "=== $log" >&2
            grep -A 40 -m 1 -e '^==[0-9]*==ERROR' -e 'runtime error:' \
                 -e 'fuzz invariant broken' "$log" >&2 || true
        fi
    done
fi
exit "$status"
