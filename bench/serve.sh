#!/usr/bin/env bash
# quarry-serve's throughput and latency on loopback: requests per second
# and p50/p99 latency at 1, 8 and 32 concurrent clients (wrk, each client
# one keep-alive connection), beside the same queries run by quarry-query
# in batch (one process, no HTTP), on Reuters-21578 x10; and the server's
# memory. Not part of ctest: it needs ../shared/data and wrk.
#
# Usage: bench/serve.sh [K]   (default K = 10: 215,780 stories)
# Environment:
#   QUARRY_DATA   the data directory (default: ../shared/data)
#   QUARRY_BUILD  the build directory (default: build; brought up to date)
#   BENCH_WORK    where the corpus and index go (default: a temporary
#                 directory, removed at the end; an index already there
#                 is reused)
#   SECONDS_EACH  seconds of each wrk run (default 10)
#   RUNS          wrk runs per concurrency, the median reported (default 3)
#   NQ            queries of bench/query-mix.sh used (default 500)
#
# Measured figures are in README.md, "quarry-serve".
set -eu
export LC_ALL=C
repo=$(cd "$(dirname "$0")/.." && pwd)
data=${QUARRY_DATA:-$repo/../shared/data}
build=${QUARRY_BUILD:-$repo/build}
secs=${SECONDS_EACH:-10}
runs=${RUNS:-3}
nq=${NQ:-500}
K=${1:-10}

die() { echo "serve.sh: $*" >&2; exit 2; }
[ -f "$data/reuters21578/corpus.jsonl.gz" ] || die "no test data at $data"
for tool in wrk jq curl; do
    command -v "$tool" >/dev/null || die "needs $tool (scripts/install-deps.sh --tests)"
done
[ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" -j2 --target quarry-index quarry-query quarry-serve >/dev/null

if [ -n "${BENCH_WORK:-}" ]; then
    work=$BENCH_WORK
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/quarry-serve-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -z "${BENCH_WORK:-}" ] && rm -rf "$work"' EXIT

# the corpus and index of bench/ingest.sh: K copies, distinct ids
db=$work/reuters-x$K.db
if [ ! -f "$db/XAPIANDB" ]; then
    for r in $(seq 1 "$K"); do
        gzip -dc "$data/reuters21578/corpus.jsonl.gz" |
            sed "s/^{\"id\": \"/{\"id\": \"r$r-/"
    done > "$work/reuters-x$K.jsonl"
    # exit status 1: a few stories have no text and are skipped
    "$build/bin/quarry-index" -q --db "$db" "$work/reuters-x$K.jsonl" 2>/dev/null ||
        [ $? -le 1 ] || die "quarry-index failed"
    rm -f "$work/reuters-x$K.jsonl"
fi
echo "index: Reuters-21578 x$K, $(du -sm "$db" | cut -f1) MB"

# the queries: the first NQ of bench/query-mix.sh (one to three words)
"$repo/bench/query-mix.sh" "$data/reuters21578/corpus.jsonl.gz" \
    "$data/cranfield/queries.tsv" | head -n "$nq" > "$work/queries.tsv"

# quarry-query in batch: the same queries, top 10, no spelling (batch
# mode never suggests; the server is asked spelling=0 alike)
batch_ms=()
for r in $(seq 1 "$runs"); do
    s=$(date +%s%N)
    "$build/bin/quarry-query" --db "$db" --queries "$work/queries.tsv" \
        --depth 10 --timings "$work/timings.$r" > /dev/null
    batch_ms+=($(( ($(date +%s%N) - s) / 1000000 )))
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
b_ms=$(median "${batch_ms[@]}")
b_qps=$(awk -v n="$nq" -v ms="$b_ms" 'BEGIN { printf "%.1f", n / (ms / 1000) }')
read -r b_p50 b_p99 < <(cut -f2 "$work/timings.1" | sort -g |
    awk '{ v[NR] = $1 } END { printf "%.2f %.2f\n", v[int(NR * 0.5 + 0.5)] * 1000, v[int(NR * 0.99 + 0.5)] * 1000 }')

# the server, on a free port
"$build/bin/quarry-serve" --db "$db" --listen 127.0.0.1:0 2> "$work/serve.err" &
pid=$!
for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.err")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "${port:-}" ] || die "quarry-serve did not start: $(cat "$work/serve.err")"
threads=$(sed -n 's/.*(\([0-9]*\) threads).*/\1/p' "$work/serve.err")
rss_start=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")

# wrk's script: each request the next query, as /api/search?q=...&n=10.
# Batch runs fold no duplicates (they rank ids alone); the server is asked
# duplicates=1 alike, so both do the same search. Reuters x10 holds every
# story ten times: folding them is measured apart, at 1 client.
jq -Rr 'split("\t")[1] | @uri' "$work/queries.tsv" > "$work/paths.txt"
mix() {
cat > "$work/mix.lua" <<LUA
local paths = {}
for line in io.lines("$work/paths.txt") do
  paths[#paths + 1] = "/api/search?n=10&spelling=0$1&q=" .. line
end
local i = 0
function setup(thread) thread:set("id", math.random(#paths)) end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i + (id or 0)) % #paths + 1])
end
LUA
}
mix "&duplicates=1"
curl -sf "http://127.0.0.1:$port/api/search?q=oil" > /dev/null || die "the server does not answer"

printf '%-10s %10s %10s %10s %8s\n' clients req/s p50_ms p99_ms errors
declare -A QPS P50 P99
for c in 1 8 32; do
    q=(); p5=(); p9=(); errs=0
    for r in $(seq 1 "$runs"); do
        t=$(( c < 2 ? 1 : 2 ))
        wrk -t "$t" -c "$c" -d "${secs}s" --latency -s "$work/mix.lua" \
            "http://127.0.0.1:$port" > "$work/wrk.out"
        q+=($(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.out"))
        to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } printf "%.2f", v }'; }
        p5+=($(awk '$1 == "50%" { print $2 }' "$work/wrk.out" | to_ms))
        p9+=($(awk '$1 == "99%" { print $2 }' "$work/wrk.out" | to_ms))
        e=$(awk '/Non-2xx|Socket errors/ { n += $NF } END { print n + 0 }' "$work/wrk.out")
        errs=$((errs + e))
    done
    QPS[$c]=$(median "${q[@]}"); P50[$c]=$(median "${p5[@]}"); P99[$c]=$(median "${p9[@]}")
    printf '%-10s %10s %10s %10s %8s\n' "$c" "${QPS[$c]}" "${P50[$c]}" "${P99[$c]}" "$errs"
done
# the default, duplicates folded: 1 client
mix ""
wrk -t 1 -c 1 -d "${secs}s" --latency -s "$work/mix.lua" "http://127.0.0.1:$port" > "$work/wrk.out"
f_qps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.out")
f_p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")
f_p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")
rss_end=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")
rss_peak=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status")
printf '%-10s %10s %10s %10s\n' batch "$b_qps" "$b_p50" "$b_p99"
echo "1 client, duplicates folded (the API's default): $f_qps req/s, p50 $f_p50, p99 $f_p99 (one run)"
echo "quarry-query batch: $nq queries in $b_ms ms (median of $runs runs); p50/p99 per query from --timings"
echo "server: $threads threads; RSS $rss_start MB at start, $rss_end MB after, peak $rss_peak MB"
awk -v s1="${QPS[1]}" -v s32="${QPS[32]}" -v b="$b_qps" 'BEGIN {
    printf "ratios: 1 client %.2fx batch throughput; 32 clients %.2fx batch, %.2fx 1 client\n", s1 / b, s32 / b, s32 / s1 }'
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
