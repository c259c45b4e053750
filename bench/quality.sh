#!/usr/bin/env bash
# Ranking quality on the shared test collections: indexes Cranfield, the
# SciFact train split and time-dev (long magazine articles), runs their
# queries in batch mode and prints the evaluator's figures, article-level.
# Not part of ctest: it needs ../shared/data beside the repository.
#
# Usage: bench/quality.sh [quarry-query options...]
#          one configuration (the defaults, changed by the options given),
#          e.g. bench/quality.sh --bm25-k1 0.9 --bm25-b 0.4
#        bench/quality.sh --techniques
#          one table: plain BM25 (of the best passage), each ranking
#          technique switched on alone, all of them (the defaults), and
#          the defaults with the queries in capitals; for each, nDCG@10 /
#          MAP / Recall@100 / MRR@10 on each collection and the query
#          latency (median and 99th percentile over all the collections'
#          queries, search only, in one process: batch mode), with what it
#          adds to plain BM25
# Environment:
#   QUARRY_DATA   the data directory (default: ../shared/data from the repo)
#   QUARRY_BUILD  the build directory (default: build; the tools are built
#                 or brought up to date first)
#   BENCH_DIR     keep the indexes here and reuse them on later runs
#                 (default: a temporary directory, removed at the end)
set -eu
export LC_ALL=C
repo=$(cd "$(dirname "$0")/.." && pwd)
data=${QUARRY_DATA:-$repo/../shared/data}
build=${QUARRY_BUILD:-$repo/build}
sets="cranfield:corpus.jsonl scifact-train:corpus.jsonl.gz time-dev:corpus.jsonl"

[ -d "$data/cranfield" ] || { echo "quality.sh: no test data at $data" >&2; exit 2; }
command -v jq >/dev/null || { echo "quality.sh: needs jq" >&2; exit 2; }
# (re)build the tools: a no-op when they are up to date
[ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" -j2 --target quarry-index quarry-query >/dev/null

if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/quarry-quality.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

for set in $sets; do
    name=${set%%:*}
    corpus=$data/$name/${set#*:}
    db=$work/$name.db
    if [ ! -d "$db" ]; then
        # exit 1 means "some lines skipped" (Cranfield has two empty
        # documents); anything above is a failure
        rc=0
        "$build/bin/quarry-index" --db "$db" "$corpus" >/dev/null 2>&1 || rc=$?
        if [ "$rc" -gt 1 ]; then
            echo "quality.sh: indexing $corpus failed ($rc)" >&2
            rm -rf "$db"
            exit 1
        fi
    fi
done

# evaluate NAME QUERIES [options...]: one collection's figures in
# $work/NAME.json, each query's seconds in $work/NAME.times
evaluate() {
    local name=$1 queries=$2
    shift 2
    "$build/bin/quarry-query" --db "$work/$name.db" --queries "$queries" \
        --qrels "$data/$name/qrels.txt" --json --timings "$work/$name.times" \
        "$@" >"$work/$name.json"
}

if [ "${1:-}" != --techniques ]; then
    printf '%-15s %8s %8s %8s %8s %8s %8s\n' collection nDCG@10 MAP R@100 \
        MRR@10 P@10 queries
    for set in $sets; do
        name=${set%%:*}
        evaluate "$name" "$data/$name/queries.tsv" "$@"
        jq -r --arg name "$name" '"\($name) \(.["ndcg@10"]) \(.map) \(.["recall@100"]) \(.["mrr@10"]) \(.["p@10"]) \(.queries)"' \
            "$work/$name.json" |
        while read -r n a b c d e q; do
            printf '%-15s %8.4f %8.4f %8.4f %8.4f %8.4f %8d\n' "$n" "$a" "$b" \
                "$c" "$d" "$e" "$q"
        done
    done
    exit 0
fi

# --techniques
off="--phrase-weight 0 --no-proximity --no-feedback --no-compounds --article-weight 0"
configs=(
    "plain BM25|$off"
    "+ whole article|--phrase-weight 0 --no-proximity --no-feedback --no-compounds"
    "+ phrase|--no-proximity --no-feedback --no-compounds --article-weight 0"
    "+ proximity|--phrase-weight 0 --no-feedback --no-compounds --article-weight 0"
    "+ feedback|--phrase-weight 0 --no-proximity --no-compounds --article-weight 0"
    "+ compounds|--phrase-weight 0 --no-proximity --no-feedback --article-weight 0"
    "all (defaults)|"
    "all, CAPITALS|CAPS"
)
for set in $sets; do
    name=${set%%:*}
    awk -F'\t' -v OFS='\t' '{ $2 = toupper($2); print }' \
        "$data/$name/queries.tsv" >"$work/$name.caps.tsv"
done
printf '%-16s | %-27s | %-27s | %-27s | %s\n' "" \
    "Cranfield" "SciFact-train" "time-dev" "latency, ms"
printf '%-16s | %6s %6s %6s %6s | %6s %6s %6s %6s | %6s %6s %6s %6s | %5s %6s %6s %6s\n' \
    technique nDCG MAP R@100 MRR nDCG MAP R@100 MRR nDCG MAP R@100 MRR \
    p50 p99 +p50 +p99
base50='' base99=''
for c in "${configs[@]}"; do
    label=${c%%|*} opts=${c#*|}
    row=()
    : >"$work/all.times"
    for set in $sets; do
        name=${set%%:*}
        queries=$data/$name/queries.tsv
        if [ "$opts" = CAPS ]; then
            queries=$work/$name.caps.tsv
            # shellcheck disable=SC2086
            evaluate "$name" "$queries"
        else
            # shellcheck disable=SC2086
            evaluate "$name" "$queries" $opts
        fi
        row+=($(jq -r '"\(.["ndcg@10"]) \(.map) \(.["recall@100"]) \(.["mrr@10"])"' \
            "$work/$name.json"))
        cat "$work/$name.times" >>"$work/all.times"
    done
    read -r p50 p99 < <(cut -f2 "$work/all.times" | sort -g |
        awk '{ v[NR] = $1 * 1000 }
             END { i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5)
                   if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
                   printf "%.2f %.2f\n", v[i50], v[i99] }')
    if [ -z "$base50" ]; then base50=$p50 base99=$p99; fi
    printf '%-16s | %6.4f %6.4f %6.4f %6.4f | %6.4f %6.4f %6.4f %6.4f | %6.4f %6.4f %6.4f %6.4f | %5.2f %6.2f %+6.2f %+6.2f\n' \
        "$label" "${row[@]}" "$p50" "$p99" \
        "$(echo "$p50 - $base50" | bc -l)" "$(echo "$p99 - $base99" | bc -l)"
done
