#!/usr/bin/env bash
# Incremental runs: nothing changed adds nothing; a modified, an added and a
# deleted file are reflected exactly.
. "$QUARRY_TEST_LIB"
copy_corpus
db="$tmp/db"

run "$QUARRY_INDEX" --db "$db" --json "$tmp/corpus"
expect_rc 0 "first run"
total=$(json_get "$tmp/out" .added)
passages=$(json_get "$tmp/out" .passages)

run "$QUARRY_INDEX" --db "$db" --json "$tmp/corpus"
expect_rc 0 "second run"
[ "$(json_get "$tmp/out" '[.added,.updated,.deleted,.passages] | add')" = 0 ] \
    || fail "unchanged rerun wrote something: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .unchanged)" = "$total" ] || fail "not all unchanged"
run "$QUARRY_INDEX" --db "$db" "$tmp/corpus"
grep -q "nothing to do" "$tmp/out" || fail "text summary does not say nothing changed: $(cat "$tmp/out")"

# touching a file without changing it is not a change
touch "$tmp/corpus/joint-cyber-unit.txt"
run "$QUARRY_INDEX" --db "$db" --json "$tmp/corpus"
[ "$(json_get "$tmp/out" .updated)" = 0 ] || fail "touch counted as an update"

# modify one, add one, delete one
printf '\n\nA zebracorn paragraph added for the test.\n' >> "$tmp/corpus/joint-cyber-unit.txt"
printf 'Quokka census\n\nThe quokka census counted many quokkas on the island.\n' > "$tmp/corpus/new-quokka.txt"
victim=$(cd "$tmp/corpus" && ls *.md | head -n 1)
word=$(grep -o '[A-Za-z]\{12,\}' "$tmp/corpus/$victim" | head -n 1)
rm "$tmp/corpus/$victim"
run "$QUARRY_INDEX" --db "$db" --json "$tmp/corpus"
expect_rc 0 "third run"
[ "$(json_get "$tmp/out" .added)" = 1 ] || fail "added != 1: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .updated)" = 1 ] || fail "updated != 1: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .deleted)" = 1 ] || fail "deleted != 1: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .unchanged)" = $((total - 2)) ] || fail "unchanged count wrong"

run "$QUARRY_QUERY" --db "$db" --json zebracorn
expect_rc 0 "modified file's new text is found"
[ "$(wc -l < "$tmp/out")" = 1 ] || fail "zebracorn found more than once"
run "$QUARRY_QUERY" --db "$db" --json quokka census
expect_rc 0 "added file is found"
json_get "$tmp/out" .article_id | grep -q new-quokka.txt || fail "quokka not from the new file"
run "$QUARRY_QUERY" --db "$db" --json --all-passages "title:$word OR $word"
if [ "$rc" -eq 0 ]; then
    if json_get "$tmp/out" .article_id | grep -q "$victim"; then
        fail "deleted file $victim still in the index"
    fi
fi
# the modified article has each passage once: no duplicates
run "$QUARRY_QUERY" --db "$db" --json --all-passages -n 1000 Mnuchin
json_get "$tmp/out" '"\(.article_id) \(.passage)"' | sort | uniq -d > "$tmp/dups"
[ ! -s "$tmp/dups" ] || fail "duplicate passages: $(cat "$tmp/dups")"

# a file given by a second, different path is the same source
run "$QUARRY_INDEX" --db "$db" --json "$tmp/corpus/../corpus/new-quokka.txt"
[ "$(json_get "$tmp/out" .unchanged)" = 1 ] || fail "same file by another path reindexed"
echo ok
