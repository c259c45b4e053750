#!/usr/bin/env bash
# The query mix of the benchmarks (bench/ingest.sh, bench/shards.sh), as
# lines "ID<TAB>QUERY" on standard output: 1,000 queries of one to three
# words drawn from the Reuters-21578 vocabulary (words of three letters or
# more in at least 5 stories; Park-Miller generator, seed 42), ids g1 ..
# g1000, then Cranfield's 225 questions, ids prefixed with "c".
#
# Usage: bench/query-mix.sh REUTERS_CORPUS_JSONL_GZ CRANFIELD_QUERIES_TSV
set -eu
export LC_ALL=C
[ $# -eq 2 ] || { echo "usage: $0 REUTERS_CORPUS_JSONL_GZ CRANFIELD_QUERIES_TSV" >&2; exit 2; }
# shellcheck disable=SC2018,SC2019 # ASCII letters only
gzip -dc "$1" | jq -r '(.title // "") + " " + (.text // "")' |
    tr 'A-Z' 'a-z' | tr -cs 'a-z' '\n' | awk 'length($0) >= 3' | sort | uniq -c |
    awk '$1 >= 5 { print $2 }' |
awk 'BEGIN { x = 42 }
     { w[n++] = $0 }
     END {
        for (q = 1; q <= 1000; q++) {
            x = (x * 16807) % 2147483647; k = 1 + x % 3; s = ""
            for (i = 0; i < k; i++) {
                x = (x * 16807) % 2147483647
                s = s (i ? " " : "") w[x % n]
            }
            printf "g%d\t%s\n", q, s
        }
     }'
sed 's/^/c/' "$2"
