#!/usr/bin/env bash
# kill -9 the indexer at random points of incremental, forced and rebuild
# runs, of single and sharded (--shards 2) indexes; after each: the index opens, --check passes, a rerun completes, and
# the final index answers a fixed set of queries exactly as a clean build.
# CRASH_TRIALS (default 12) and CRASH_FILES (default 150) scale it; the
# long run is bench/crash.sh.
. "$QUARRY_TEST_LIB"
trials=${CRASH_TRIALS:-12}
nfiles=${CRASH_FILES:-150}
src="$tmp/src"
mkdir -p "$src"
cp -R "$CORPUS/." "$src/"

# Generated articles: sentences drawn from the corpus's own words, so the
# run takes long enough to be killed in the middle of it.
words=($(cat "$CORPUS"/*.txt "$CORPUS"/*.md | tr -cs 'A-Za-z' ' ' | tr 'A-Z' 'a-z'))
nwords=${#words[@]}
RANDOM=42
for i in $(seq 1 "$nfiles"); do
    {
        echo "Generated article $i ${words[RANDOM % nwords]}"
        for p in 1 2 3 4; do
            echo
            line=""
            for _ in $(seq 1 60); do line="$line ${words[RANDOM % nwords]}"; done
            echo "$line."
        done
    } > "$src/gen-$i.txt"
done

# Killed while creating the index, after glass made its first table and
# before it wrote its version file: the rerun starts the index afresh.
for shards in 1 2; do
    d=$tmp/unfinished-$shards
    if [ "$shards" = 1 ]; then v=$d/v000001; else v=$d/v000001/s0; fi
    mkdir -p "$v" && : >"$v/postlist.glass"
    run "$QUARRY_INDEX" --db "$d" --shards "$shards" "$CORPUS"
    expect_rc 0 "index over an unfinished creation (--shards $shards)"
    run "$QUARRY_QUERY" --db "$d" "joint cyber unit"
    expect_rc 0 "query after an unfinished creation (--shards $shards)"
done

# Killed while writing the first stub: its temporary file is left beside a
# complete first version, and the rerun finishes the index.
for shards in 1 2; do
    d=$tmp/unfinished-stub-$shards
    run "$QUARRY_INDEX" --db "$d" --shards "$shards" "$CORPUS"
    expect_rc 0 "first build (--shards $shards)"
    mv "$d/XAPIANDB" "$d/XAPIANDB.tmp"
    run "$QUARRY_INDEX" --db "$d" --shards "$shards" "$CORPUS"
    expect_rc 0 "index over a half-written stub (--shards $shards)"
    [ -e "$d/XAPIANDB.tmp" ] && fail "the stub's temporary file stayed (--shards $shards)"
    run "$QUARRY_QUERY" --db "$d" "joint cyber unit"
    expect_rc 0 "query after a half-written stub (--shards $shards)"
done

queries=("joint cyber unit" "chemical weapons inquiry" "election interference"
         "council library budget" "lentil soup" "generated article")
snapshot() {   # snapshot DB OUT: every passage matching the queries, sorted
    : > "$2"
    for q in "${queries[@]}"; do
        run "$QUARRY_QUERY" --db "$1" --trec --all-passages -n 100000 "$q"
        [ "$rc" -le 1 ] || fail "query '$q' failed with $rc on $1"
        awk -v q="$q" '{ printf "%s %s %.6f\n", q, $3, $5 }' "$tmp/out" | sort >> "$2"
    done
}

run "$QUARRY_INDEX" --db "$tmp/ref" "$src"
expect_rc 0 "reference build"
snapshot "$tmp/ref" "$tmp/ref.snap"
[ "$(wc -l < "$tmp/ref.snap")" -gt 100 ] || fail "reference snapshot too small"

# How long a full run takes, to spread the kills over it.
start=$(date +%s%N)
run "$QUARRY_INDEX" --db "$tmp/timing" --batch 5 "$src"
ms=$(( ($(date +%s%N) - start) / 1000000 + 20 ))

# xapian-core 1.4.22's Database::check() trips ASan's new-delete-type-
# mismatch inside libxapian (see tests/unit/test_xapian_c.c): off for
# --check alone.
check_asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}new_delete_type_mismatch=0

db="$tmp/db"
killed=0
for t in $(seq 1 "$trials"); do
    case $((t % 6)) in
        0) mode=(--rebuild) ;;
        1) mode=(--force) ;;
        2) rm -rf "$db"; mode=() ;;      # first build from nothing
        3) rm -rf "$db"; mode=(--shards 2) ;;   # a sharded first build
        4) mode=(--force) ;;             # shards committing one by one
        5) mode=(--rebuild --shards 2) ;;
    esac
    "$QUARRY_INDEX" --db "$db" --batch 5 -q "${mode[@]}" "$src" >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v r=$RANDOM -v ms="$ms" 'BEGIN { printf "%.3f", (r % ms) / 1000 }')"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null || true

    # a first build killed before its first commit leaves no index yet
    if [ -e "$db/XAPIANDB" ]; then
        ASAN_OPTIONS=$check_asan run "$QUARRY_INDEX" --db "$db" --check
        expect_rc 0 "trial $t (${mode[*]:-fresh}): --check after kill -9"
        run "$QUARRY_QUERY" --db "$db" joint cyber unit
        [ "$rc" -le 1 ] || fail "trial $t: query after kill -9 exited $rc"
    fi
    run "$QUARRY_INDEX" --db "$db" "$src"
    expect_rc 0 "trial $t (${mode[*]:-fresh}): rerun after kill -9"
    ASAN_OPTIONS=$check_asan run "$QUARRY_INDEX" --db "$db" --check
    expect_rc 0 "trial $t: --check after the rerun"
    snapshot "$db" "$tmp/db.snap"
    diff -u "$tmp/ref.snap" "$tmp/db.snap" > "$tmp/diff" ||
        fail "trial $t (${mode[*]:-fresh}): results differ from a clean build: $(head -20 "$tmp/diff")"
done
[ "$killed" -ge $((trials / 2)) ] || fail "only $killed of $trials runs were still running when killed"
echo "ok: $trials trials, $killed killed mid-run, all recovered"
