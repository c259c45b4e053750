#!/usr/bin/env bash
# quarry-query: the query syntax, its fallbacks on bad input, and every exit
# code of the tool, end to end on the sample corpus.
. "$QUARRY_TEST_LIB"

"$QUARRY_INDEX" --db "$tmp/db" "$CORPUS" >/dev/null 2>&1 ||
    [ $? -eq 1 ] || fail "indexing the corpus"
Q() { run "$QUARRY_QUERY" --db "$tmp/db" "$@"; }
# first_id: the article id of the first result of the last run (--json)
first_id() { head -n 1 "$tmp/out" | jq -r .article_id; }

# --- the seed article answers its own subject --------------------------------
Q --json joint cyber unit
expect_rc 0 "joint cyber unit"
case $(first_id) in
*joint-cyber-unit.txt) ;;
*) fail "joint cyber unit: first result is $(first_id)" ;;
esac
# the passage ranked first speaks of the unit itself: the July 9 tweet or
# Mnuchin's statement
head -n 1 "$tmp/out" | jq -r .text >"$tmp/first.txt"
grep -q -e "impenetrable Cyber Security unit" -e "cyber unit to make sure" \
    "$tmp/first.txt" || fail "joint cyber unit: first passage: $(cat "$tmp/first.txt")"
# capitals change nothing (every word is stemmed)
head -n 1 "$tmp/out" >"$tmp/lower.json"
Q --json JOINT Cyber UNITS
expect_rc 0 "capitalised query"
[ "$(head -n 1 "$tmp/out" | jq -r '.article_id, .passage')" = \
  "$(jq -r '.article_id, .passage' "$tmp/lower.json")" ] ||
    fail "capitalised query ranks differently"

# a query in capitals is read in lower case, but its acronyms stay the one
# word the indexer made of them: "U.S" is "us", not the letters u and s
mkdir -p "$tmp/acr"
printf 'MONEY FOR SCHOOLS\n\nTHE U.S . WILL SEND NO FURTHER AID TO THE REGIME.\n' \
    >"$tmp/acr/acronym.txt"
printf 'GRADES\n\nGRADE U, GRADE S, GRADE U AGAIN AND GRADE S: THE AID OF A\nTEACHER.\n' \
    >"$tmp/acr/letters.txt"
"$QUARRY_INDEX" --db "$tmp/acr.db" "$tmp/acr" >/dev/null 2>&1 ||
    fail "indexing the acronym corpus"
for q in "FURTHER U.S . AID" "FURTHER U.S. AID" "further U.S. aid"; do
    run "$QUARRY_QUERY" --db "$tmp/acr.db" --json -- "$q"
    expect_rc 0 "$q"
    case $(first_id) in
    *acronym.txt) ;;
    *) fail "$q: first result is $(first_id), not the article with U.S" ;;
    esac
done

# --- syntax ------------------------------------------------------------------
Q --json '"joint cybersecurity unit"'
expect_rc 0 "phrase"
case $(first_id) in *joint-cyber-unit.txt) ;; *) fail "phrase: $(first_id)" ;; esac
Q --json '"unit joint cybersecurity"'
expect_rc 1 "phrase in the wrong order"
# the index keeps no positions: phrases and NEAR are checked on the text,
# within the query's structure, and on the field a prefix names
ls "$tmp"/db/v*/position.glass >/dev/null 2>&1 && fail "the index has positions"
Q --json '"unit joint cybersecurity" OR zzzz'
expect_rc 1 "a wrong-order phrase OR a missing word"
Q --json -- '"joint cybersecurity unit" -russia'
expect_rc 1 "a phrase AND NOT a word of its passage"
Q --json 'title:"cyber security unit"'
expect_rc 0 "a title phrase"
case $(first_id) in *joint-cyber-unit.txt) ;; *) fail "title phrase: $(first_id)" ;; esac
Q --json 'title:"unit security cyber"'
expect_rc 1 "a title phrase in the wrong order"
Q --json 'cybersecurity NEAR/1 joint'
expect_rc 0 "NEAR in either order"
Q --json 'unit NEAR/1 joint'
expect_rc 1 "NEAR beyond its window"

Q --json --all-passages -n 100 -- cyber -russia
expect_rc 0 "NOT via -"
grep -q "joint-cyber-unit" "$tmp/out" && fail "-russia kept the seed article"
Q --json --all-passages -n 100 'cyber NOT russia'
expect_rc 0 "NOT"
grep -q "joint-cyber-unit" "$tmp/out" && fail "NOT russia kept the seed article"
Q --json -n 100 'mnuchin AND tillerson'
expect_rc 0 "AND"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "AND: $(wc -l <"$tmp/out") results"
Q --json 'putin NEAR/3 discussed'
expect_rc 0 "NEAR"

Q --json title:regatta
expect_rc 0 "title:"
case $(first_id) in *river-regatta.md) ;; *) fail "title:regatta: $(first_id)" ;; esac
Q --json author:ellison
expect_rc 0 "author:"
case $(first_id) in *national-cyber-command.md) ;; *) fail "author: $(first_id)" ;; esac
Q --json source:regatta
expect_rc 0 "source:"
case $(first_id) in *river-regatta.md) ;; *) fail "source: $(first_id)" ;; esac

