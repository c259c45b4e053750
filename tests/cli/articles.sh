#!/usr/bin/env bash
# Queries mean what users mean (issue 13): operators and filters decide
# which articles match, the passage shown is the article's best for the
# query's positive words; spelling from the words as written; wildcards
# and phrases shown as they are meant. On a small archive made here, whose
# articles run over several passages.
. "$QUARRY_TEST_LIB"

# filler WORD N: N sentences of ordinary words around WORD (a marker that
# keeps each paragraph distinct), enough for a paragraph of ~200 words
filler() {
    local i
    for i in $(seq "$2"); do
        printf 'The %s report %d went over the usual figures of the week, and the board heard what each member had to say about the plans for the next season. ' "$1" "$i"
    done
}
para() { filler "$1" 8; printf '%s\n\n' "$2"; }

a=$tmp/archive
mkdir -p "$a/sport" "$a/tech" "$a/politics"
{   printf 'Desailly backs Blues revenge trip\n\n'
    para alpha 'Rivaldo was the name on every fan lips after the draw in Lisbon.'
    para beta 'The coach said little about the second leg in London.'
    para gamma 'Roman Abramovich watched from the stands as the club stumbled.'
} >"$a/sport/desailly.txt"
{   printf 'Chelsea sack Mutu\n\n'
    para delta 'Chelsea have sacked their striker after a failed test.'
    para epsilon 'The club said the decision was final.'
} >"$a/sport/mutu.txt"
{   printf 'Chelsea owner speaks\n\n'
    para zeta 'Chelsea fans waited for news of the new stadium.'
    para eta 'Abramovich promised more money for young players.'
} >"$a/sport/owner.txt"
{   printf 'Football phone games\n\n'
    para theta 'A football game for phones sold well this month.'
    para iota 'Its maker is based near the Chelsea embankment in London.'
} >"$a/tech/phones.txt"
{   printf 'Henman wins again\n\n'
    para kappa 'Tim Henman won in three sets on a windy afternoon.'
} >"$a/sport/henman.txt"
{   printf 'Apple iPod family expands market\n\n'
    para lambda 'Apple launched a smaller music player this week.'
    para mu 'Sales of the player doubled over the holidays.'
    para nu 'Rivals of the iPod are cutting prices on their own players.'
} >"$a/tech/ipod.txt"
for k in 1 2 3 4; do
    {   printf 'Beckham and the government %d\n\n' "$k"
        para "omicron$k" "David Beckham met government officials about the bid; the government backed it."
    } >"$a/sport/beckham$k.txt"
done
{   printf 'Obituary: a governess remembered\n\n'
    para pi 'She worked as a governess in Bath for many years.'
} >"$a/politics/obituary.txt"
{   printf 'Blair sees greater Bush consensus\n\n'
    para rho 'Tony Blair met the Secretary of State in Washington.'
    para sigma 'The Secretary of State said talks of peace were welcome, of course.'
} >"$a/politics/blair.txt"

run "$QUARRY_INDEX" --db "$tmp/db" "$a"
expect_rc 0 "indexing the archive"
Q() { run "$QUARRY_QUERY" --db "$tmp/db" "$@"; }
ids() { jq -r .article_id "$tmp/out" | sed 's|.*/archive/||; s|^archive/||'; }

# the archive's articles run over several passages
Q --json -a -n 100 Rivaldo
[ "$(jq -r .passages "$tmp/out" | head -n 1)" -ge 3 ] ||
    fail "the Desailly article is not split into passages: $(cat "$tmp/out")"

# --- operators and filters decide on whole articles ------------------------
# two words in different passages of one article: AND finds it
Q --json -n 100 'Rivaldo AND Abramovich'
expect_rc 0 "Rivaldo AND Abramovich"
[ "$(ids)" = "sport/desailly.txt" ] || fail "Rivaldo AND Abramovich: $(ids)"
# the passage shown has a word of the query, highlighted
jq -e 'select(.highlights | length > 0)' "$tmp/out" >/dev/null ||
    fail "Rivaldo AND Abramovich: the passage shown has no highlight"
