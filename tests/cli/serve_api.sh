#!/usr/bin/env bash
# quarry-serve's JSON API (issue 15): /api/search gives quarry-query
# --json's result objects, whole and in order, and its totals, for the
# same query and options; /api/article, /api/suggest, /healthz, /metrics;
# an article titled <script>alert(1)</script> is escaped in the JSON and
# in the page.
. "$QUARRY_TEST_LIB"
. "$(dirname "$QUARRY_TEST_LIB")/serve_lib.sh"

# a relative id per article (corpus/...), as the README's examples have
cd "$tmp"
cp -R "$CORPUS" corpus
printf '%s\n' \
  '{"id":"xss-1","title":"<script>alert(1)</script>","author":"\"><img src=x onerror=alert(2)>","url":"javascript:alert(3)","date":"2024-02-03","text":"The cyber unit met <b>again</b> & said <script>alert(4)</script> nothing."}' \
  | "$QUARRY_INDEX" --db idx corpus - >/dev/null
serve_start --db idx

# same NAME API_PARAMS -- CLI_ARGS: the API's results equal the CLI's
# JSON Lines (objects compared whole), and its totals the lines' total
same() {
    local name=$1 a=() c=()
    shift
    while [ "$1" != "--" ]; do a+=("$1"); shift; done
    shift
    c=("$@")
    api "${a[@]}"
    expect_code 200 "$name"
    jq -S '.results' "$tmp/body" >"$tmp/api.json"
    run "$QUARRY_QUERY" --db idx --json "${c[@]}"
    [ "$rc" -le 1 ] || { cat "$tmp/err" >&2; fail "$name: quarry-query exited $rc"; }
    grep -v '^{"suggestion"' "$tmp/out" | jq -sS . >"$tmp/cli.json" || true
    if ! cmp -s "$tmp/api.json" "$tmp/cli.json"; then
        diff "$tmp/api.json" "$tmp/cli.json" | head -40 >&2
        fail "$name: /api/search differs from quarry-query --json"
    fi
    [ "$(jq '.n' "$tmp/body")" = "$(jq 'length' "$tmp/cli.json")" ] ||
        fail "$name: n is not the number of results"
    if [ "$(jq 'length' "$tmp/cli.json")" -gt 0 ]; then
        [ "$(jq -c '[.total,.total_exact,.suggestion,.corrected]' "$tmp/body")" = \
          "$(jq -c '.[0]|[.total,.total_exact,.suggestion,.corrected]' "$tmp/cli.json")" ] ||
            fail "$name: totals differ: $(jq -c '[.total,.total_exact]' "$tmp/body")"
    fi
    echo "ok: $name ($(jq '.n' "$tmp/body") results)"
}

same words        q='joint cyber unit'                  -- joint cyber unit
same paged        q='cyber' n=3 offset=2                -- -n 3 --offset 2 cyber
same phrase       q='"cyber command"'                   -- '"cyber command"'
same boolean      q='cyber -election'                   -- 'cyber -election'
same near         q='cyber NEAR/3 unit'                 -- 'cyber NEAR/3 unit'
same fields       q='title:cyber'                       -- 'title:cyber'
same newest       q='cyber' sort=date                   -- --sort date cyber
same oldest       q='cyber' sort=-date n=4              -- --sort -date -n 4 cyber
same per_article  q='cyber unit' per_article=3          -- -p 3 cyber unit
same passages     q='cyber' passages=1 n=7              -- --all-passages -n 7 cyber
same explain      q='cyber unit' explain=1 n=2          -- --explain -n 2 cyber unit
same duplicates   q='cyber' duplicates=1                -- --duplicates cyber
same plain        q='cyber OR unit' plain=1             -- --plain 'cyber OR unit'
same fallback     q='cyber OR'                          -- 'cyber OR'
same nospelling   q='cybr' spelling=0                   -- --no-spelling cybr
same corrected    q='cybr unti'                         -- cybr unti
same like         like=corpus/joint-cyber-unit.txt      -- --like corpus/joint-cyber-unit.txt
same date_filter  q='cyber' from=2019 to=2019-12-31     -- 'cyber date:2019..2019-12-31'
same source       q='cyber' source=joint                -- 'cyber source:joint'
same filter_only  from=2024-01-01                        -- 'date:2024-01-01..'
same lang         q='cyber' lang=english                -- 'cyber lang:en'
same lang_only    lang=en n=3                           -- -n 3 'lang:en'
same nothing      q='zzyzzyxq'                          -- zzyzzyxq

# the envelope
api q='cyber unit' n=2
jq -e '.query == "cyber unit" and .searched == "cyber unit" and .offset == 0
       and .unit == "article" and .sort == "relevance" and (.notes|type) == "array"
       and (.version|test("^v[0-9]+$")) and (.revision >= 1)' "$tmp/body" >/dev/null ||
    fail "search envelope: $(jq -c 'del(.results)' "$tmp/body")"
api q='cyber OR'
jq -e '.notes | length == 1 and (.[0] | test("syntax not understood"))' "$tmp/body" >/dev/null ||
    fail "a note for syntax not understood: $(jq -c .notes "$tmp/body")"

