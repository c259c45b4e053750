#!/usr/bin/env bash
# Every input format end to end: the right article ids and titles come back.
. "$QUARRY_TEST_LIB"
s="$tmp/src"
mkdir -p "$s/pack/inner"

printf 'Alpha plain title\n\nThe aardwolfplain lives in the plain text file.\n' > "$s/a.txt"
printf -- '---\ntitle: Beta front matter\nauthor: Ada Writer\ndate: 2019-05-02\n---\n\n# Not the title\n\nThe bettongmark is a **small** [marsupial](https://example.org).\n' > "$s/b.md"
cat > "$s/c.html" <<'HTML'
<!DOCTYPE html><html><head><title>Gamma page &amp; more</title>
<style>.x { color: red } stylewordzzz</style>
<script>var scriptwordzzz = 1;</script></head>
<body><nav><a href="/">navwordzzz</a></nav>
<h1>Heading</h1><p>The caracalhtml hunts at night&mdash;quietly.</p></body></html>
HTML
printf '{"id":"doc-1","title":"Delta one","text":"The dugongjson grazes on seagrass.","author":"Bo","date":"2020-01-31"}\n{"id":"doc-2","title":"Delta two","text":"The echidnajson has spines."}\n' > "$s/d.jsonl"
printf 'Epsilon gzip\n\nThe fossagzip climbs trees in Madagascar.\n' | gzip -n > "$s/e.txt.gz"
printf '{"id":"g-1","title":"Eta gz lines","text":"The genetjsongz is a spotted animal."}\n' | gzip -n > "$s/g.jsonl.gz"
printf 'Zeta member\n\nThe zorillatar smells strongly.\n' > "$s/pack/inner/z.txt"
printf '<html><head><title>Theta member</title></head><body><p>The tarsiertar has big eyes.</p></body></html>' > "$s/pack/inner/t.html"
tar -C "$s/pack" -czf "$s/f.tar.gz" inner
rm -rf "$s/pack"

run "$QUARRY_INDEX" --db "$tmp/db" --json "$s"
expect_rc 0 "indexing every format"
[ "$(json_get "$tmp/out" .added)" = 7 ] || fail "7 sources expected: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .articles)" = 9 ] || fail "9 articles expected: $(cat "$tmp/out")"

# check WORD ID-SUFFIX TITLE
check() {
    run "$QUARRY_QUERY" --db "$tmp/db" --json "$1"
    expect_rc 0 "query $1"
    [ "$(wc -l < "$tmp/out")" = 1 ] || fail "$1: expected one result, got $(wc -l < "$tmp/out")"
    id=$(json_get "$tmp/out" .article_id)
    title=$(json_get "$tmp/out" .title)
    case "$id" in *"$2") ;; *) fail "$1: id '$id' does not end in '$2'" ;; esac
    [ "$title" = "$3" ] || fail "$1: title '$title', expected '$3'"
}
check aardwolfplain a.txt "Alpha plain title"
check bettongmark b.md "Beta front matter"
check caracalhtml c.html "Gamma page & more"
check dugongjson doc-1 "Delta one"
check echidnajson doc-2 "Delta two"
check fossagzip e.txt.gz "Epsilon gzip"
check genetjsongz g-1 "Eta gz lines"
check zorillatar f.tar.gz/inner/z.txt "Zeta member"
check tarsiertar f.tar.gz/inner/t.html "Theta member"

# JSON Lines ids are the line's id, exactly
run "$QUARRY_QUERY" --db "$tmp/db" --json dugongjson
[ "$(json_get "$tmp/out" .article_id)" = doc-1 ] || fail "JSON Lines id not kept as given"
[ "$(json_get "$tmp/out" .author)" = Bo ] || fail "JSON author lost"
[ "$(json_get "$tmp/out" .date)" = 2020-01-31 ] || fail "JSON date not normalised to ISO 8601"
# fields: author and date from front matter
run "$QUARRY_QUERY" --db "$tmp/db" --json 'author:ada'
expect_rc 0 "author: field"
case "$(json_get "$tmp/out" .article_id)" in *b.md) ;; *) fail "author: search" ;; esac
# invisible HTML is not indexed
for w in stylewordzzz scriptwordzzz navwordzzz; do
    run "$QUARRY_QUERY" --db "$tmp/db" "$w"
    expect_rc 1 "invisible HTML text '$w' must not be found"
done

# standard input: JSON Lines
printf '{"id":"in-1","title":"Iota stdin","text":"The ibexstdin climbs cliffs."}\n' |
    "$QUARRY_INDEX" --db "$tmp/db" - > "$tmp/out" 2> "$tmp/err" || fail "stdin indexing failed"
check ibexstdin in-1 "Iota stdin"
echo ok
