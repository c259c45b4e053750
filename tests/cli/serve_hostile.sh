#!/usr/bin/env bash
# quarry-serve under hostile requests (issue 15): bad UTF-8, a huge query,
# negative and huge numbers, unknown and repeated parameters, path
# traversal, other methods, 1,000 connections at once. Each gets a clean
# JSON 400, 404, 405 or 503 (or its answer), and the server lives on.
. "$QUARRY_TEST_LIB"
. "$(dirname "$QUARRY_TEST_LIB")/serve_lib.sh"

"$QUARRY_INDEX" --db "$tmp/idx" "$CORPUS" >/dev/null
serve_start --db "$tmp/idx" --threads 2 --max-connections 200

# bad CODE URL WHAT [CURL_ARGS]: a JSON error with that status
bad() {
    get "$2" "${@:4}"
    expect_code "$1" "$3"
    expect_json_error "$3"
    echo "ok: $3 -> $code $(jq -c '{error,parameter}' "$tmp/body" | head -c 150)"
}
bad 400 '/api/search?q=%FF%FE' "bad UTF-8 in q"
bad 400 '/api/search?q=caf%C3' "truncated UTF-8 in q"
bad 400 '/api/search?q%FF=x' "bad UTF-8 in a name"
bad 400 '/api/article/%C0%AE%C0%AE' "overlong UTF-8 in the path"
get '/?q=%ED%A0%80'
expect_code 400 "a surrogate in the page's q"
grep -q 'role="alert">q: not valid UTF-8<' "$tmp/body" || fail "the page's error"
bad 400 '/api/search?q=cyber&n=-1' "a negative n"
bad 400 '/api/search?q=cyber&n=0' "n of 0"
bad 400 '/api/search?q=cyber&n=101' "n over 100"
bad 400 '/api/search?q=cyber&n=99999999999999999999999' "a huge n"
bad 400 '/api/search?q=cyber&offset=-5' "a negative offset"
bad 400 '/api/search?q=cyber&offset=18446744073709551617' "a huge offset"
bad 400 '/api/search?q=cyber&offset=1e3' "an offset in exponent form"
bad 400 '/api/search?q=cyber&per_article=0x10' "hex per_article"
bad 400 '/api/search?q=cyber&n=%2010' "a number with a space"
bad 400 '/api/search?q=cyber&sort=random' "an unknown sort"
bad 400 '/api/search?q=cyber&from=2020-13' "a bad date"
bad 400 '/api/search?q=cyber&source=a%20b' "a source with a space"
bad 400 '/api/search?q=cyber&colour=red' "an unknown parameter"
bad 400 '/api/search?q=cyber&q=unit' "a repeated parameter"
bad 400 '/api/search?q=cyber&passages=1&sort=date' "passages sorted by date"
bad 400 '/api/search?q=cyber&explain=maybe' "a flag that is no flag"
bad 400 '/api/search' "no query"
bad 400 '/api/search?q=%20%20' "a blank query"
bad 400 '/api/search?q=%2B%2B%2B' "a query with no words"
bad 400 "/api/search?$(printf 'a%d=1&' $(seq 40))q=x" "too many parameters"
bad 400 '/api/suggest' "suggest without q"
bad 400 '/metrics?x=1' "metrics with a parameter"
bad 404 '/api/article/../../etc/passwd' "path traversal in an article id"
bad 404 '/api/article/%2e%2e%2f%2e%2e%2fetc%2fpasswd' "encoded path traversal"
bad 404 '/../../etc/passwd' "path traversal"
bad 404 '/static/../../../etc/passwd' "path traversal under a folder"
bad 404 '/api/search/x' "an unknown path"
bad 404 '/api/search?q=x&like=nothing-like-it' "like a missing article"
bad 405 '/api/search?q=cyber' "POST" -X POST --data 'q=cyber'
bad 405 '/' "DELETE" -X DELETE
grep -q root: "$tmp/body" && fail "a file's content in a response"
serve_alive "after the bad requests"

# a query of 100 kB: 400, not a crash, not libmicrohttpd's own page
long=$(head -c 100000 /dev/zero | tr '\0' 'a')
bad 400 "/api/search?q=$long" "a 100 kB query"
# 5,000 words, under the byte limit? no: over; 800 short words are fine
words=$(for i in $(seq 800); do printf 'w%d+' "$i"; done)
get "/api/search?q=${words}cyber"
expect_code 200 "800 words"
# the same word 600 times, wildcards, a NUL
get "/api/search?q=$(for i in $(seq 600); do printf "cyber+"; done)x"
expect_code 200 "a word 600 times"
get '/api/search?q=a*+b*+c*+d*+e*+f*+g*+h*+i*+j*+k*'
[ "$code" = 200 ] || [ "$code" = 400 ] || fail "eleven wildcards: $code"
get '/api/search?q=cyber%00unit'
[ "$code" = 200 ] || [ "$code" = 400 ] || fail "a NUL in q: $code"
get '/?q=%3Cscript%3Ealert(1)%3C/script%3E'
expect_code 200 "a <script> query on the page"
grep -q '<script>alert(1)' "$tmp/body" && fail "the query echoed unescaped"
serve_alive "after the long queries"

# 1,000 connections at once: each answered 200 or 503 (over
# --max-connections), always JSON; none dropped unanswered
mkdir "$tmp/c"
# curl holds at most 300 transfers at once: four of them, 250 each
pids=""
for k in 0 1 2 3; do
    curl -s --parallel --parallel-immediate --parallel-max 250 \
         -o "$tmp/c/$k-#1.json" -w '%{http_code}\n' \
         "$base/api/search?q=cyber+unit&offset=[$((k * 250 + 1))-$((k * 250 + 250))]" \
         >"$tmp/codes.$k" 2>/dev/null &
    pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
cat "$tmp"/codes.? >"$tmp/codes"
total=$(wc -l <"$tmp/codes")
ok=$(grep -c '^200$' "$tmp/codes" || true)
busy=$(grep -c '^503$' "$tmp/codes" || true)
echo "1,000 connections: $ok answered, $busy busy (503), of $total"
[ "$total" = 1000 ] || fail "1,000 connections: $total statuses"
[ $((ok + busy)) = 1000 ] || fail "1,000 connections: other statuses: $(sort "$tmp/codes" | uniq -c | tr '\n' ' ')"
[ "$ok" -gt 0 ] || fail "1,000 connections: none answered"
jq -se 'length == 1000 and all(type == "object")' "$tmp"/c/*.json >/dev/null ||
    fail "1,000 connections: a response that is not a JSON object"
jq -se '[.[] | select(.status == 503) | .error | test("busy")] | all' "$tmp"/c/*.json >/dev/null ||
    fail "1,000 connections: a 503 without its message"
serve_alive "after 1,000 connections"
get /metrics
grep -q '^quarry_http_connections [0-9]' "$tmp/body" || fail "metrics: connections"

# a client that connects and says nothing does not hold a thread: others
# are answered meanwhile
exec 3<>"/dev/tcp/127.0.0.1/${base##*:}"
get '/api/search?q=cyber'
expect_code 200 "a search while a connection idles"
exec 3<&-
serve_alive "at the end"
serve_stop
