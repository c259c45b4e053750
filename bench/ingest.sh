#!/usr/bin/env bash
# Ingest speed, index size and query latency of Quarry side by side with
# SQLite FTS5 and Xapian's own scriptindex, on Reuters-21578 repeated K
# times (distinct ids "r<copy>-<NEWID>"), in one run on one machine.
# Not part of ctest: it needs ../shared/data beside the repository, the
# sqlite3 CLI and libsqlite3-dev (FTS5), and xapian-omega (scriptindex).
#
# Usage: bench/ingest.sh [K]        the comparison (default K = 10:
#                                   215,780 stories, 171.5 MB of text)
#        bench/ingest.sh growth [K...]
#                                   quarry-index alone at 1x, 3x, 10x (or
#                                   the K given): time and peak memory
# Environment:
#   QUARRY_DATA   the data directory (default: ../shared/data)
#   QUARRY_BUILD  the build directory (default: build; brought up to date)
#   BENCH_WORK    where corpora and indexes go (default: a temporary
#                 directory under /tmp, removed at the end); needs about
#                 3 GB free at K = 10
#   COLD_RUNS     fresh-process runs of one query per engine (default 11)
#
# Measured figures are in bench/README.md, "Speed and size".
set -eu
export LC_ALL=C
repo=$(cd "$(dirname "$0")/.." && pwd)
data=${QUARRY_DATA:-$repo/../shared/data}
build=${QUARRY_BUILD:-$repo/build}
cold_runs=${COLD_RUNS:-11}

die() { echo "ingest.sh: $*" >&2; exit 2; }
[ -f "$data/reuters21578/corpus.jsonl.gz" ] || die "no test data at $data"
for tool in jq sqlite3 scriptindex xapian-compact quest /usr/bin/time cc pkg-config; do
    command -v "$tool" >/dev/null || die "needs $tool (xapian-omega, sqlite3, libsqlite3-dev, time)"
done

[ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" -j2 --target quarry-index quarry-query qtime >/dev/null

if [ -n "${BENCH_WORK:-}" ]; then
    work=$BENCH_WORK
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/quarry-ingest.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

# the per-query timer, built with this build's library (bench/CMakeLists.txt)
qtime=$build/bench/qtime

# corpus K: one JSON Lines file, K copies with distinct ids
corpus() {
    local k=$1 out="$work/reuters-x$1.jsonl"
    if [ ! -s "$out" ]; then
        for r in $(seq 1 "$k"); do
            gzip -dc "$data/reuters21578/corpus.jsonl.gz" |
                sed "s/^{\"id\": \"/{\"id\": \"r$r-/"
        done > "$out.tmp"
        mv "$out.tmp" "$out"
    fi
    echo "$out"
}

# timed CMD...: runs CMD under /usr/bin/time -v; sets $secs and $rss_mb
timed() {
    /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/cmd.out" 2> "$work/cmd.err" ||
        [ $? -le 1 ] || { cat "$work/cmd.err" >&2; die "failed: $*"; }
    secs=$(awk -F': ' '/Elapsed/ { n = split($2, t, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/time.txt")
    rss_mb=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$work/time.txt")
}

mb() { du -sb "$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }

if [ "${1:-}" = growth ]; then
    shift
    sizes=${*:-1 3 10}
    text1=$(gzip -dc "$data/reuters21578/corpus.jsonl.gz" |
        jq -j '((.title // "") | utf8bytelength) + ((.text // "") | utf8bytelength), "\n"' |
        awk '{ s += $1 } END { print s }')
    printf '%-6s %10s %10s %8s %10s %10s\n' size stories text_MB seconds MB/s peak_RSS_MB
    for k in $sizes; do
        f=$(corpus "$k")
        rm -rf "$work/growth.db"
        timed "$build/bin/quarry-index" -q --db "$work/growth.db" "$f"
        awk -v k="$k" -v t="$text1" -v s="$secs" -v r="$rss_mb" 'BEGIN {
            printf "%-6s %10d %10.1f %8.1f %10.2f %10d\n", k "x", 21578 * k,
                t * k / 1e6, s, t * k / 1e6 / s, r }'
        rm -rf "$work/growth.db" "$f"
    done
    exit 0
fi

K=${1:-10}
f=$(corpus "$K")
text=$(jq -j '((.title // "") | utf8bytelength) + ((.text // "") | utf8bytelength), "\n"' "$f" |
    awk '{ s += $1 } END { print s }')
text_mb=$(awk -v t="$text" 'BEGIN { printf "%.1f", t / 1e6 }')
echo "corpus: Reuters-21578 x$K, $((21578 * K)) stories, $text_mb MB of title+text"

# queries: 1,000 of one to three words from the vocabulary, plus
# Cranfield's 225 questions (bench/query-mix.sh)
"$repo/bench/query-mix.sh" "$data/reuters21578/corpus.jsonl.gz" \
    "$data/cranfield/queries.tsv" > "$work/queries.tsv"
nq=$(wc -l < "$work/queries.tsv")
cold_q="oil prices"

# median of COLD_RUNS fresh-process runs of CMD..., in ms
cold() {
    for _ in $(seq 1 "$cold_runs"); do
        s=$(date +%s%N)
        "$@" > /dev/null 2>&1 || true
        echo $(( ($(date +%s%N) - s) / 1000 ))
    done | sort -n | awk '{ t[NR] = $1 } END { printf "%.1f", t[int((NR + 1) / 2)] / 1000 }'
}

declare -A SECS RSS BEFORE AFTER WARM COLD

# --- Quarry (it compacts a new index itself: the parts it builds in
# parallel are merged by xapian-core's compactor at the end)
rm -rf "$work/quarry.db"
timed "$build/bin/quarry-index" -q --db "$work/quarry.db" "$f"
SECS[quarry]=$secs RSS[quarry]=$rss_mb
BEFORE[quarry]="(self)" AFTER[quarry]=$(mb "$work/quarry.db")
echo "quarry-index: $secs s, $rss_mb MB peak" >&2

# --- SQLite FTS5, porter tokenizer, text stored; compaction = 'optimize' + VACUUM
rm -f "$work/fts5.db"
us=$(printf '\037')
cat > "$work/fts5.sql" <<EOF
CREATE TEMP TABLE raw(line TEXT);
.mode ascii
.separator "$us" "\n"
.import $f raw
CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, tokenize='porter unicode61');
BEGIN;
INSERT INTO docs(id, title, text) SELECT json_extract(line, '\$.id'),
    json_extract(line, '\$.title'), json_extract(line, '\$.text') FROM raw;
COMMIT;
EOF
timed sqlite3 "$work/fts5.db" ".read $work/fts5.sql"
SECS[fts5]=$secs RSS[fts5]=$rss_mb BEFORE[fts5]=$(mb "$work/fts5.db")
sqlite3 "$work/fts5.db" "INSERT INTO docs(docs) VALUES('optimize'); VACUUM;"
AFTER[fts5]=$(mb "$work/fts5.db")
echo "fts5: $secs s, $rss_mb MB peak" >&2

# --- scriptindex: title and text indexed with positions and stemming
# (its defaults: English, STEM_SOME), title also under S; both stored
jq -r '"id=\(.id)\ntitle=\((.title // "") | gsub("\n"; "\n="))\ntext=\((.text // "") | gsub("\n"; "\n="))\n"' \
    "$f" > "$work/scriptindex.in"
cat > "$work/index.script" <<'EOF'
id : field=id boolean=Q unique=Q
title : field=title index=S index
text : field=text index
EOF
rm -rf "$work/si.db" "$work/si.compact"
timed scriptindex "$work/si.db" "$work/index.script" "$work/scriptindex.in"
SECS[scriptindex]=$secs RSS[scriptindex]=$rss_mb BEFORE[scriptindex]=$(mb "$work/si.db")
xapian-compact "$work/si.db" "$work/si.compact" > /dev/null
AFTER[scriptindex]=$(mb "$work/si.compact")
rm -f "$work/scriptindex.in"
echo "scriptindex: $secs s, $rss_mb MB peak" >&2

# --- queries: warm in one process, then one query in fresh processes
WARM[quarry]=$("$qtime" quarry "$work/quarry.db" "$work/queries.tsv")
WARM[quarry-nofb]=$("$qtime" quarry-nofb "$work/quarry.db" "$work/queries.tsv")
WARM[fts5]=$("$qtime" fts5 "$work/fts5.db" "$work/queries.tsv")
WARM[scriptindex]=$("$qtime" xapian "$work/si.compact" "$work/queries.tsv")
# the floor: xapian-core alone on Quarry's index (top 10 by BM25, best
# passage per article, no ranking techniques)
WARM[xapian-passages]=$("$qtime" xapian-passages "$work/quarry.db" "$work/queries.tsv")
COLD[xapian-passages]=-
COLD[quarry]=$(cold "$build/bin/quarry-query" --db "$work/quarry.db" -n 10 "$cold_q")
COLD[quarry-nofb]=$(cold "$build/bin/quarry-query" --db "$work/quarry.db" -n 10 --no-feedback "$cold_q")
COLD[fts5]=$(cold sqlite3 "$work/fts5.db" "SELECT id FROM docs WHERE docs MATCH '\"oil\" OR \"prices\"' ORDER BY bm25(docs) LIMIT 10")
COLD[scriptindex]=$(cold quest -d "$work/si.compact" -m 10 "$cold_q")

echo
echo "Reuters-21578 x$K: $((21578 * K)) stories, $text_mb MB of title+text; $nq queries (top 10), warm = second pass in one process"
echo
echo "| engine | seconds | MB/s | peak RSS MB | index MB before / after compaction | size/text | query mean / p50 / p99 ms | cold query ms |"
echo "|---|---|---|---|---|---|---|---|"
for e in quarry quarry-nofb xapian-passages fts5 scriptindex; do
    read -r _ mean p50 p99 _ <<< "${WARM[$e]}"
    i=${e%-nofb}   # these two query quarry's index: its ingest figures
    [ "$e" = xapian-passages ] && i=quarry
    awk -v e="$e" -v s="${SECS[$i]}" -v t="$text" -v r="${RSS[$i]}" -v b="${BEFORE[$i]}" \
        -v a="${AFTER[$i]}" -v mean="$mean" -v p50="$p50" -v p99="$p99" -v c="${COLD[$e]}" 'BEGIN {
        printf "| %s | %.1f | %.2f | %d | %s / %s | %.2f | %.2f / %.2f / %.2f | %s |\n",
            e, s, t / 1e6 / s, r, b, a, a * 1e6 / t, mean, p50, p99, c }'
