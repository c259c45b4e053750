#!/usr/bin/env bash
# quarry-index --shards N: the articles split over N shard databases behind
# one stub, searched as one index: the same passages, in the same order,
# with the same scores (1e-9 relative; ties may order differently, so each
# group of equal scores is compared as a set) as a single index. Incremental
# runs, vanished sources, --rebuild (resharding) and --check on shards.
. "$QUARRY_TEST_LIB"
copy_corpus
# xapian-core 1.4.22's Database::check() trips ASan's new-delete-type-
# mismatch inside libxapian (see tests/unit/test_xapian_c.c): off for
# --check alone.
check_asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}new_delete_type_mismatch=0
single="$tmp/single" sharded="$tmp/sharded"

run "$QUARRY_INDEX" --db "$single" "$tmp/corpus"
expect_rc 0 "single index"
run "$QUARRY_INDEX" --db "$sharded" --shards 2 "$tmp/corpus"
expect_rc 0 "sharded index"
v=$(head -1 "$sharded/XAPIANDB" | sed 's/^auto \(v[0-9]*\)\/s0$/\1/')
[ "$(cat "$sharded/XAPIANDB")" = "auto $v/s0
auto $v/s1" ] || fail "stub does not list two shards: $(cat "$sharded/XAPIANDB")"
for k in 0 1; do
    [ -f "$sharded/$v/s$k/iamglass" ] || fail "no shard s$k"
done

queries=("joint cyber unit" "chemical weapons inquiry" "election interference"
         "council library budget" "lentil soup" "interest rates" "\"cyber unit\""
         "title:regatta" "night sky" "the")

# ranked DB OUT: every passage of every query, as "query rank id score"
ranked() {
    : > "$2"
    for q in "${queries[@]}"; do
        run "$QUARRY_QUERY" --db "$1" --json --all-passages -n 100000 "$q"
        [ "$rc" -le 1 ] || fail "query '$q' on $1 exited $rc"
        jq -r --arg q "$q" '"\($q)\t\(.rank)\t\(.article_id)#\(.passage)\t\(.score)"' \
            "$tmp/out" >> "$2"
    done
}

# same A B: the two rankings agree (see the top of this file)
same() {
    ranked "$1" "$tmp/a.txt"
    ranked "$2" "$tmp/b.txt"
    [ "$(wc -l < "$tmp/a.txt")" -gt 20 ] || fail "too few results to compare"
    paste "$tmp/a.txt" "$tmp/b.txt" | awk -F'\t' '
        function rel(x, y) { d = x - y; if (d < 0) d = -d; m = x < 0 ? -x : x;
                             return m > 0 ? d / m : d }
        NF != 8 || $1 != $5 || $2 != $6 { print "row " NR ": " $0; bad = 1; exit }
        rel($4, $8) > 1e-9 { print "score differs, row " NR ": " $0; bad = 1; exit }
        END { exit bad }' || fail "$3: results differ between $1 and $2"
    # the passages in each group of equal scores are the same set
    for f in a b; do
        awk -F'\t' '{ printf "%s\t%.9e\t%s\n", $1, $4, $3 }' "$tmp/$f.txt" | sort > "$tmp/$f.sets"
    done
    diff -u "$tmp/a.sets" "$tmp/b.sets" > "$tmp/diff" ||
        fail "$3: passages differ: $(head -10 "$tmp/diff")"
}

ASAN_OPTIONS=$check_asan run "$QUARRY_INDEX" --db "$sharded" --check
expect_rc 0 "--check of the sharded index"
grep -q "0 faults, 0 notes" "$tmp/out" || fail "--check: $(cat "$tmp/out")"
same "$single" "$sharded" "first build"

# each shard holds whole articles, and both hold some
for k in 0 1; do
    n=$(xapian-delve "$sharded/$v/s$k" 2>/dev/null | awk -F' = ' '/number of documents/ { print $2 }')
    [ "${n:-0}" -gt 0 ] || fail "shard s$k is empty"
done

# an incremental run keeps the layout (no --shards needed) and sees changes
printf '\n\nThe quokka festival drew a record crowd.\n' >> "$tmp/corpus/river-regatta.md"
rm "$tmp/corpus/cafe-lentil-soup.html"
for db in "$single" "$sharded"; do
    run "$QUARRY_INDEX" --db "$db" --json "$tmp/corpus"
    expect_rc 0 "incremental run on $db"
    [ "$(json_get "$tmp/out" '"\(.updated) \(.deleted)"')" = "1 1" ] ||
        fail "incremental run on $db: $(cat "$tmp/out")"
done
[ "$(head -1 "$sharded/XAPIANDB")" = "auto $v/s0" ] || fail "an incremental run changed the stub"
run "$QUARRY_QUERY" --db "$sharded" --trec quokka
expect_rc 0 "the changed source is found"
grep -q river-regatta "$tmp/out" || fail "quokka not found in the sharded index"
run "$QUARRY_QUERY" --db "$sharded" lentil soup cafe
grep -q cafe-lentil-soup "$tmp/out" && fail "a deleted source is still found"
ASAN_OPTIONS=$check_asan run "$QUARRY_INDEX" --db "$sharded" --check
expect_rc 0 "--check after the incremental run"
same "$single" "$sharded" "after the incremental run"

# a second run has nothing to do
run "$QUARRY_INDEX" --db "$sharded" --json "$tmp/corpus"
expect_rc 0 "rerun"
[ "$(json_get "$tmp/out" '.added + .updated + .deleted')" = 0 ] || fail "rerun did work: $(cat "$tmp/out")"

# changing the number of shards needs --rebuild
run "$QUARRY_INDEX" --db "$sharded" --shards 3 "$tmp/corpus"
expect_rc 2 "--shards 3 on a two-shard index without --rebuild"
grep -q "rebuild" "$tmp/err" || fail "the message does not say --rebuild: $(cat "$tmp/err")"
run "$QUARRY_INDEX" --db "$sharded" --rebuild --shards 3 "$tmp/corpus"
expect_rc 0 "--rebuild --shards 3"
[ "$(wc -l < "$sharded/XAPIANDB")" = 3 ] || fail "stub after resharding: $(cat "$sharded/XAPIANDB")"
[ "$(ls "$sharded" | grep -c '^v')" = 1 ] || fail "old versions left: $(ls "$sharded")"
ASAN_OPTIONS=$check_asan run "$QUARRY_INDEX" --db "$sharded" --check
expect_rc 0 "--check after resharding"
same "$single" "$sharded" "three shards"

# --check finds a fault in one shard: a passage of an unknown source
v=$(head -1 "$sharded/XAPIANDB" | sed 's/^auto \(v[0-9]*\)\/s0$/\1/')
cp -R "$sharded" "$tmp/damaged"
printf 'id=x\nsource=XP/nowhere.txt\n' > "$tmp/stray.in"
printf 'id : boolean=Q unique=Q\nsource : boolean\n' > "$tmp/stray.script"
if command -v scriptindex >/dev/null; then
    scriptindex "$tmp/damaged/$v/s1" "$tmp/stray.script" "$tmp/stray.in" > /dev/null
    ASAN_OPTIONS=$check_asan run "$QUARRY_INDEX" --db "$tmp/damaged" --check
    expect_rc 4 "--check of a damaged shard"
    grep -q "nowhere.txt" "$tmp/out" || fail "--check does not name the stray source: $(cat "$tmp/out")"
fi

# back to one database
run "$QUARRY_INDEX" --db "$sharded" --rebuild --shards 1 "$tmp/corpus"
expect_rc 0 "--rebuild --shards 1"
[ "$(wc -l < "$sharded/XAPIANDB")" = 1 ] || fail "stub after unsharding: $(cat "$sharded/XAPIANDB")"
same "$single" "$sharded" "unsharded again"
echo "ok: sharded indexes rank as one"