# /api/article: its passages in order, by path or ?id=
get /api/article/corpus/joint-cyber-unit.txt
expect_code 200 "/api/article/ID"
jq -e '.article_id == "corpus/joint-cyber-unit.txt" and .passages == 5 and .shown == 5
       and ([.passage_list[].passage] == [1,2,3,4,5]) and .truncated == false' "$tmp/body" >/dev/null ||
    fail "/api/article: $(head -c 400 "$tmp/body")"
n_text=$(jq -r '[.passage_list[].text] | join("\n")' "$tmp/body" | grep -c 'cyber unit' || true)
[ "$n_text" -ge 1 ] || fail "/api/article: the text"
get '/api/article?id=corpus%2Fjoint-cyber-unit.txt'
expect_code 200 "/api/article?id="
get /api/article/corpus/no-such-article.txt
expect_code 404 "/api/article of a missing id"
api q=cyber lang=klingonese
expect_code 400 "a lang that is no language"
expect_json_error "a lang that is no language"
expect_json_error "/api/article of a missing id"

# /api/suggest
get '/api/suggest?q=cybr+unti'
expect_code 200 "/api/suggest"
jq -e '.suggestion | startswith("cyber ")' "$tmp/body" >/dev/null || fail "/api/suggest: $(cat "$tmp/body")"
get '/api/suggest?q=cyber'
jq -e '.suggestion == null' "$tmp/body" >/dev/null || fail "/api/suggest of known words"

# /healthz and /metrics
get /healthz
expect_code 200 /healthz
jq -e '.status == "ok" and .passages > 0' "$tmp/body" >/dev/null || fail "/healthz: $(cat "$tmp/body")"
get /metrics
expect_code 200 /metrics
for m in 'quarry_http_requests_total{endpoint="/api/search",code="200"} [1-9]' \
         'quarry_http_requests_total{endpoint="/api/article",code="404"} 1$' \
         'quarry_http_request_duration_seconds_bucket{endpoint="/api/search",le="+Inf"} [1-9]' \
         'quarry_http_request_duration_seconds_count{endpoint="/api/search"} [1-9]' \
         'quarry_http_errors_total{endpoint="/api/search"} 0$' \
         'quarry_index_documents [1-9]' 'quarry_index_revision [1-9]' \
         'quarry_index_info{version="v[0-9]*"} 1' '# TYPE quarry_http_request_duration_seconds histogram'; do
    grep -q "^$m" "$tmp/body" || fail "/metrics lacks $m"
done

# XSS: what the index holds is text, in the JSON and in the page
api q='alert'
jq -e '.results[0].title == "<script>alert(1)</script>"' "$tmp/body" >/dev/null ||
    fail "the XSS title in JSON: $(jq -c '.results[0].title' "$tmp/body")"
# JSON strings hold the title as it is; browsers never read the JSON as
# HTML: its type is application/json, and nosniff forbids guessing
curl -s -D "$tmp/headers" -o /dev/null "$base/api/search?q=alert"
grep -qi '^content-type: application/json' "$tmp/headers" || fail "the API's content type"
grep -qi '^x-content-type-options: nosniff' "$tmp/headers" || fail "the API without nosniff"
get '/?q=nothing+again'
expect_code 200 "the page"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$tmp/body" || fail "the page: title not escaped"
grep -q 'onerror=alert(2)>' "$tmp/body" && fail "the page: author not escaped"
[ "$(grep -o '<script' "$tmp/body" | wc -l)" = 1 ] || fail "the page: a <script> besides its own"
grep -q 'javascript:' "$tmp/body" && fail "the page: a javascript: link"
get '/article?id=xss-1&q=nothing'
expect_code 200 "the article page"
grep -q '&lt;script&gt;alert(4)&lt;/script&gt;' "$tmp/body" || fail "the article page: text not escaped"
[ "$(grep -o '<script' "$tmp/body" | wc -l)" = 1 ] || fail "the article page: a <script> besides its own"
grep -q 'javascript:' "$tmp/body" && fail "the article page: the javascript: url linked"
curl -s -D "$tmp/headers" -o /dev/null "$base/?q=again"
grep -qi "^content-security-policy: default-src 'none'" "$tmp/headers" || fail "no CSP on the page"

# the page without JavaScript: a GET form, results, paging links
get '/?q=cyber'
grep -q '<form class="search" method="get" action="/"' "$tmp/body" || fail "the page's form"
grep -q '<mark>' "$tmp/body" || fail "the page: no highlighted words"
get '/?q=cybr'
grep -q 'showing results for <b>cyber</b>' "$tmp/body" || fail "the page: showing results for"
get '/?q=cybr+unit'
grep -q 'Did you mean <a href="/?q=cyber%20unit">' "$tmp/body" || fail "the page: did you mean"
get '/?q=the&offset=10'
grep -q 'rel="prev" href="/?q=the"' "$tmp/body" || fail "the page: previous link"

serve_alive "after the API tests"
serve_stop
