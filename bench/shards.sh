#!/usr/bin/env bash
# Scale-out benchmark, in one run on one machine: indexing with
# `quarry-index --shards 1` (one database, built as two parts by two writer
# threads and compacted into one at the end) against `--shards 2` (two
# shard databases, one writer thread each, each compacted by its thread),
# then query latency against the single index, the two shards as
# local databases (the --shards 2 index's stub), and the two shards served
# by two xapian-tcpsrv processes on loopback (a stub of two "remote" lines),
# on Reuters-21578 repeated to SIZE of text (distinct ids per copy). Prints
# one table. Not part of ctest: it needs ../shared/data beside the
# repository. Measured figures: bench/README.md, "Scaling out".
#
# Usage: bench/shards.sh [--size-mb N] [--queries N] [--query-opts "..."]
#   --size-mb N   title+text to index, in MiB (default 1024: 64 copies;
#                 e.g. 50 for a quick try: 4 copies)
#   --queries N   time the first N queries of the mix (default: all 1,225)
#   --query-opts "OPTIONS"
#                 more quarry-query options for every timed run, e.g.
#                 "--no-feedback" (default: none, the tool's defaults)
# Environment:
#   QUARRY_DATA     the data directory (default: ../shared/data)
#   QUARRY_BUILD    the build directory (default: build; the tools are
#                   brought up to date first unless QUARRY_NO_BUILD=1)
#   BENCH_DIR       work here and keep everything (default: a new directory
#                   under ${TMPDIR:-/tmp}, removed at the end unless
#                   BENCH_KEEP=1); a later run with the same BENCH_DIR and
#                   size reuses the corpus, the indexes and their indexing
#                   figures, and only times the queries again
#
# Queries: the mix of bench/ingest.sh, 1,000 of one to three words drawn
# from the Reuters vocabulary (seed 42) plus Cranfield's 225 questions,
# --depth 10 (ten articles per query, best passage each). Each
# configuration runs in one quarry-query batch process: first the first
# 100 queries untimed (warming the page cache), then all of them with
# --timings (each query's parse + search + result records, as
# quarry-query measures it; not the process start). The three runs must
# give the same scores rank by rank (ties may come in another order).
set -eu
export LC_ALL=C
repo=$(cd "$(dirname "$0")/.." && pwd)
data=${QUARRY_DATA:-$repo/../shared/data}
build=${QUARRY_BUILD:-$repo/build}
size_mb=1024
nqueries=0
query_opts=""

usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "shards.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --size-mb) [ $# -ge 2 ] || die "--size-mb needs a number"
               size_mb=$2; shift 2 ;;
    --queries) [ $# -ge 2 ] || die "--queries needs a number"
               nqueries=$2; shift 2 ;;
    --query-opts) [ $# -ge 2 ] || die "--query-opts needs a string"
               query_opts=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
    esac
done
case $size_mb in ''|*[!0-9]*|0) die "--size-mb: a whole number of MiB, not '$size_mb'" ;; esac
case $nqueries in ''|*[!0-9]*) die "--queries: a whole number, not '$nqueries'" ;; esac

reuters=$data/reuters21578/corpus.jsonl.gz
cranfield=$data/cranfield/queries.tsv
[ -f "$reuters" ] || die "no Reuters-21578 at $reuters"
[ -f "$cranfield" ] || die "no Cranfield queries at $cranfield"
for tool in jq xapian-tcpsrv setsid /usr/bin/time; do
    command -v "$tool" >/dev/null || die "needs $tool"
done
if [ "${QUARRY_NO_BUILD:-0}" != 1 ]; then
    [ -f "$build/CMakeCache.txt" ] ||
        cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target quarry-index quarry-query >/dev/null
fi
index_tool=$build/bin/quarry-index
query_tool=$build/bin/quarry-query
if [ ! -x "$index_tool" ] || [ ! -x "$query_tool" ]; then die "no tools in $build/bin"; fi
"$index_tool" --help | grep -q -- --shards || die "$index_tool has no --shards"
"$query_tool" --help | grep -q -- --timings || die "$query_tool has no --timings"
# shellcheck source=SCRIPTDIR/../tests/cli/remote_lib.sh
. "$repo/tests/cli/remote_lib.sh"

