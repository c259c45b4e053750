#!/usr/bin/env bash
# quarry-query over remote shards at a network's latency: the corpus in two
# halves, each half's passages and articles served by xapian-tcpsrv on
# loopback behind bench/delayproxy, which holds every byte for a set delay
# in each direction and logs each request. Every ranking technique
# (feedback, the rerank, phrases, spelling, duplicates, --explain, by date,
# --all-passages, several passages per article) must give what the whole
# index gives, scores included; a query's requests must come in a bounded
# number of rounds (the reads of many documents side by side, not one
# round trip per candidate); a shard slower than QUARRY_REMOTE_TIMEOUT
# must end in a message naming it, never a hang. (bench/latency.sh is the
# measurement; this is its check at a small delay.)
. "${QUARRY_TEST_LIB:?run through ctest, or set QUARRY_TEST_LIB}"
. "$(dirname "$QUARRY_TEST_LIB")/remote_lib.sh"
trap 'stop_proxies; stop_servers; chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

command -v "$TCPSRV" >/dev/null || fail "$TCPSRV is not installed (xapian-tools)"
DELAYPROXY=${DELAYPROXY:-$(dirname "$QUARRY_QUERY")/../bench/delayproxy}
[ -x "$DELAYPROXY" ] || fail "no delayproxy at $DELAYPROXY (build the delayproxy target)"

index_halves
ports=()
for s in a b; do
    start_tcpsrv "$tmp/srv-$s.log" "$tmp/shard-$s" || fail "server for shard $s"
    ports+=("$srv_port")
    start_tcpsrv "$tmp/srv-a$s.log" "$tmp/shard-$s/ARTICLES" || fail "articles of shard $s"
    ports+=("$srv_port")
done

# proxied DELAY_MS STUB: a stub of the four servers behind proxies that
# delay each direction by DELAY_MS, logging to $tmp/requests.log
proxied() {
    stop_proxies
    : >"$tmp/requests.log"
    : >"$2"
    local k
    for k in "${!ports[@]}"; do
        start_proxy "${ports[k]}" "$1" "$tmp/requests.log" || fail "proxy"
        if [ $((k % 2)) -eq 0 ]; then
            echo "remote 127.0.0.1:$proxy_port" >>"$2"
        else
            echo "articles remote 127.0.0.1:$proxy_port" >>"$2"
        fi
    done
}
proxied 1 "$tmp/slow.stub"     # a 2 ms round trip

queries=(
    "joint cyber security unit with russia"
    '"cyber command"'
    "election AND interference"
    "library NOT council"
    "cybr securty unit"
)
modes=("text" "json --json --explain" "json --json --all-passages"
       "json --json --per-article 2" "json --json --sort date"
       "json --json --duplicates")
