#!/usr/bin/env bash
# Remote shards at a network's latency: an index split into N shards
# (quarry-index --shards N), each shard (its passages and its articles)
# served by xapian-tcpsrv on loopback behind bench/delayproxy, which holds
# every byte for half the round trip in each direction and counts the
# requests; quarry-query runs a fixed query set through a stub of
# "remote" lines at each round trip, and through the same shards opened
# locally. Prints one table: median and p99 latency, requests per shard
# per query, and whether the results are the local shards' (scores rank
# by rank). Not part of ctest (it needs ../shared/data); the small-delay
# check in ctest is tests/cli/remote_latency.sh. Figures: README.md,
# "Scaling out", and bench/README.md.
#
# Usage: bench/latency.sh [--corpus FILE] [--queries FILE] [--shards "2 4"]
#                         [--rtt "0 1 5"] [--query-opts "..."]
#   --corpus FILE    what to index (default ../shared/data/bbc/corpus.jsonl.gz)
#   --queries FILE   ID<TAB>QUERY lines (default bench/latency-queries.tsv:
#                    20 short queries as people type them, 10 questions)
#   --shards LIST    shard counts (default "2 4")
#   --rtt LIST       round trips in ms (default "0 1 5")
#   --query-opts S   more quarry-query options (default: none, the defaults)
# Environment: QUARRY_BUILD (default build; tools brought up to date unless
# QUARRY_NO_BUILD=1), BENCH_DIR (work and keep there; indexes reused),
# DELAYPROXY (default: the build's bench/delayproxy).
#
# Each configuration runs the query set twice in one quarry-query batch
# process (--depth 10: ten articles, the best passage each) and times the
# second pass (--timings: parse, match and records; the first pass opens
# the connections and warms the caches). Requests per shard per query:
# the requests the proxies passed in both passes, over 2 x queries x
# shards.
set -eu
export LC_ALL=C
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${QUARRY_BUILD:-$repo/build}
corpus=$repo/../shared/data/bbc/corpus.jsonl.gz
queries=$repo/bench/latency-queries.tsv
shard_list="2 4"
rtt_list="0 1 5"
query_opts=""
usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "latency.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --corpus) [ $# -ge 2 ] || die "--corpus needs a file"; corpus=$2; shift 2 ;;
    --queries) [ $# -ge 2 ] || die "--queries needs a file"; queries=$2; shift 2 ;;
    --shards) [ $# -ge 2 ] || die "--shards needs a list"; shard_list=$2; shift 2 ;;
    --rtt) [ $# -ge 2 ] || die "--rtt needs a list"; rtt_list=$2; shift 2 ;;
    --query-opts) [ $# -ge 2 ] || die "--query-opts needs a string"; query_opts=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
    esac
done
[ -f "$corpus" ] || die "no corpus at $corpus"
[ -f "$queries" ] || die "no queries at $queries"
command -v xapian-tcpsrv >/dev/null || die "needs xapian-tcpsrv (xapian-tools)"
if [ "${QUARRY_NO_BUILD:-0}" != 1 ]; then
    [ -f "$build/CMakeCache.txt" ] ||
        cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target quarry-index quarry-query delayproxy >/dev/null
fi
index_tool=$build/bin/quarry-index
query_tool=$build/bin/quarry-query
DELAYPROXY=${DELAYPROXY:-$build/bench/delayproxy}
[ -x "$DELAYPROXY" ] || die "no $DELAYPROXY"
# shellcheck source=SCRIPTDIR/../tests/cli/remote_lib.sh
. "$repo/tests/cli/remote_lib.sh"

if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR; mkdir -p "$work"; keep=1
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/quarry-latency.XXXXXX"); keep=0
fi
cleanup() {
    stop_proxies
    stop_servers
    if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

nq=$(grep -c . "$queries")
# the query set twice: the first pass warms, the second is timed
awk -F'\t' '{ print "w" $1 "\t" $2 }' "$queries" >"$work/batch.tsv"
cat "$queries" >>"$work/batch.tsv"

# run NAME DB: the batch on DB; NAME.ms (the timed pass, ms a line) and
# NAME.run (its TREC run)
run() {
    local name=$1 db=$2 rc=0
    # shellcheck disable=SC2086 # query_opts are words
    "$query_tool" --db "$db" --queries "$work/batch.tsv" --depth 10 \
        --timings "$work/$name.timings" $query_opts >"$work/$name.all" \
        2>"$work/$name.err" || rc=$?
    [ "$rc" -le 1 ] || die "$name: exit $rc: $(tail -c 400 "$work/$name.err")"
    tail -n "$nq" "$work/$name.timings" |
        awk -F'\t' '{ printf "%.3f\n", $2 * 1000 }' >"$work/$name.ms"
    grep -v '^w' "$work/$name.all" >"$work/$name.run" || true
}
# stats FILE: "p50 p99" (nearest rank)
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 }
        END { printf "%.1f %.1f\n", v[int(NR * 0.50 + 0.999999)],
                                    v[int(NR * 0.99 + 0.999999)] }'
}
# differ A B: queries whose scores differ rank by rank
differ() {
    awk -f "$repo/bench/differ.awk" "$work/$1.run" "$work/$2.run"
}