# NOT excludes articles that have the word in any passage
Q --json -n 100 'Chelsea NOT Abramovich'
expect_rc 0 "Chelsea NOT Abramovich"
ids | grep -qx 'sport/mutu.txt' || fail "Chelsea NOT Abramovich lost mutu: $(ids)"
! ids | grep -qx 'sport/owner.txt' ||
    fail "Chelsea NOT Abramovich kept an article with Abramovich in another passage"
Q --json -n 100 'football -Chelsea'
! ids | grep -qx 'tech/phones.txt' ||
    fail "football -Chelsea kept an article that says Chelsea"
# a query of exclusions alone: every article without the word, newest
# first, never the excluded word searched for
Q --json -n 100 -- '-Blair'
expect_rc 0 "-Blair"
! ids | grep -qx 'politics/blair.txt' || fail "-Blair found the Blair article"
[ "$(ids | wc -l)" -eq 11 ] || fail "-Blair: $(ids | wc -l) articles, not 11"
# filters restrict: source: is the folder, not a word to add
Q --json -n 100 'source:tech Henman'
expect_rc 1 "source:tech Henman (no tech article mentions Henman)"
Q --json -n 100 'source:sport Henman'
[ "$(ids)" = "sport/henman.txt" ] || fail "source:sport Henman: $(ids)"
Q --json -n 100 'source:tech'
[ "$(ids | sort | tr '\n' ' ')" = "tech/ipod.txt tech/phones.txt " ] ||
    fail "source:tech alone: $(ids)"
# a field alone shows the passage with the field's words, highlighted:
# the third, the one that says iPod
Q --json -n 1 'title:iPod'
[ "$(ids)" = "tech/ipod.txt" ] || fail "title:iPod: $(ids)"
[ "$(jq -r .passage "$tmp/out")" = 3 ] ||
    fail "title:iPod shows passage $(jq -r .passage "$tmp/out"), not the one with iPod"
jq -e '.highlights | length > 0' "$tmp/out" >/dev/null ||
    fail "title:iPod: the passage shown has no highlight"

# --- spelling from the words as written ---------------------------------
Q 'goverment'
grep -q 'did you mean "government"' "$tmp/err" ||
    fail "goverment: no 'government' suggestion: $(cat "$tmp/err")"
Q --json 'Beckam'
expect_rc 0 "Beckam (its suggestion's results)"
[ "$(jq -r .suggestion "$tmp/out" | sort -u)" = "Beckham" ] ||
    fail "Beckam: suggestion $(jq -r .suggestion "$tmp/out" | sort -u)"
[ "$(jq -r .corrected "$tmp/out" | sort -u)" = true ] ||
    fail "Beckam: results not marked as the suggestion's"
Q 'Beckam'
grep -q 'showing results for "Beckham"' "$tmp/err" ||
    fail "Beckam: no 'showing results for' line: $(cat "$tmp/err")"
Q --no-spelling --json 'Beckam'
expect_rc 1 "Beckam --no-spelling"
# a rare word of the archive is not 'corrected' two edits away
Q 'Rivaldo'
! grep -q 'did you mean' "$tmp/err" || fail "Rivaldo corrected: $(cat "$tmp/err")"

# --- wildcards: a clear note, no silent rewrite --------------------------
Q -- 's*'
expect_rc 2 "s*"
grep -q "'s\*' left out: a wildcard needs at least 2 letters" "$tmp/err" ||
    fail "s*: no note: $(cat "$tmp/err")"
Q -- '*ball'
grep -q "'\*ball': '\*' can only end a word; searching for 'ball'" "$tmp/err" ||
    fail "*ball: no note: $(cat "$tmp/err")"

# --- a phrase is highlighted where it stands, not each of its words ------
Q --json -a -n 10 '"Secretary of State"'
expect_rc 0 "a phrase"
# every highlight is the phrase itself: no lone "of"
jq -r '. as $r | .highlights[] | $r.text[.[0]:.[1]]' "$tmp/out" >"$tmp/hl"
[ -s "$tmp/hl" ] || fail "the phrase is not highlighted"
if grep -qvi '^secretary of state$' "$tmp/hl"; then
    fail "a phrase query highlights more than the phrase: $(sort -u "$tmp/hl" | tr '\n' '|')"
fi
echo "articles: ok"
