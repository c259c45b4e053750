#!/usr/bin/env bash
# Readers are never blocked or failed by a writer: queries run in a loop
# while the indexer runs incrementally, forced, and with --rebuild.
. "$QUARRY_TEST_LIB"
copy_corpus
db="$tmp/db"
run "$QUARRY_INDEX" --db "$db" "$tmp/corpus"
expect_rc 0 "first build"

# the query loop: every query must find the seed article (exit 0)
(
    n=0; bad=0
    while [ ! -e "$tmp/stop" ]; do
        if "$QUARRY_QUERY" --db "$db" --json joint cyber unit > "$tmp/q.out" 2> "$tmp/q.err"; then
            grep -q joint-cyber-unit "$tmp/q.out" || { bad=$((bad + 1)); cp "$tmp/q.out" "$tmp/bad.out"; }
        else
            bad=$((bad + 1)); cp "$tmp/q.err" "$tmp/bad.err"
        fi
        n=$((n + 1))
    done
    echo "$n $bad" > "$tmp/loop.result"
) &
loop=$!

for i in 1 2 3; do
    printf '\n\nAn added line %s.\n' "$i" >> "$tmp/corpus/river-regatta.md"
    run "$QUARRY_INDEX" --db "$db" "$tmp/corpus"
    expect_rc 0 "incremental run $i"
    run "$QUARRY_INDEX" --db "$db" --force --batch 3 "$tmp/corpus"
    expect_rc 0 "forced run $i"
    run "$QUARRY_INDEX" --db "$db" --rebuild "$tmp/corpus"
    expect_rc 0 "rebuild $i"
done
touch "$tmp/stop"
wait "$loop"
read -r n bad < "$tmp/loop.result"
[ -f "$tmp/bad.err" ] && cat "$tmp/bad.err" >&2
[ "$bad" = 0 ] || fail "$bad of $n queries failed while the index was written"
[ "$n" -ge 10 ] || fail "only $n queries ran"
echo "ok: $n queries, none failed"
