#!/usr/bin/env bash
# run.sh [SECONDS] [TARGET...] — builds Quarry's libFuzzer targets with clang
# (build directory build-fuzz, or $QUARRY_FUZZ_BUILD) and runs each for
# SECONDS (default 60), $QUARRY_FUZZ_JOBS at a time (default 2), then prints
# one line per target: executions, new corpus entries, and crashes.
#
# Targets: read_text read_markdown read_html read_jsonl read_gzip read_tar
# read_pdf read_ooxml read_odf read_epub read_email read_mbox read_rtf
# passage query highlight util (all by default). Seeds come from
# tests/fuzz/corpus/TARGET (read only); inputs libFuzzer finds go to
# BUILD/fuzz-work/TARGET, so repeated runs build on each other. A crashing
# input is written to BUILD/fuzz-artifacts/ and named in the summary; to
# replay it: BUILD/bin/fuzz_TARGET FILE. Add it to the seed corpus once the
# bug is fixed.
#
# Exit status: 0 if no target crashed, 1 if one did, 2 on a usage or build
# error.
set -eu
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${QUARRY_FUZZ_BUILD:-$src/build-fuzz}
jobs=${QUARRY_FUZZ_JOBS:-2}
all="read_text read_markdown read_html read_jsonl read_gzip read_tar read_pdf read_ooxml read_odf read_epub read_email read_mbox read_rtf passage query highlight util"

secs=${1:-60}
case $secs in
''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
targets=${*:-$all}
for t in $targets; do
    case " $all " in *" $t "*) ;; *) echo "$0: unknown target '$t' (one of: $all)" >&2; exit 2 ;; esac
done

cc=${CC:-clang}
cxx=${CXX:-clang++}
if ! command -v "$cc" >/dev/null || ! command -v "$cxx" >/dev/null; then
    echo "$0: libFuzzer needs clang ($cc, $cxx not found)" >&2
    exit 2
fi
echo "building in $build" >&2
cmake -S "$src" -B "$build" -DQUARRY_FUZZ=ON -DQUARRY_BUILD_TESTS=OFF \
      -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null ||
    { echo "$0: cmake configuration failed" >&2; exit 2; }
# shellcheck disable=SC2086
cmake --build "$build" -j"$jobs" --target $(printf 'fuzz_%s ' $targets) >/dev/null ||
    { echo "$0: build failed" >&2; exit 2; }

work=$build/fuzz-work
arts=$build/fuzz-artifacts
logs=$build/fuzz-logs
mkdir -p "$arts" "$logs"

# Options per target: a dictionary where one helps, and room for archives.
target_opts() {
    case $1 in
    read_html) echo "-dict=$here/html.dict -max_len=8192" ;;
    read_jsonl) echo "-dict=$here/json.dict -max_len=8192" ;;
    read_markdown) echo "-dict=$here/markdown.dict -max_len=8192" ;;
    read_email|read_mbox) echo "-dict=$here/email.dict -max_len=16384" ;;
    read_rtf) echo "-dict=$here/rtf.dict -max_len=8192" ;;
    read_tar|read_gzip) echo "-max_len=16384" ;;
    read_pdf) echo "-dict=$here/pdf.dict -max_len=16384" ;;
    read_ooxml|read_odf|read_epub) echo "-dict=$here/package.dict -max_len=65536" ;;
    query) echo "-dict=$here/query.dict -max_len=2048" ;;
    *) echo "-max_len=8192" ;;
    esac
}

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

# libarchive's cpio reader asks for the declared name size (up to 4 GiB)
# in one allocation before reading the name. Without sanitizers that is
# virtual memory only (it fills as far as the input goes: instant, 5 MB);
# under ASan, poisoning its shadow takes seconds and hundreds of MB. So an
# allocation over 1 GiB fails (returns NULL) as on a machine short of
# memory: libarchive reports an error, and Quarry's out-of-memory paths
# get exercised too.
asan_opts=${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=1024:allocator_may_return_null=1
# xapian-core's own leaks on its error paths (tests/lsan.supp says which)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}

run_one() {
    local t=$1
    mkdir -p "$work/$t"
    # shellcheck disable=SC2046
    ASAN_OPTIONS=$asan_opts "$build/bin/fuzz_$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 \
        -print_final_stats=1 -artifact_prefix="$arts/$t-" $(target_opts "$t") \
        "$work/$t" "$here/corpus/$t" >"$logs/$t.log" 2>&1
}

for t in $targets; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    echo "running fuzz_$t for ${secs}s" >&2
    run_one "$t" &
    pids+=($!)
done
wait || true
pids=()

status=0
printf '%-14s %12s %8s %8s  %s\n' target executions exec/s corpus result
for t in $targets; do
    log=$logs/$t.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
    ncorp=$(find "$work/$t" -type f | wc -l)
    result=ok
    # a slow unit (over 10 s) is noted, not failed: a loaded machine makes them
    slow=$(grep -c 'Test unit written to .*slow-unit-' "$log" || true)
    [ "$slow" -eq 0 ] || result="ok ($slow slow units in $arts)"
    if grep -q -e '^==[0-9]*==ERROR' -e 'runtime error:' -e 'fuzz invariant broken' \
               -e '^SUMMARY: ' -e 'Test unit written to .*/[a-z_]*-\(crash\|leak\|oom\|timeout\)-' \
               "$log"; then
        status=1
        art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        why=$(grep -m 1 -e '^==[0-9]*==ERROR' -e 'runtime error:' -e 'fuzz invariant broken' \
                   -e '^SUMMARY: ' "$log" | cut -c1-120)
        result="CRASH: ${why:-see $log} ${art:+($art)}"
    elif [ -z "$execs" ]; then
        status=1
        result="did not run: see $log"
    fi
    printf '%-14s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$ncorp" "$result"
done
exit $status
