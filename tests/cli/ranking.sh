#!/usr/bin/env bash
# The ranking features of quarry-query on corpus/ (issue 4): compound
# words found in both directions, spelling suggestions, --explain whose
# parts add up, and queries in capitals ranked as in lower case.
. "$QUARRY_TEST_LIB"
run "$QUARRY_INDEX" --db "$tmp/db" "$CORPUS"
[ "$rc" -le 1 ] || fail "indexing corpus/ failed ($rc)"
Q() { run "$QUARRY_QUERY" --db "$tmp/db" "$@"; }

# --- compounds: joined and split forms from the index's vocabulary --------
# "cybersecurity" finds passages that only write "cyber security" or
# "cyber-security", and only thanks to the compound forms
only_split='select((.text | test("cyber[- ]security"; "i")) and
                   (.text | test("cybersecurity"; "i") | not)) | .article_id'
Q --no-feedback -a -n 100 --json cybersecurity
expect_rc 0 "cybersecurity"
[ -n "$(jq -r "$only_split" "$tmp/out")" ] ||
    fail "'cybersecurity' did not find the passages that write 'cyber security'"
Q --no-feedback --no-compounds -a -n 100 --json cybersecurity
[ -z "$(jq -r "$only_split" "$tmp/out")" ] ||
    fail "--no-compounds still finds 'cyber security' for 'cybersecurity'"

# "cyber security" and "cyber-security" search the joined word too: the
# article that only writes "cybersecurity" (harlow-mutual-breach) rises
# above one that only has "security" (opcw-inquiries)
# (file article ids are paths: match the end)
rank_of() {
    awk -v id="$1" '$3 == id || substr($3, length($3) - length(id)) == "/" id {
        print $4 }' "$tmp/out"
}
for q in "cyber security" "cyber-security"; do
    Q --no-feedback -v -n 50 --trec "$q"
    grep -q "cybersecur" "$tmp/err" || fail "'$q' does not search 'cybersecurity'"
    with=$(rank_of harlow-mutual-breach) other=$(rank_of opcw-inquiries.md)
    [ -n "$with" ] && [ -n "$other" ] && [ "$with" -lt "$other" ] ||
        fail "'$q': the 'cybersecurity' article ranks $with, below $other"
    Q --no-feedback --no-compounds -n 50 --trec "$q"
    without=$(rank_of harlow-mutual-breach)
    [ -n "$without" ] && [ "$without" -gt "$with" ] ||
        fail "'$q' --no-compounds: the compound form made no difference"
done

# --- spelling ------------------------------------------------------------
Q -n 3 "cybr securty unit"
expect_rc 0 "a misspelt query"
grep -q 'did you mean "cyber security unit"' "$tmp/err" ||
    fail "no suggestion for 'cybr securty unit': $(cat "$tmp/err")"
Q -n 3 --json "cybr securty unit"
[ "$(jq -r .suggestion "$tmp/out" | sort -u)" = "cyber security unit" ] ||
    fail "JSON suggestion: $(jq -r .suggestion "$tmp/out")"
Q -n 3 --no-spelling --json "cybr securty unit"
! grep -q "did you mean" "$tmp/err" || fail "--no-spelling still suggests"
[ "$(jq -r .suggestion "$tmp/out" | sort -u)" = null ] ||
    fail "--no-spelling still has a JSON suggestion"
Q -n 3 --json "joint cyber unit"
[ "$(jq -r .suggestion "$tmp/out" | sort -u)" = null ] ||
    fail "a suggestion for a correctly spelt query"
! grep -q "did you mean" "$tmp/err" || fail "'did you mean' for a correct query"
# nothing found as typed: the suggestion's results are shown, and said so
Q -n 3 --json "securtyxx cybr"
expect_rc 0 "a misspelt query with no results"
[ "$(jq -r .suggestion "$tmp/out" | sort -u)" = "securtyxx cyber" ] ||
    fail "no JSON suggestion: $(cat "$tmp/out")"
