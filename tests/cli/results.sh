#!/usr/bin/env bash
# Results people can read and sort (issue 14): a count first, articles
# counted by -n and their passages grouped under them, scores that do not
# depend on display options, sorting by date, duplicates folded, "more like
# this", and --quiet. On a small JSON Lines archive made here.
. "$QUARRY_TEST_LIB"

# para MARKER SENTENCE: a paragraph of ~200 ordinary words around SENTENCE
para() {
    local i
    for i in $(seq 8); do
        printf 'The %s report %d went over the usual figures of the week, and the board heard what each member had to say about the plans for the next season. ' "$1" "$i"
    done
    printf '%s' "$2"
}
# art ID TITLE DATE TEXT: one JSON Lines article (DATE "" for none)
art() {
    jq -cn --arg id "$1" --arg t "$2" --arg d "$3" --arg x "$4" \
        '{id: $id, title: $t, text: $x} + (if $d == "" then {} else {date: $d} end)'
}
{
    art harbour-1 "Harbour dredging starts" 2019-03-01 \
        "$(para alpha 'Dredgers began work on the harbour channel at dawn.')

$(para beta 'The lighthouse keeper watched the dredgers from the lantern room.')

$(para gamma 'The harbour master said the channel would be deeper by summer.')"
    art harbour-2 "Harbour reopens" 2021-06-15 \
        "$(para delta 'The harbour reopened to ships after the dredging.')"
    art harbour-3 "Lighthouse repainted" 2020-01-10 \
        "$(para epsilon 'Painters finished the lighthouse near the harbour.')"
    art harbour-4 "Harbour history" "" \
        "$(para zeta 'A book tells the history of the harbour and its ships.')"
    # the same story filed twice, with other spacing and capitals
    art ferry-a "Ferry strike ends" 2022-02-02 \
        "$(para eta 'The ferry crews voted to end the strike at the harbour.')"
    art ferry-b "Ferry  strike ENDS" 2022-02-03 \
        "$(para eta 'The ferry crews voted to end the strike at the   harbour.')"
    art tide-1 "Spring tides" 2018-04-04 \
        "$(para theta 'Spring tides flooded the quay twice this week.')"
} >"$tmp/archive.jsonl"
# from standard input, so that an article without a date of its own is
# not dated by its file's modification time
run "$QUARRY_INDEX" --db "$tmp/db" - <"$tmp/archive.jsonl"
expect_rc 0 "indexing the archive"
Q() { run "$QUARRY_QUERY" --db "$tmp/db" "$@"; }
ids() { jq -r .article_id "$tmp/out" | tr '\n' ' '; }

# --- the count, and -n counting articles --------------------------------------
Q --color=never harbour
expect_rc 0 "harbour"
[ "$(head -n 1 "$tmp/out")" = "5 articles" ] ||
    fail "count line: $(head -n 1 "$tmp/out")"
Q --color=never -n 2 --offset 1 harbour
[ "$(head -n 1 "$tmp/out")" = "5 articles; showing 2-3" ] ||
    fail "count line of a page: $(head -n 1 "$tmp/out")"
Q --json -n 2 -p 3 harbour
[ "$(jq -r .rank "$tmp/out" | sort -u | wc -l)" -eq 2 ] ||
    fail "-n 2 -p 3 gave $(jq -r .rank "$tmp/out" | sort -u | wc -l) articles"
jq -e 'select(.total != 5 or .total_exact != true)' "$tmp/out" >/dev/null &&
    fail "total in JSON: $(jq -c '[.total, .total_exact]' "$tmp/out" | head -n 1)"

# --- text that fits the terminal: 80 columns piped, COLUMNS when set ---------
fits() {   # WIDTH: every line of the last output within WIDTH characters
    LC_ALL=C.UTF-8 WIDTH=$1 bash -c \
        'while IFS= read -r l; do [ ${#l} -le $WIDTH ] || { echo "$l"; exit 1; }; done' \
        <"$tmp/out"
}
Q --color=never -n 3 -p 2 harbour ships
fits 80 || fail "a line over 80 columns"
COLUMNS=50 Q --color=never -n 3 harbour ships
fits 50 || fail "a line over COLUMNS=50"
[ "$(grep -c '^   ' "$tmp/out")" -ge 9 ] || fail "COLUMNS=50: $(cat "$tmp/out")"

# --- passages grouped under their article, in its order -----------------------
Q --json -n 1 -p 3 harbour dredgers lighthouse
[ "$(jq -r .article_id "$tmp/out" | sort -u)" = harbour-1 ] || fail "-p 3: $(ids)"
[ "$(jq -r .passage "$tmp/out" | tr '\n' ' ')" = "1 2 3 " ] ||
    fail "passages not in article order: $(jq -r .passage "$tmp/out" | tr '\n' ' ')"
Q --color=never -n 1 -p 3 harbour dredgers lighthouse
[ "$(grep -c '^   passage [0-9]/3, score ' "$tmp/out")" -eq 3 ] ||
    fail "grouped text: $(cat "$tmp/out")"
[ "$(grep -c '^1\. ' "$tmp/out")" -eq 1 ] || fail "the title twice: $(cat "$tmp/out")"