# --- where, and enough disk? -------------------------------------------------
if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR
    mkdir -p "$work"
    keep=1
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-shards.XXXXXX")
    keep=${BENCH_KEEP:-0}
fi
# run CMD...: runs CMD in its own process group in the background and waits
# for it, so that a signal runs the traps at once (bash defers them while a
# foreground command runs) and cleanup can kill the whole command
child=""
run() {
    local rc=0
    setsid "$@" &
    child=$!
    wait "$child" || rc=$?
    child=""
    return "$rc"
}
exec 3>&2    # cleanup's messages: a signal may run it inside a redirection
cleanup() {
    if [ -n "$child" ]; then
        kill -TERM -- "-$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    stop_servers
    if [ "$keep" = 1 ]; then
        echo "kept $work" >&3
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# the corpus (JSON: 1.2x the text), two indexes of about 3.5x the text each
# and the shards' uncompacted build directories while they are written
need_mb=$((size_mb * 12))
avail_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
echo "disk: $avail_mb MB free at $work, about $need_mb MB needed" >&2
[ "$avail_mb" -ge "$need_mb" ] || die "not enough disk at $work (df -h $work)"

# --- the corpus: copies of Reuters-21578 with distinct ids -------------------
# text = title + text in bytes, as bench/ingest.sh counts it
copy_text=$(gzip -dc "$reuters" |
    jq -j '((.title // "") | utf8bytelength) + ((.text // "") | utf8bytelength), "\n"' |
    awk '{ s += $1 } END { print s }')
copies=$(( (size_mb * 1048576 + copy_text - 1) / copy_text ))
[ "$copies" -ge 1 ] || copies=1
mkdir -p "$work/corpus"
if [ ! -f "$work/corpus/.done-$copies" ]; then
    echo "writing $copies copies of Reuters-21578 ..." >&2
    rm -f "$work"/corpus/r*.jsonl "$work"/corpus/.done-*
    gzip -dc "$reuters" >"$work/reuters.jsonl"
    # every line starts {"id": "...": the ids become rNNN-...
    head -c 9 "$work/reuters.jsonl" | grep -q '^{"id": "' ||
        die "$reuters: lines do not start with {\"id\": \""
    for k in $(seq -w 1 "$copies"); do
        sed "s/^{\"id\": \"/{\"id\": \"r$k-/" "$work/reuters.jsonl" \
            >"$work/corpus/r$k.jsonl"
    done
    rm -f "$work/reuters.jsonl"
    touch "$work/corpus/.done-$copies"
fi
all=("$work"/corpus/r*.jsonl)
[ "${#all[@]}" -eq "$copies" ] || die "found ${#all[@]} corpus files, not $copies"
text_mb=$(awk -v b="$copy_text" -v c="$copies" 'BEGIN { printf "%.1f", b * c / 1e6 }')
text_mib=$(awk -v b="$copy_text" -v c="$copies" 'BEGIN { printf "%.1f", b * c / 1048576 }')

# --- indexing: --shards 1, then --shards 2 -----------------------------------
# index_into NAME ARGS...: a fresh index $work/NAME, timed by /usr/bin/time;
# writes NAME.secs, NAME.rss (peak, MB), NAME.cpu (CPU %: 200 = both
# cores busy) and NAME.summary (--json)
index_into() {
    local name=$1 db=$work/$1 rc=0
    shift
    rm -rf "$db"
    run /usr/bin/time -v -o "$db.time" "$index_tool" --db "$db" --json "$@" \
        >"$db.summary" 2>"$db.err" || rc=$?
    # 1 = some lines skipped: fine (counted in the summary)
    [ "$rc" -le 1 ] || { tail -n 5 "$db.err" >&2; die "indexing $db failed ($rc)"; }
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0
                    for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' \
        "$db.time" >"$db.secs"
    awk -F': ' '/Maximum resident/ { printf "%.0f\n", $2 / 1024 }' \
        "$db.time" >"$db.rss"
    awk -F': ' '/Percent of CPU/ { print $2 + 0 }' "$db.time" >"$db.cpu"
}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -f "$work/indexed-$copies" ]; then
    echo "reusing the indexes of an earlier run (rm $work/indexed-$copies to redo)" >&2
