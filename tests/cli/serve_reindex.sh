#!/usr/bin/env bash
# quarry-serve through nightly runs (issue 15): clients query without a
# pause while quarry-index adds, changes and deletes articles and then
# rebuilds the index (a new version, the stub switched, the old version
# deleted). No request fails, and the answers follow the index: a new
# word is found after its commit, a deleted article is gone, and the
# version is the rebuild's.
. "$QUARRY_TEST_LIB"
. "$(dirname "$QUARRY_TEST_LIB")/serve_lib.sh"

cd "$tmp"
copy_corpus
"$QUARRY_INDEX" --db idx corpus >/dev/null
serve_start --db idx --threads 2
get /healthz
v0=$(jq -r .version "$tmp/body")

# client N: searches and article views in a loop until $tmp/stop exists;
# every status in $tmp/client.N
client() {
    local n=$1 i=0 c
    while [ ! -e "$tmp/stop" ]; do
        for u in "/api/search?q=cyber+unit&n=5" "/api/search?q=museum&sort=date" \
                 "/?q=lentil+soup" "/api/article/corpus/joint-cyber-unit.txt" \
                 "/api/search?q=zanzibarquux"; do
            c=$(curl -s -o /dev/null -w '%{http_code}' "$base$u") || c=000
            echo "$c $u" >>"$tmp/client.$n"
        done
        i=$((i + 1))
    done
}
client 1 & c1=$!
client 2 & c2=$!
sleep 0.5

# incremental runs: a new article, a changed one, a deleted one
printf 'Zanzibarquux harbour\n\nThe zanzibarquux ferry leaves at dawn.\n' >corpus/zq.txt
"$QUARRY_INDEX" --db idx --batch 3 corpus >/dev/null
printf '\nA zanzibarquux footnote.\n' >>corpus/lentil-soup.txt 2>/dev/null ||
    printf '\nA zanzibarquux footnote.\n' >>"$(ls corpus/*.txt | head -n 1)"
"$QUARRY_INDEX" --db idx --batch 3 corpus >/dev/null
api q=zanzibarquux
expect_code 200 "after the incremental runs"
[ "$(jq .total "$tmp/body")" -ge 2 ] || fail "the new word after its commit: $(jq -c '{total,revision}' "$tmp/body")"
rm corpus/zq.txt
"$QUARRY_INDEX" --db idx corpus >/dev/null
# a rebuild: new version, stub switched, the old one deleted
"$QUARRY_INDEX" --db idx --rebuild corpus >/dev/null
sleep 0.5
"$QUARRY_INDEX" --db idx --rebuild corpus >/dev/null
sleep 0.5
touch "$tmp/stop"
wait "$c1" "$c2"

total=$(cat "$tmp"/client.* | wc -l)
failed=$(grep -v '^200 ' "$tmp"/client.* || true)
echo "$total requests while indexing and rebuilding"
[ "$total" -ge 50 ] || fail "only $total requests made"
[ -z "$failed" ] || { echo "$failed" | sort | uniq -c | head >&2; fail "requests failed while indexing"; }

# the answers follow the index
api q=zanzibarquux
expect_code 200 "after the rebuilds"
jq -e '[.results[].article_id] | all(. != "corpus/zq.txt")' "$tmp/body" >/dev/null ||
    fail "a deleted article is still found"
[ "$(jq .total "$tmp/body")" -ge 1 ] || fail "the changed article is not found"
v1=$(jq -r .version "$tmp/body")
[ "$v1" != "$v0" ] || fail "the version did not change with the rebuilds ($v0)"
[ "$v1" = "$(sed -n 's/^auto \([^/]*\).*/\1/p' idx/XAPIANDB | head -n 1)" ] ||
    fail "the version served ($v1) is not the stub's"
get /api/article/corpus/zq.txt
expect_code 404 "the deleted article's page"
get /metrics
grep -q '^quarry_index_reopens_total [1-9]' "$tmp/body" || fail "metrics: no reopens counted"
grep -q "^quarry_index_info{version=\"$v1\"} 1" "$tmp/body" || fail "metrics: the version"
echo "ok: served $v0 then $v1 with no failed request"
serve_alive "after the rebuilds"
serve_stop