# --- a passage's score does not depend on display options ---------------------
# every passage shown has the score it has in the default listing, or with
# -p 3 when the default does not show it
Q --json -n 50 -p 3 harbour lighthouse
jq -r '"\(.article_id)#\(.passage) \(.score)"' "$tmp/out" | sort >"$tmp/base"
[ "$(wc -l <"$tmp/base")" -ge 6 ] || fail "base listing: $(cat "$tmp/base")"
for opts in "" "-p 2" "-n 1" "-n 2 --offset 1" "-n 3 -p 3" "--explain"; do
    # shellcheck disable=SC2086
    Q --json $opts harbour lighthouse
    jq -r '"\(.article_id)#\(.passage) \(.score)"' "$tmp/out" | sort >"$tmp/got"
    [ -s "$tmp/got" ] || fail "nothing with '$opts'"
    comm -23 "$tmp/got" "$tmp/base" | grep . &&
        fail "scores with '$opts' differ from the listing: $(cat "$tmp/got")"
done

# --- sorting by date ----------------------------------------------------------
Q --json --sort date harbour
# (of two duplicates, the one first in the order stands for both)
[ "$(ids)" = "ferry-b harbour-2 harbour-3 harbour-1 harbour-4 " ] ||
    fail "--sort date: $(ids)"
Q --json -s -date harbour
[ "$(ids)" = "harbour-1 harbour-3 harbour-2 ferry-a harbour-4 " ] ||
    fail "--sort -date (undated last): $(ids)"
Q --json --sort date -n 2 --offset 1 harbour
[ "$(ids)" = "harbour-2 harbour-3 " ] || fail "--sort date, page 2: $(ids)"
# by date, a result's score is the same whatever the order and the page
Q --json --sort date harbour
jq -r '"\(.article_id) \(.score)"' "$tmp/out" | sort >"$tmp/newest"
Q --json --sort -date -n 2 --offset 1 harbour
jq -r '"\(.article_id) \(.score)"' "$tmp/out" | sort >"$tmp/page"
[ "$(wc -l <"$tmp/page")" -eq 2 ] || fail "--sort -date page: $(cat "$tmp/page")"
comm -23 "$tmp/page" "$tmp/newest" | grep . &&
    fail "scores by date change with the order or the page"
Q --json --sort date 'harbour date:2019..2020'
[ "$(ids)" = "harbour-3 harbour-1 " ] || fail "--sort date with a filter: $(ids)"
Q --json --sort relevance harbour
[ "$(jq -r .rank "$tmp/out" | tr '\n' ' ')" = "1 2 3 4 5 " ] ||
    fail "--sort relevance"
Q --sort newest harbour
expect_rc 2 "--sort newest"
grep -q "expected relevance, date" "$tmp/err" || fail "--sort message: $(cat "$tmp/err")"
Q --sort date -a harbour
expect_rc 2 "--sort date with --all-passages"

# --- duplicates ---------------------------------------------------------------
Q --json ferry strike
[ "$(ids)" = "ferry-a " ] || fail "duplicates not folded: $(ids)"
[ "$(jq -c '[.duplicate_count, .duplicates]' "$tmp/out")" = '[1,["ferry-b"]]' ] ||
    fail "duplicate ids: $(jq -c '[.duplicate_count, .duplicates]' "$tmp/out")"
Q --color=never ferry strike
grep -q 'score [0-9.]* (+1 duplicate)$' "$tmp/out" ||
    fail "no (+1 duplicate): $(cat "$tmp/out")"
Q --json --duplicates ferry strike
[ "$(ids)" = "ferry-a ferry-b " ] || fail "--duplicates: $(ids)"
# a filter that only one of them passes shows that one, alone
Q --json 'ferry date:2022-02-03'
[ "$(ids)" = "ferry-b " ] || fail "a duplicate through a filter: $(ids)"
[ "$(jq -r .duplicate_count "$tmp/out")" = 0 ] || fail "ferry-b counts a duplicate the filter left out"

# --- more like this -----------------------------------------------------------
Q --json --like harbour-1
expect_rc 0 "--like harbour-1"
case " $(ids)" in *" harbour-1 "*) fail "--like shows the article itself" ;; esac
[ "$(jq -r .article_id "$tmp/out" | head -n 1)" != tide-1 ] || fail "--like: $(ids)"
jq -r .article_id "$tmp/out" | grep -q '^harbour-' || fail "--like found no harbour article: $(ids)"
Q --json --like ferry-a
case " $(ids)" in *" ferry-b "*|*" ferry-a "*) fail "--like shows the article or its duplicate: $(ids)" ;; esac
Q --json --like harbour-1 'date:2020..2021'
[ "$(jq -r .article_id "$tmp/out" | sort | tr '\n' ' ')" = "harbour-2 harbour-3 " ] ||
    fail "--like with a filter: $(ids)"
Q --like no-such-article
expect_rc 2 "--like an unknown id"
grep -q "no article 'no-such-article'" "$tmp/err" || fail "--like message: $(cat "$tmp/err")"
Q --like harbour-1 -a
expect_rc 2 "--like with --all-passages"

# --- quiet, and --queries without -q ------------------------------------------
Q -q harbour
expect_rc 0 "-q with results"
[ -s "$tmp/out" ] && fail "-q printed: $(cat "$tmp/out")"
[ -s "$tmp/err" ] && fail "-q printed on stderr: $(cat "$tmp/err")"
Q --quiet zzzqqq
expect_rc 1 "-q without results"
[ -s "$tmp/out" ] || [ -s "$tmp/err" ] && fail "-q printed for no results"
printf '1\tharbour\n' >"$tmp/q.tsv"
Q --queries "$tmp/q.tsv" --depth 3
expect_rc 0 "--queries"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "--queries run: $(cat "$tmp/out")"
Q -q "$tmp/q.tsv"
expect_rc 1 "-q is --quiet now: FILE is searched as a word"
echo ok
