#!/usr/bin/env bash
# quarry-query: the three output formats and the result options (limit,
# offset, passages per article), end to end on the sample corpus.
. "$QUARRY_TEST_LIB"

"$QUARRY_INDEX" --db "$tmp/db" "$CORPUS" >/dev/null 2>&1 ||
    [ $? -eq 1 ] || fail "indexing the corpus"
Q() { run "$QUARRY_QUERY" --db "$tmp/db" "$@"; }
count() { wc -l <"$tmp/out" | tr -d ' '; }

# --- JSON Lines, field by field -----------------------------------------------
Q --json -n 5 joint cyber unit
expect_rc 0 "--json"
[ -s "$tmp/err" ] && fail "--json wrote to stderr: $(cat "$tmp/err")"
[ "$(count)" -ge 2 ] || fail "--json: only $(count) results"
n=0
while IFS= read -r line; do
    n=$((n + 1))
    printf '%s\n' "$line" >"$tmp/one.json"
    jq -e . "$tmp/one.json" >/dev/null || fail "line $n is not JSON: $line"
    # every field, with its type
    jq -e '(.rank|type) == "number" and (.score|type) == "number" and
        (.article_id|type) == "string" and (.title|type) == "string" and
        (.source|type) == "string" and
        ((.url|type) == "string" or .url == null) and
        ((.date|type) == "string" or .date == null) and
        ((.author|type) == "string" or .author == null) and
        (.passage|type) == "number" and (.passages|type) == "number" and
        (.start|type) == "number" and (.end|type) == "number" and
        (.text|type) == "string" and (.snippet|type) == "string" and
        (.highlights|type) == "array"' "$tmp/one.json" >/dev/null ||
        fail "line $n: fields or types: $line"
    [ "$(json_get "$tmp/one.json" .rank)" = "$n" ] || fail "line $n: rank"
    jq -e '.score > 0 and .passage >= 1 and .passage <= .passages and
        .start < .end and (.date == null or (.date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")))' \
        "$tmp/one.json" >/dev/null || fail "line $n: values: $line"
    # the stored text is the passage's bytes: end - start of them
    [ "$(jq -j .text "$tmp/one.json" | wc -c)" -eq \
      "$(jq '.end - .start' "$tmp/one.json")" ] || fail "line $n: text length"
    # highlights are byte ranges of text holding the query's words
    jq -j .text "$tmp/one.json" >"$tmp/text"
    jq -r '.highlights[] | "\(.[0]) \(.[1])"' "$tmp/one.json" |
    while read -r s e; do
        w=$(dd if="$tmp/text" bs=1 skip="$s" count=$((e - s)) 2>/dev/null |
            tr 'A-Z' 'a-z')
        case $w in
        joint | cyber | unit | units | united) ;;  # "united" stems to "unit"
        *) fail "line $n: highlight [$s,$e) is '$w'" ;;
        esac
    done
    jq -e '(.highlights | length) > 0' "$tmp/one.json" >/dev/null ||
        fail "line $n: no highlights"
    jq -r .snippet "$tmp/one.json" | grep -qiE '\*\*(joint|cyber|units?|united)\*\*' ||
        fail "line $n: snippet without marks: $(jq -r .snippet "$tmp/one.json")"
done <"$tmp/out"
# the seed article: its id, title and source
head -n 1 "$tmp/out" >"$tmp/first.json"
case $(json_get "$tmp/first.json" .article_id) in
*/corpus/joint-cyber-unit.txt) ;;
*) fail "first article_id: $(json_get "$tmp/first.json" .article_id)" ;;
esac
[ "$(json_get "$tmp/first.json" .title)" = \
  "President Trump Changes Course On Joint “Cyber Security Unit” With Russia" ] ||
    fail "first title: $(json_get "$tmp/first.json" .title)"
[ "$(json_get "$tmp/first.json" .source)" = \
  "$(json_get "$tmp/first.json" .article_id)" ] || fail "first source"

# --- text ----------------------------------------------------------------------
# wide enough that the id line does not wrap, however long the path of
# the checkout (and so of the article ids) is
COLUMNS=250 Q joint cyber unit
expect_rc 0 "text"
head -n 1 "$tmp/out" | grep -qE '^(About )?[0-9]+ articles(; showing 1-[0-9]+)?$' ||
    fail "text: first line (the count): $(head -n 1 "$tmp/out")"
sed -n 3p "$tmp/out" | grep -q '^1\. President Trump Changes Course' ||
    fail "text: title line: $(sed -n 3p "$tmp/out")"
# the source line, and the line it may wrap onto (the article id is the
# corpus's absolute path, as long as the checkout's)
src=$(sed -n '4,5p' "$tmp/out" | tr '\n' ' ')
printf '%s\n' "$src" | grep -qE 'joint-cyber-unit\.txt, .*passage +[0-9]+/[0-9]+, +score +[0-9.]+' ||
    fail "text: source line: $src"
