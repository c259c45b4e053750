#!/usr/bin/env bash
# Index corpus/ end to end and query the seed article's subject.
. "$QUARRY_TEST_LIB"

run "$QUARRY_INDEX" --db "$tmp/db" --json "$CORPUS"
expect_rc 0 "indexing corpus/"
[ "$(json_get "$tmp/out" .skipped)" = 0 ] || fail "sources skipped: $(cat "$tmp/out")"
nfiles=$(find "$CORPUS" -type f ! -name '.*' | wc -l)
[ "$(json_get "$tmp/out" .added)" = "$nfiles" ] || fail "expected $nfiles sources added: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .passages)" -gt "$nfiles" ] || fail "too few passages"
# the tar and jsonl sources hold several articles each
[ "$(json_get "$tmp/out" .articles)" -gt "$nfiles" ] || fail "archive members / JSON lines not read as articles"

# "joint cyber unit": the best passage is the seed's paragraph on the unit
run "$QUARRY_QUERY" --db "$tmp/db" --json joint cyber unit
expect_rc 0 "query"
head -n 1 "$tmp/out" > "$tmp/first.json"
id=$(json_get "$tmp/first.json" .article_id)
case "$id" in
    *joint-cyber-unit.txt) ;;
    *) fail "first result is $id, not the seed article" ;;
esac
text=$(json_get "$tmp/first.json" .text)
case "$text" in
    *"July 9"*|*"Mnuchin"*) ;;
    *) fail "first passage is not the one about the unit: $text" ;;
esac

# text output, piped: no terminal escapes
run "$QUARRY_QUERY" --db "$tmp/db" joint cyber unit
expect_rc 0 "text query"
grep -q "joint-cyber-unit.txt" "$tmp/out" || fail "text output lacks the source"
if grep -q $'\033' "$tmp/out"; then fail "escape codes in piped output"; fi
echo "ok"