[ "$(jq -r .corrected "$tmp/out" | sort -u)" = true ] ||
    fail "the suggestion's results are not marked corrected: $(cat "$tmp/out")"
Q -n 3 "securtyxx cybr"
grep -q 'showing results for "securtyxx cyber"' "$tmp/err" ||
    fail "no 'showing results for' line: $(cat "$tmp/err")"
# --no-spelling: as typed, nothing
Q -n 3 --json --no-spelling "securtyxx cybr"
expect_rc 1 "a misspelt query with no results and --no-spelling"
# nothing found and nothing better to suggest: a script still gets what
# there is
Q -n 3 --json "securtyxx"
expect_rc 1 "a word the index does not have, nothing near it"

# a correction must be common enough: a word the archive has once (its own
# typo) is never suggested, one it has in three passages is
mkdir -p "$tmp/typo"
printf 'Notes\n\nThe anove was a typo in the minutes.\n' > "$tmp/typo/a.txt"
for k in 1 2 3; do
    printf 'Harbour %s\n\nThe harbour wall was repaired again.\n' "$k" > "$tmp/typo/h$k.txt"
done
run "$QUARRY_INDEX" --db "$tmp/typo.db" "$tmp/typo"
Q2() { run "$QUARRY_QUERY" --db "$tmp/typo.db" "$@"; }
Q2 --json anyone
! grep -q "did you mean" "$tmp/err" || fail "a word found once was suggested: $(cat "$tmp/err")"
Q2 --json harbor
grep -q 'did you mean "harbour"' "$tmp/err" || fail "no suggestion from three passages: $(cat "$tmp/err")"

# --- --explain: the parts add up to the score ----------------------------
Q -n 5 --json --explain "joint cyber unit"
expect_rc 0 "--explain --json"
jq -e -s 'length > 0 and all(.[];
    (.explain.score == .score) and
    (([.explain.parts[].weight] | add) - .score | fabs) <= 1e-4 * .score)' \
    "$tmp/out" >/dev/null || fail "explain parts do not add up: $(cat "$tmp/out")"
for kind in term phrase proximity feedback; do
    jq -e -s --arg k "$kind" 'any(.[].explain.parts[]; .kind == $k)' \
        "$tmp/out" >/dev/null || fail "--explain shows no $kind part"
done
# feedback rescores the first pass with Xapian's own BM25: for plain words
# nothing is left over for "query structure"
jq -e -s 'all(.[].explain.parts[]; .kind != "other")' "$tmp/out" >/dev/null ||
    fail "feedback's BM25 differs from xapian-core's: $(cat "$tmp/out")"
jq -r '"\(.article_id) \(.passage) \(.score)"' "$tmp/out" >"$tmp/explained"
Q -n 5 --json "joint cyber unit"
jq -r '"\(.article_id) \(.passage) \(.score)"' "$tmp/out" >"$tmp/plain"
cmp -s "$tmp/explained" "$tmp/plain" || fail "--explain changes the results"
Q -n 5 --json --explain --no-feedback --no-proximity "joint cyber unit"
jq -e -s 'all(.[].explain.parts[]; .kind != "feedback" and .kind != "proximity")' \
    "$tmp/out" >/dev/null || fail "switched-off techniques still in --explain"
Q -n 2 --explain "joint cyber unit"
grep -q "joint (BM25)" "$tmp/out" || fail "text --explain lacks the term parts"
grep -q "feedback:" "$tmp/out" || fail "text --explain lacks the feedback"

# --- capitals rank exactly as lower case ----------------------------------
for q in "joint cyber unit" "what are the effects of cyber attacks on hospitals"; do
    Q -n 20 --trec "$q"
    cp "$tmp/out" "$tmp/lower"
    Q -n 20 --trec "$(printf '%s' "$q" | tr a-z A-Z)"
    cmp -s "$tmp/lower" "$tmp/out" || fail "'$q' in capitals ranks differently"
done
echo ok