grep -q '^2\. ' "$tmp/out" || fail "text: no second result"
grep -q "$(printf '\033')" "$tmp/out" && fail "colour codes in piped output"
Q --color=always joint cyber unit
expect_rc 0 "--color=always"
grep -q "$(printf '\033')\[1;31mCyber" "$tmp/out" || fail "--color=always: no highlight"
Q --color=never joint cyber unit
grep -q "$(printf '\033')" "$tmp/out" && fail "--color=never printed colour"
NO_COLOR=1 run "$QUARRY_QUERY" --db "$tmp/db" --color=auto joint cyber unit
grep -q "$(printf '\033')" "$tmp/out" && fail "NO_COLOR ignored"
# piped, the excerpts are wrapped at 80 columns (characters, not bytes)
Q --color=never joint cyber unit
excerpt=$(sed -n '5,/^$/p' "$tmp/out")
[ "$(printf '%s\n' "$excerpt" | wc -l)" -ge 2 ] || fail "excerpt not wrapped: $excerpt"
LC_ALL=C.UTF-8 bash -c 'while IFS= read -r l; do [ ${#l} -le 80 ] || exit 1; done' \
        <<<"$excerpt" || fail "an excerpt line over 80 columns: $excerpt"

# --- TREC -----------------------------------------------------------------------
Q --trec -n 5 joint cyber unit
expect_rc 0 "--trec"
awk 'NF != 6 || $1 != "1" || $2 != "Q0" || $4 != NR || $6 != "quarry" { bad = 1 }
     END { exit bad }' "$tmp/out" || fail "--trec lines: $(cat "$tmp/out")"
head -n 1 "$tmp/out" | grep -q 'joint-cyber-unit.txt 1 ' || fail "--trec docid"
Q --trec --qid 42 --run-tag myrun --all-passages -n 3 joint cyber unit
awk '$1 != "42" || $6 != "myrun" || $3 !~ /#[0-9]+$/ { bad = 1 } END { exit bad }' \
    "$tmp/out" || fail "--trec with --qid, --run-tag, passages: $(cat "$tmp/out")"

# --- limit, offset, per article ----------------------------------------------------
Q --trec -n 100 cyber
all=$(count)
[ "$all" -ge 4 ] || fail "cyber: only $all articles"
cut -d' ' -f3 "$tmp/out" | sort | uniq -d | grep -q . && fail "an article twice by default"
cp "$tmp/out" "$tmp/all"
Q --trec -n 2 cyber
[ "$(count)" -eq 2 ] || fail "-n 2 gave $(count)"
Q --trec --limit 1 --offset 2 cyber
[ "$(cut -d' ' -f3,4 "$tmp/out")" = "$(sed -n 3p "$tmp/all" | cut -d' ' -f3,4)" ] ||
    fail "--offset 2: $(cat "$tmp/out")"
Q --trec --offset "$all" cyber
expect_rc 1 "--offset past the end"
Q --trec -n 100 --per-article 2 cyber
per2=$(count)
[ "$per2" -gt "$all" ] || fail "--per-article 2: $per2 results, not more than $all"
sed 's/#[0-9]*//' "$tmp/out" | cut -d' ' -f3 | sort | uniq -c |
    awk '$1 > 2 { bad = 1 } END { exit bad }' || fail "more than 2 passages of an article"
Q --trec -n 1000 --all-passages cyber
[ "$(count)" -gt "$per2" ] || fail "--all-passages: $(count) results"
Q --json -n 1000 --all-passages cyber
jq -r '"\(.article_id)#\(.passage)"' "$tmp/out" | sort | uniq -d | grep -q . &&
    fail "a passage twice with --all-passages"

# results alone on stdout; diagnostics on stderr
Q joint cyber unit
[ -s "$tmp/err" ] && fail "a plain query wrote to stderr: $(cat "$tmp/err")"
Q -v joint cyber unit
grep -q "query:" "$tmp/err" || fail "-v does not show the query"

# "(+N more passages)" counts each other matching passage once, also when
# the article has more of them than the search keeps as spares (xapian-core
# gives each passage it keeps the article's whole collapse count)
mkdir -p "$tmp/long"
for k in $(seq 24); do
    printf 'Paragraph %s tells how the keeper of the lighthouse trimmed the lantern wick at dusk. ' "$k"
    printf 'Then he climbed the stairs again to polish the great lens until the beam swept far across the dark water of the bay. '
    printf 'Ships that passed the headland that night saw the light turn slowly, and their captains wrote its timing in their logs before the tide turned.\n\n'
done >"$tmp/long/keeper.txt"
run "$QUARRY_INDEX" --db "$tmp/long.db" "$tmp/long"
expect_rc 0 "indexing a 24-paragraph article"
run "$QUARRY_QUERY" --db "$tmp/long.db" --json -a -n 100 lantern
n=$(count)
[ "$n" -ge 8 ] || fail "the article is only $n passages"
run "$QUARRY_QUERY" --db "$tmp/long.db" --color never lantern
grep -q "(+$((n - 1)) more passages)" "$tmp/out" ||
    fail "not +$((n - 1)) more passages: $(grep more "$tmp/out")"

# --help describes every option
run "$QUARRY_QUERY" --help
expect_rc 0 "--help"
for opt in --db --limit --offset --per-article --all-passages --plain --color \
           --json --trec --qid --run-tag --verbose --queries --passages --depth \
           --run --qrels --per-query --bm25-k1 --bm25-b --help --version \
           "Exit status" "Query syntax"; do
    grep -q -- "$opt" "$tmp/out" || fail "--help does not mention $opt"
done
echo ok