printf '| shards | round trip | p50 ms | p99 ms | requests per shard per query | queries differing from local |\n|---|---|---|---|---|---|\n' >"$work/table"
for ns in $shard_list; do
    idx=$work/idx$ns
    if [ ! -f "$idx.done" ]; then
        echo "indexing $(basename "$corpus") into $ns shards ..." >&2
        rm -rf "$idx"
        "$index_tool" --db "$idx" --shards "$ns" "$corpus" >/dev/null 2>"$idx.err" ||
            [ $? -eq 1 ] || die "indexing: $(tail -c 400 "$idx.err")"
        touch "$idx.done"
    fi
    shards=()
    while read -r kind path; do
        case $kind in auto|glass) ;; *) continue ;; esac
        case $path in /*) ;; *) path=$idx/$path ;; esac
        shards+=("$path")
    done <"$idx/XAPIANDB"
    [ "${#shards[@]}" -eq "$ns" ] || die "the stub lists ${#shards[@]} shards, not $ns"
    echo "$ns shards, local ..." >&2
    run "local$ns" "$idx"
    read -r p50 p99 < <(stats "$work/local$ns.ms")
    printf '| %d | local | %s | %s | - | - |\n' "$ns" "$p50" "$p99" >>"$work/table"
    ports=()
    for sh in "${shards[@]}"; do
        start_tcpsrv "$work/srv.log" "$sh" || die "cannot start a server"
        ports+=("$srv_port")
        start_tcpsrv "$work/srv.log" "$sh/articles" || die "cannot start a server"
        ports+=("$srv_port")
    done
    for rtt in $rtt_list; do
        echo "$ns remote shards, $rtt ms round trip ..." >&2
        half=$(awk -v r="$rtt" 'BEGIN { print r / 2 }')
        : >"$work/requests.log"
        : >"$work/remote.stub"
        for k in "${!ports[@]}"; do
            start_proxy "${ports[k]}" "$half" "$work/requests.log" ||
                die "cannot start a proxy"
            if [ $((k % 2)) -eq 0 ]; then
                echo "remote 127.0.0.1:$proxy_port" >>"$work/remote.stub"
            else
                echo "articles remote 127.0.0.1:$proxy_port" >>"$work/remote.stub"
            fi
        done
        name=remote$ns-$rtt
        run "$name" "$work/remote.stub"
        stop_proxies
        read -r p50 p99 < <(stats "$work/$name.ms")
        req=$(awk -v n="$(wc -l <"$work/requests.log")" -v q="$nq" -v s="$ns" \
              'BEGIN { printf "%.1f", n / (2 * q * s) }')
        printf '| %d | %s ms | %s | %s | %s | %s |\n' "$ns" "$rtt" "$p50" "$p99" \
            "$req" "$(differ "local$ns" "$name")" >>"$work/table"
        # requests by message type, for where the round trips go
        awk '{ print $2 }' "$work/requests.log" | sort -n | uniq -c |
            awk -v t="$name" 'BEGIN { printf "%s requests by type:", t }
                              { printf " %s:%s", $2, $1 } END { print "" }' >&2
    done
    stop_servers
done
printf '\n%s queries (%s), %s; machine: %d CPUs, load average %s\n\n' \
    "$nq" "$(basename "$queries")" "$(basename "$corpus")" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
cat "$work/table"
