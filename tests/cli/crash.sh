#!/usr/bin/env bash
# kill -9 the indexer at random points of first builds, incremental,
# forced and rebuild runs, of single and sharded (--shards 2) indexes;
# after each: the index opens, --check passes, a rerun completes, and the
# final index answers a fixed set of queries exactly as a clean build.
# Then kills right after commits, to check that the rerun resumes rather
# than restarts: an interrupted first build and --rebuild are picked up
# (sources they finished are "unchanged"), an interrupted --force is
# finished (what it had not rewritten yet is "updated").
# CRASH_TRIALS (default 14) and CRASH_FILES (default 150) scale it; the
# long run is bench/crash.sh.
. "$QUARRY_TEST_LIB"
trials=${CRASH_TRIALS:-14}
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
    rerun=()                             # the next run: plain, or the same
    case $((t % 7)) in                   # --rebuild, which resumes it
        0) mode=(--rebuild) ;;           # dropped by the plain rerun
        1) mode=(--force) ;;
        2) rm -rf "$db"; mode=() ;;      # first build from nothing
        3) rm -rf "$db"; mode=(--shards 2) ;;   # a sharded first build
        4) mode=(--force) ;;             # shards committing one by one
        5) mode=(--rebuild --shards 2); rerun=("${mode[@]}") ;;
        6) mode=(--rebuild); rerun=("${mode[@]}") ;;
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
    run "$QUARRY_INDEX" --db "$db" "${rerun[@]}" "$src"
    expect_rc 0 "trial $t (${mode[*]:-fresh}): rerun after kill -9"
    ASAN_OPTIONS=$check_asan run "$QUARRY_INDEX" --db "$db" --check
    expect_rc 0 "trial $t: --check after the rerun"
    snapshot "$db" "$tmp/db.snap"
    diff -u "$tmp/ref.snap" "$tmp/db.snap" > "$tmp/diff" ||
        fail "trial $t (${mode[*]:-fresh}): results differ from a clean build: $(head -20 "$tmp/diff")"
done
[ "$killed" -ge $((trials / 2)) ] || fail "only $killed of $trials runs were still running when killed"

# --- killed right after commits: the next run resumes ---------------------------

# revision DIR: how many times the database at DIR has committed (glass's
# revision; 0 when created), empty if there is none yet.
revision() { xapian-delve "$1" 2>/dev/null | awk -F' = ' '/^revision/ { print $2 }'; }

# kill_after N DIR... -- CMD...: runs CMD in the background and kill -9s it
# once every database DIR has reached revision N. Returns 1 if CMD ended
# first (nothing to check then).
kill_after() {
    local n=$1 dirs=() d r ok pid
    shift
    while [ "$1" != -- ]; do dirs+=("$1"); shift; done
    shift
    "$@" >/dev/null 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        ok=1
        for d in "${dirs[@]}"; do
            r=$(revision "$d")
            if [ -z "$r" ] || [ "$r" -lt "$n" ]; then ok=0; break; fi
        done
        if [ "$ok" = 1 ] && kill -9 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            return 0
        fi
        sleep 0.02
    done
    wait "$pid" 2>/dev/null || true
    return 1
}

# next_build DB: the directory the next new version of DB is built in.
next_build() {
    local live
    live=$(sed -n 's|^auto \(v[0-9]*\).*|\1|p' "$1/XAPIANDB" | head -n 1)
    printf '%s/v%06d.build' "$1" $((10#${live#v} + 1))
}

# resumed WHAT RERUN...: after a kill, RERUN completes, reports something
# unchanged (the work committed before the kill was kept), and the index
# answers as a clean build.
resumed() {
    local what=$1
    shift
    run "$QUARRY_INDEX" --db "$rdb" --json "$@" "$src"
    expect_rc 0 "$what: the run after the kill"
    [ "$(json_get "$tmp/out" .unchanged)" -gt 0 ] ||
        fail "$what: restarted rather than resumed: $(cat "$tmp/out")"
    cp "$tmp/out" "$tmp/resumed.json"
    ASAN_OPTIONS=$check_asan run "$QUARRY_INDEX" --db "$rdb" --check
    expect_rc 0 "$what: --check after the resumed run"
    snapshot "$rdb" "$tmp/rdb.snap"
    diff -u "$tmp/ref.snap" "$tmp/rdb.snap" > "$tmp/diff" ||
        fail "$what: results differ from a clean build: $(head -20 "$tmp/diff")"
}

rdb="$tmp/resume"
resumes=0
# a first build (two parts), killed once both parts committed three times
rm -rf "$rdb"
if kill_after 3 "$rdb/v000002.build/p0" "$rdb/v000002.build/p1" -- \
        "$QUARRY_INDEX" --db "$rdb" --batch 1 -q "$src"; then
    [ -d "$rdb/v000002.build" ] || fail "the interrupted first build was not kept"
    resumed "a first build"
    resumes=$((resumes + 1))
fi
# a sharded first build
rm -rf "$rdb"
if kill_after 3 "$rdb/v000002.build/s0" "$rdb/v000002.build/s1" -- \
        "$QUARRY_INDEX" --db "$rdb" --shards 2 --batch 1 -q "$src"; then
    resumed "a sharded first build"
    resumes=$((resumes + 1))
fi
# a --rebuild, resumed by the next --rebuild (same shards, same language)
rm -rf "$rdb"
run "$QUARRY_INDEX" --db "$rdb" -q "$src"
b=$(next_build "$rdb")
if kill_after 3 "$b/p0" "$b/p1" -- \
        "$QUARRY_INDEX" --db "$rdb" --rebuild --batch 1 -q "$src"; then
    resumed "a --rebuild" --rebuild
    resumes=$((resumes + 1))
fi
# a --force, killed once its marker and two batches were committed: the
# next plain run finishes the forced pass (what it had not rewritten yet
# is updated), and the run after that finds nothing to do
live="$rdb/$(sed -n 's|^auto \(v[0-9]*\)$|\1|p' "$rdb/XAPIANDB")"
r0=$(revision "$live")
if kill_after $((r0 + 3)) "$live" -- \
        "$QUARRY_INDEX" --db "$rdb" --force --batch 1 -q "$src"; then
    resumed "a --force"
    [ "$(json_get "$tmp/resumed.json" .updated)" -gt 0 ] ||
        fail "the interrupted --force was not finished: $(cat "$tmp/resumed.json")"
    run "$QUARRY_INDEX" --db "$rdb" --json "$src"
    [ "$(json_get "$tmp/out" .updated)" = 0 ] ||
        fail "the forced pass was not over after the run that finished it: $(cat "$tmp/out")"
    resumes=$((resumes + 1))
fi
[ "$resumes" -ge 2 ] || fail "only $resumes of 4 runs could be killed after a commit"
echo "ok: $trials trials, $killed killed mid-run, all recovered; $resumes resumed"