Q --json -n 100 'cyber date:2019'
expect_rc 0 "date:YYYY"
jq -r .date "$tmp/out" | grep -qv '^2019-' && fail "date:2019 let through $(jq -r .date "$tmp/out" | sort -u)"
for r in date:2019-01-01..2019-12-31 date:20190101..20191231 date:2019..2019 \
         date:2019-05 date:2019-05-02; do
    Q --json -n 100 "cyber $r"
    expect_rc 0 "$r"
    jq -r .date "$tmp/out" | grep -qv '^2019-' && fail "$r let through other dates"
done
Q --json 'cyber date:1990..1991'
expect_rc 1 "empty date range"

Q --json 'cyber*'
expect_rc 0 "wildcard"
Q --json 'title:regat*'
expect_rc 0 "wildcard in a field"
case $(first_id) in *river-regatta.md) ;; *) fail "title:regat*: $(first_id)" ;; esac

# --- fallbacks: never an error, and the note says what happened ---------------
Q 'cyber AND'
expect_rc 0 "lone operator"
grep -q "not understood" "$tmp/err" || fail "no note for 'cyber AND'"
Q -F 'cyber AND'
expect_rc 0 "--plain"
[ -s "$tmp/err" ] && fail "--plain printed: $(cat "$tmp/err")"
for q in '"joint cyber unit' 'joint cyber unit"' '((joint cyber' 'unit))' \
         'AND unit' 'unit OR' '+-unit' 'unit 10..20' 'x ... y' \
         'title:(' 'title:' 'date:' 'date:..' 'date:x..y' \
         'NEAR/3 unit' '“Joint Cyber Security Unit” — Trump’s tweet…' \
         '<p>joint&nbsp;cyber</p>' 'cy*' 'the' 'the of and' "$(printf 'unit\377\376')" \
         "$(printf '\303(unit')"; do
    Q -- "$q"
    [ "$rc" -le 1 ] || fail "query '$q': exit $rc: $(cat "$tmp/err")"
done
# a query of only stop words searches for them (they are indexed)
Q 'the of'
expect_rc 0 "stop words only"

# 10,000 words
seq -f 'w%g' 1 10000 | tr '\n' ' ' >"$tmp/long"
Q unit "$(cat "$tmp/long")"
expect_rc 0 "10,000-word query"
grep -q "more than 1024 words" "$tmp/err" || fail "no note for a 10,000-word query"

# --- exit codes ----------------------------------------------------------------
Q zzyzx-qwertyuiop
expect_rc 1 "no results"
grep -q "no results" "$tmp/err" || fail "no message for no results"
[ -s "$tmp/out" ] && fail "output with no results"

Q ''
expect_rc 2 "empty query"
Q '   '
expect_rc 2 "blank query"
for q in '!!! ...' 'NOT' '"' '()' 'AND OR' 'author:"'; do
    Q "$q"
    expect_rc 2 "query without words: $q"
    grep -q "no words" "$tmp/err" || fail "no message for query '$q'"
done
Q
expect_rc 2 "no query"
run "$QUARRY_QUERY" unit
expect_rc 2 "no --db"
grep -q "^quarry-query: .*--db" "$tmp/err" || fail "no message for missing --db"
grep -q -- "--help" "$tmp/err" || fail "usage error without a hint"
for bad in "-n 0" "-n -3" "-n 1x" "--limit=" "--offset -1" "--per-article 0" \
           "--color sometimes" "--bm25-k1 -1" "--bm25-b 2" "--bm25-b nan" \
           "--depth 5" "--qrels x" "--run x" "--per-query" "--json --trec" \
           "--all-passages --per-article 2" "--qid" "--run-tag a\ b" \
           "--no-such-option" "-Z"; do
    eval "set -- $bad"
    Q "$@" unit
    expect_rc 2 "bad arguments: $bad"
    grep -q "^quarry-query: " "$tmp/err" || fail "no message for: $bad"
done
Q --queries "$tmp/long" unit
expect_rc 2 "--queries and a query"

run "$QUARRY_QUERY" --db "$tmp/nothing-here" unit
expect_rc 3 "missing index"
grep -q "nothing-here" "$tmp/err" || fail "missing index not named"

mkdir "$tmp/broken"
printf 'garbage' >"$tmp/broken/iamglass"
run "$QUARRY_QUERY" --db "$tmp/broken" unit
expect_rc 4 "corrupt index"
grep -q "^quarry-query: " "$tmp/err" || fail "no message for a corrupt index"
printf 'not an index\n' >"$tmp/plainfile"
run "$QUARRY_QUERY" --db "$tmp/plainfile" unit
[ "$rc" -eq 3 ] || [ "$rc" -eq 4 ] || fail "a plain file as --db: exit $rc"

run "$QUARRY_QUERY" --help
expect_rc 0 "--help"
run "$QUARRY_QUERY" --version
expect_rc 0 "--version"
grep -q "quarry-query" "$tmp/out" || fail "--version output"
echo ok