done
echo
ratio() {   # ratio NAME A B: A/B
    awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%-46s %.2f\n", n, a / b }'
}
read -r _ qmean qp50 qp99 _ <<< "${WARM[quarry]}"
read -r _ fmean fp50 fp99 _ <<< "${WARM[fts5]}"
read -r _ smean sp50 sp99 _ <<< "${WARM[scriptindex]}"
ratio "MB/s Quarry/FTS5 (target >= 0.3)" "${SECS[fts5]}" "${SECS[quarry]}"
ratio "MB/s Quarry/scriptindex (>= 3)" "${SECS[scriptindex]}" "${SECS[quarry]}"
ratio "size Quarry/FTS5 (<= 1)" "${AFTER[quarry]}" "${AFTER[fts5]}"
ratio "size Quarry/scriptindex" "${AFTER[quarry]}" "${AFTER[scriptindex]}"
ratio "p50 Quarry/FTS5 (<= 0.25)" "$qp50" "$fp50"
ratio "p99 Quarry/FTS5 (<= 0.05)" "$qp99" "$fp99"
read -r _ _ np50 np99 _ <<< "${WARM[quarry-nofb]}"
ratio "p50 Quarry --no-feedback/FTS5" "$np50" "$fp50"
ratio "p99 Quarry --no-feedback/FTS5" "$np99" "$fp99"
read -r _ _ xp50 _ _ <<< "${WARM[xapian-passages]}"
ratio "p50 xapian-core alone on Quarry's index/FTS5" "$xp50" "$fp50"
ratio "p50 Quarry/scriptindex" "$qp50" "$sp50"
ratio "p99 Quarry/scriptindex" "$qp99" "$sp99"
ratio "peak RSS Quarry/FTS5" "${RSS[quarry]}" "${RSS[fts5]}"
