#!/usr/bin/env bash
# Runs the ingest and query CLI tests with both tools under valgrind's
# memcheck: any memory error or leak of ours makes the tool exit 99, which
# no test accepts. Usage: tests/valgrind/run.sh [BUILD_DIR] (default build).
set -euo pipefail
export LC_ALL=C
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
command -v valgrind >/dev/null || { echo "valgrind/run.sh: needs valgrind" >&2; exit 2; }
wrap=$(mktemp -d "${TMPDIR:-/tmp}/quarry-valgrind.XXXXXX")
trap 'rm -rf "$wrap"' EXIT

for tool in quarry-index quarry-query; do
    cat > "$wrap/$tool" <<EOS
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect \\
    "$build/bin/$tool" "\$@"
EOS
    chmod +x "$wrap/$tool"
done

export QUARRY_INDEX="$wrap/quarry-index" QUARRY_QUERY="$wrap/quarry-query"
export QUARRY_SOURCE_DIR="$repo" QUARRY_TEST_LIB="$repo/tests/cli/lib.sh"
# the sandboxed readers' child runs natively (not under valgrind)
export QUARRY_EXTRACT="$build/bin/quarry-extract"
passed=0 failed=0
for t in pdf documents index_corpus incremental nightly formats query_output query_syntax batch_eval \
         ranking; do
    if bash "$repo/tests/cli/$t.sh" > "$wrap/$t.log" 2>&1; then
        echo "valgrind: $t: ok"
        passed=$((passed + 1))
    else
        echo "valgrind: $t: FAILED"; tail -n 30 "$wrap/$t.log"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
