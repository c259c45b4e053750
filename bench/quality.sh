#!/usr/bin/env bash
# Ranking quality on the shared test collections: indexes Cranfield and the
# SciFact train split, runs their queries in batch mode and prints the
# evaluator's figures, article-level (the best passage of each article).
# Not part of ctest: it needs ../shared/data beside the repository.
#
# Usage: bench/quality.sh [quarry-query options...]
#   e.g. bench/quality.sh --bm25-k1 0.9 --bm25-b 0.4
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

printf '%-15s %8s %8s %8s %8s %8s %8s\n' collection nDCG@10 MAP R@100 \
    MRR@10 P@10 queries
for set in cranfield:corpus.jsonl scifact-train:corpus.jsonl.gz; do
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
    "$build/bin/quarry-query" --db "$db" --queries "$data/$name/queries.tsv" \
        --qrels "$data/$name/qrels.txt" --json "$@" >"$work/$name.json"
    jq -r --arg name "$name" '[$name, .["ndcg@10"], .map, .["recall@100"],
        .["mrr@10"], .["p@10"], .queries] |
        "\(.[0]) \(.[1]) \(.[2]) \(.[3]) \(.[4]) \(.[5]) \(.[6])"' \
        "$work/$name.json" |
    while read -r n a b c d e q; do
        printf '%-15s %8.4f %8.4f %8.4f %8.4f %8.4f %8d\n' "$n" "$a" "$b" \
            "$c" "$d" "$e" "$q"
    done
done