# each query in two modes (a process each: every run opens its connections)
total=0
for i in "${!queries[@]}"; do
    for m in $((i % ${#modes[@]})) $(((i + 3) % ${#modes[@]})); do
        read -r fmt opts <<<"${modes[m]}"
        for db in whole slow.stub; do
            # shellcheck disable=SC2086 # opts are words
            run "$QUARRY_QUERY" --db "$tmp/$db" -n 20 $opts -- "${queries[i]}"
            [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] ||
                { cat "$tmp/err" >&2; fail "'${queries[i]}' ($opts) on $db: status $rc"; }
            cp "$tmp/out" "$tmp/ans.$db"
            cp "$tmp/err" "$tmp/err.$db"
        done
        total=$((total + $(scores "$fmt" "$tmp/ans.whole" | wc -l)))
        strip_collapsed=1
        same "$fmt" "$tmp/ans.whole" "$tmp/ans.slow.stub" ||
            fail "'${queries[i]}' (${modes[m]#* }) behind the delay: $why"
        cmp -s "$tmp/err.whole" "$tmp/err.slow.stub" ||
            fail "'${queries[i]}' (${modes[m]#* }): notes differ: $(cat "$tmp/err.whole") / $(cat "$tmp/err.slow.stub")"
    done
done
[ "$total" -ge 30 ] || fail "only $total results compared"

# --- rounds: requests sent one after another, not side by side ----------------
# At a 20 ms round trip, a request that waited for an answer comes at least
# 20 ms after the one before it; those sent side by side come together. A
# round is a run of requests with less than 8 ms between one and the next.
# (A batch run: its first query opens the connections.)
proxied 10 "$tmp/far.stub"
printf 'w\tjoint cyber security unit\nq\tjoint cyber security unit\n' >"$tmp/q.tsv"
run "$QUARRY_QUERY" --db "$tmp/far.stub" --queries "$tmp/q.tsv" --depth 10 \
    --timings "$tmp/timings"
expect_rc 0 "batch behind a 20 ms round trip"
[ "$(wc -l <"$tmp/requests.log")" -ge 20 ] || fail "the proxies saw too few requests"
t_q=$(awk -F'\t' '$1 == "q" { print $2 * 1000 }' "$tmp/timings")
# the second query's requests: those after the first one's end
sort -n -k3 "$tmp/requests.log" | awk -v q="$t_q" '
    { t[NR] = $3 } END {
        # the last query took q ms: its requests are the last ones within it
        end = t[NR]; r = 0; n = 0
        for (i = 1; i <= NR; i++) if (t[i] >= end - q - 5) {
            if (n == 0 || t[i] - last >= 8) r++
            last = t[i]; n++ }
        print r, n }' >"$tmp/rounds"
read -r rounds requests <"$tmp/rounds"
echo "a query behind a 20 ms round trip: $t_q ms, $requests requests in $rounds rounds"
# one round trip per candidate would be hundreds of rounds
[ "$rounds" -le 30 ] || fail "$rounds rounds of requests for one query ($requests requests)"

# --- a shard slower than the timeout --------------------------------------------
proxied 600 "$tmp/stuck.stub"
t0=$(date +%s.%N)
QUARRY_REMOTE_TIMEOUT=0.5 run timeout -k 2 20 "$QUARRY_QUERY" --db "$tmp/stuck.stub" cyber unit
took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "a slow shard: still running after 20 s"
expect_rc 4 "a shard slower than the timeout"
grep -qF "stuck.stub:1: remote 127.0.0.1:" "$tmp/err" ||
    fail "a slow shard is not named: $(cat "$tmp/err")"
# the same with --timeout, which wins over the environment
QUARRY_REMOTE_TIMEOUT=30 run timeout -k 2 20 "$QUARRY_QUERY" --timeout 0.5 \
    --db "$tmp/stuck.stub" cyber unit
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "--timeout 0.5: still running after 20 s"
expect_rc 4 "a shard slower than --timeout"
grep -qF "stuck.stub:1: remote 127.0.0.1:" "$tmp/err" ||
    fail "--timeout: the slow shard is not named: $(cat "$tmp/err")"
run "$QUARRY_QUERY" --timeout 0 --db "$tmp/stuck.stub" cyber unit
expect_rc 2 "--timeout 0"
grep -qF -- "--timeout: expected seconds" "$tmp/err" ||
    fail "--timeout 0: $(cat "$tmp/err")"
# --- duplicates across the shards ---------------------------------------------
# The same article three times, a copy in each half: the remote search finds
# them beside its passage stages (in the article feedback's thread) and
# must say "+2 duplicates" as the whole index does.
stop_proxies
mkdir "$tmp/dups"
cp "$CORPUS"/* "$tmp/dups/"
cp "$CORPUS/cyber-norms-agreement.txt" "$tmp/dups/aa-copy.txt"
cp "$CORPUS/cyber-norms-agreement.txt" "$tmp/dups/zz-copy.txt"
CORPUS=$tmp/dups
rm -rf "$tmp/whole" "$tmp/shard-a" "$tmp/shard-b"
index_halves
: >"$tmp/dups.stub"
for s in a b; do
    start_tcpsrv "$tmp/srv-d$s.log" "$tmp/shard-$s" || fail "server for shard $s"
    echo "remote 127.0.0.1:$srv_port" >>"$tmp/dups.stub"
    start_tcpsrv "$tmp/srv-da$s.log" "$tmp/shard-$s/ARTICLES" || fail "articles of $s"
    echo "articles remote 127.0.0.1:$srv_port" >>"$tmp/dups.stub"
done
for db in whole dups.stub; do
    run "$QUARRY_QUERY" --db "$tmp/$db" -n 5 -- cyber security unit russia
    expect_rc 0 "duplicates on $db"
    cp "$tmp/out" "$tmp/found.$db"
done
grep -q "(+2 duplicates)" "$tmp/found.whole" ||
    fail "the whole index does not fold the copies: $(cat "$tmp/found.whole")"
cmp -s "$tmp/found.whole" "$tmp/found.dups.stub" ||
    fail "duplicates over remote shards differ: $(diff "$tmp/found.whole" "$tmp/found.dups.stub")"
echo "ok: $total results compared behind a 2 ms round trip; a slow shard failed in $took s; duplicates across shards as in one index"