else
    rm -f "$work"/indexed-*
    echo "indexing $text_mb MB with --shards 1 ..." >&2
    index_into one --shards 1 "${all[@]}"
    echo "indexing $text_mb MB with --shards 2 ..." >&2
    index_into two --shards 2 "${all[@]}"
    echo "$load_start" >"$work/indexed-$copies"
fi
# the shards of "two", as its stub lists them (relative to the index)
shards=()
while read -r kind path; do
    case $kind in auto|glass) ;; *) continue ;; esac
    case $path in /*) ;; *) path=$work/two/$path ;; esac
    shards+=("$path")
done <"$work/two/XAPIANDB"
[ "${#shards[@]}" -eq 2 ] || die "the --shards 2 stub lists ${#shards[@]} databases"

# --- queries: the mix of bench/ingest.sh --------------------------------------
"$repo/bench/query-mix.sh" "$reuters" "$cranfield" >"$work/queries.all"
if [ "$nqueries" -gt 0 ]; then
    head -n "$nqueries" "$work/queries.all" >"$work/queries.tsv"
else
    cp "$work/queries.all" "$work/queries.tsv"
fi
nq=$(wc -l <"$work/queries.tsv")
head -n 100 "$work/queries.tsv" >"$work/warm.tsv"

# --- latency -------------------------------------------------------------------
# time_queries NAME DB: warms with the first 100 queries (untimed), then
# runs all of them with --timings: NAME.ms (milliseconds, one a line),
# NAME.run (the TREC run), NAME.rss (peak RSS of the timed process, MB).
time_queries() {
    local name=$1 db=$2 rc=0
    # shellcheck disable=SC2086 # query_opts are words
    run "$query_tool" --db "$db" --queries "$work/warm.tsv" --depth 10 $query_opts \
        >/dev/null 2>"$work/$name.err" || rc=$?
    [ "$rc" -le 1 ] || die "$name (warm-up): exit $rc: $(tail -c 400 "$work/$name.err")"
    # shellcheck disable=SC2086
    run /usr/bin/time -f %M -o "$work/$name.time" \
        "$query_tool" --db "$db" --queries "$work/queries.tsv" --depth 10 \
        --timings "$work/$name.timings" $query_opts \
        >"$work/$name.run" 2>"$work/$name.err" || rc=$?
    [ "$rc" -le 1 ] || die "$name: exit $rc: $(tail -c 400 "$work/$name.err")"
    awk -F'\t' '{ printf "%.3f\n", $2 * 1000 }' "$work/$name.timings" >"$work/$name.ms"
    [ "$(wc -l <"$work/$name.ms")" -eq "$nq" ] ||
        die "$name: timed $(wc -l <"$work/$name.ms") queries of $nq"
    awk '{ printf "%.0f\n", $1 / 1024 }' "$work/$name.time" >"$work/$name.rss"
}
# stats FILE: "p50 p99 mean" of the milliseconds in FILE (nearest rank)
stats() {
    sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
        END { p50 = v[int(NR * 0.50 + 0.999999)]; p99 = v[int(NR * 0.99 + 0.999999)]
              printf "%.2f %.2f %.2f\n", p50, p99, s / NR }'
}

load_queries=$(cut -d' ' -f1-3 /proc/loadavg)
echo "timing $nq queries: one index ..." >&2
time_queries single "$work/one"
echo "... two local shards ..." >&2
time_queries local "$work/two"
echo "... two remote shards (xapian-tcpsrv on loopback) ..." >&2
start_tcpsrv "$work/srv-a.log" "${shards[0]}" || die "cannot start a server"
port_a=$srv_port
start_tcpsrv "$work/srv-b.log" "${shards[1]}" || die "cannot start a server"
port_b=$srv_port
printf 'remote 127.0.0.1:%s\nremote 127.0.0.1:%s\n' "$port_a" "$port_b" \
    >"$work/remote.stub"
time_queries remote "$work/remote.stub"
stop_servers

# same scores rank by rank (QID Q0 DOCID RANK SCORE TAG; the copies make
# many ties, and tied articles may come in another order: scores only)
# differ A B: the number of queries whose lists of scores differ
differ() {
    awk -f "$repo/bench/differ.awk" "$work/$1.run" "$work/$2.run"
}
runs_differ_local=$(differ single local)
runs_differ_remote=$(differ single remote)

# --- the table -----------------------------------------------------------------
read -r one_secs <"$work/one.secs"
read -r two_secs <"$work/two.secs"
read -r one_rss <"$work/one.rss"
read -r two_rss <"$work/two.rss"
read -r one_cpu <"$work/one.cpu"
read -r two_cpu <"$work/two.cpu"
read -r load_index <"$work/indexed-$copies"
passages=$(jq .passages "$work/one.summary")
articles=$(jq .articles "$work/one.summary")
mb_one=$(du -sm "$work/one" | cut -f1)
mb_two=$(du -sm "$work/two" | cut -f1)
mb_s0=$(du -sm "${shards[0]}" | cut -f1)
mb_s1=$(du -sm "${shards[1]}" | cut -f1)
rate() { awk -v m="$text_mb" -v t="$1" 'BEGIN { printf "%.2f", m / t }'; }

printf '\nReuters-21578 x %d: %s MB (%s MiB) of title+text, %d articles, %d passages\n' \
    "$copies" "$text_mb" "$text_mib" "$articles" "$passages"
printf 'machine: %d CPUs, %s GiB RAM; load average before indexing %s, before the queries %s\n' \
    "$(nproc)" "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" \
    "$load_index" "$load_queries"
printf '\n| indexing | seconds | MB/s | CPU %% | peak RSS MB | index MB |\n|---|---|---|---|---|---|\n'
printf '| quarry-index --shards 1 | %s | %s | %s | %s | %s |\n' \
    "$one_secs" "$(rate "$one_secs")" "$one_cpu" "$one_rss" "$mb_one"
printf '| quarry-index --shards 2 | %s | %s | %s | %s | %s (%s + %s) |\n' \
    "$two_secs" "$(rate "$two_secs")" "$two_cpu" "$two_rss" "$mb_two" "$mb_s0" "$mb_s1"
printf '\n| query latency, %d queries, --depth 10%s | p50 ms | p99 ms | mean ms | peak RSS MB | queries differing from one index |\n|---|---|---|---|---|---|\n' \
    "$nq" "${query_opts:+, $query_opts}"
for name in single local remote; do
    case $name in
    single) label="one index (--shards 1)"; d="-" ;;
    local)  label="2 local shards (one stub)"; d=$runs_differ_local ;;
    remote) label="2 remote shards (2 xapian-tcpsrv, loopback)"; d=$runs_differ_remote ;;
    esac
    read -r p50 p99 mean < <(stats "$work/$name.ms")
    read -r rss <"$work/$name.rss"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$p50" "$p99" "$mean" "$rss" "$d"
done
read -r s50 s99 _ < <(stats "$work/single.ms")
read -r l50 l99 _ < <(stats "$work/local.ms")
read -r r50 r99 _ < <(stats "$work/remote.ms")
awk -v a="$one_secs" -v b="$two_secs" -v s50="$s50" -v s99="$s99" -v l50="$l50" \
    -v l99="$l99" -v r50="$r50" -v r99="$r99" 'BEGIN {
    printf "\nratios: indexing time --shards 2 / --shards 1 %.2f;", b / a
    printf " p50 local/single %.2f, remote/single %.2f;", l50 / s50, r50 / s50
    printf " p99 local/single %.2f, remote/single %.2f\n", l99 / s99, r99 / s99 }'
printf 'load average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
