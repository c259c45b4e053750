#!/usr/bin/env bash
# Archives in other languages (issue 17): a query without accents finds
# the accented words and the other way round, in every query form and in
# highlights, unless the index was built with --exact-accents. On small
# news items made here, in the default (English) analysis a user gets.
. "$QUARRY_TEST_LIB"

a=$tmp/news
mkdir -p "$a"
printf 'Le café de la place\n\nLe café crème est servi à la terrasse. Une soirée à l'"'"'Opéra de Paris.\n' >"$a/fr.txt"
printf 'Neues aus Berlin\n\nHerr Müller wohnt in der Hauptstraße und fährt täglich.\n' >"$a/de.txt"
printf 'Noticias de Madrid\n\nEl niño comió piñones en la estación.\n' >"$a/es.txt"
printf 'Новости\n\nЁлка стоит на площади, ёж спит.\n' >"$a/ru.txt"

run "$QUARRY_INDEX" -q --db "$tmp/idx" "$a"
expect_rc 0 "indexing the news"

# search Q: the last query's results as "id<TAB>snippet" lines in $tmp/hits
search() {
    run "$QUARRY_QUERY" --db "$1" --json -- "$2"
    jq -r '[.article_id, .snippet] | @tsv' "$tmp/out" >"$tmp/hits"
}
# snippet_marks DB Q FILE MARKED: Q finds FILE, with MARKED highlighted in
# its snippet
snippet_marks() {
    search "$1" "$2"
    expect_rc 0 "query '$2'"
    grep -q "$3"$'\t'".*\*\*$4\*\*" "$tmp/hits" ||
        { cat "$tmp/hits" >&2; fail "'$2' should find $3 with **$4**"; }
}

snippet_marks "$tmp/idx" cafe fr.txt 'café'
snippet_marks "$tmp/idx" CAFE fr.txt 'café'
snippet_marks "$tmp/idx" café fr.txt 'café'
snippet_marks "$tmp/idx" opera fr.txt "l'Opéra"
snippet_marks "$tmp/idx" Muller de.txt 'Müller'
snippet_marks "$tmp/idx" hauptstrasse de.txt 'Hauptstraße'
snippet_marks "$tmp/idx" nino es.txt 'niño'
snippet_marks "$tmp/idx" estacion es.txt 'estación'
snippet_marks "$tmp/idx" елка ru.txt 'Ёлка'
snippet_marks "$tmp/idx" '"cafe creme"' fr.txt 'café'
snippet_marks "$tmp/idx" 'piñon*' es.txt 'piñones'
snippet_marks "$tmp/idx" 'pinon*' es.txt 'piñones'
snippet_marks "$tmp/idx" 'faehrt OR fahrt' de.txt 'fährt'
search "$tmp/idx" 'title:cafe'
grep -q '^.*fr.txt' "$tmp/hits" || fail "title:cafe should find fr.txt"
# a word the index has without its accents is no misspelling
run "$QUARRY_QUERY" --db "$tmp/idx" --json cafe
[ "$(jq -r .suggestion "$tmp/out" | head -1)" = null ] ||
    fail "cafe should get no suggestion"

# --exact-accents: accents carry meaning (where the article's stemmer
# keeps them: Spanish's keeps ñ, French's and German's drop é and ü
# themselves)
run "$QUARRY_INDEX" -q --exact-accents --db "$tmp/exact" "$a"
expect_rc 0 "indexing with --exact-accents"
snippet_marks "$tmp/exact" café fr.txt 'café'
snippet_marks "$tmp/exact" niño es.txt 'niño'
run "$QUARRY_QUERY" --db "$tmp/exact" -- nino
expect_rc 1 "nino in an index that keeps accents"
# the index keeps its choice: a second run may not change it
run "$QUARRY_INDEX" -q --exact-accents --db "$tmp/idx" "$a"
expect_rc 2 "--exact-accents on an index that folds"
grep -q "rebuild" "$tmp/err" || fail "the error should name --rebuild"
run "$QUARRY_INDEX" -q --db "$tmp/exact" "$a"
expect_rc 0 "a plain run into an index that keeps accents"
run "$QUARRY_QUERY" --db "$tmp/exact" -- nino
expect_rc 1 "the plain run kept the index's accents"
run "$QUARRY_INDEX" -q --rebuild --db "$tmp/exact" "$a"
expect_rc 0 "--rebuild without --exact-accents"
snippet_marks "$tmp/exact" nino es.txt 'niño'
echo "ok"
