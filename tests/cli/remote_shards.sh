#!/usr/bin/env bash
# quarry-query over a sharded index: the corpus split in two halves, each
# indexed on its own, searched through a stub file listing the two shards
# served by xapian-tcpsrv on loopback, and through a stub listing them as
# local databases. Every query, in every output format, must give what the
# whole corpus in one index gives: the same passages in the same order,
# the same scores (within 1e-9 relative, as printed). Passages with equal
# scores may come in another order (document ids interleave across shards),
# so results are compared as sequences of scores and as sorted sets.
#
# One known difference: xapian-core 1.4 does not carry collapse counts back
# from remote shards, so the text output's "(+N more passages)" note is
# missing for articles found on a remote shard (quarry-query(1), FILES); it
# is left out of the comparisons that involve remote shards.
. "${QUARRY_TEST_LIB:?run through ctest, or set QUARRY_TEST_LIB}"
. "$(dirname "$QUARRY_TEST_LIB")/remote_lib.sh"
trap 'stop_servers; chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

command -v "$TCPSRV" >/dev/null || fail "$TCPSRV is not installed (xapian-tools)"

# --- the shards: the corpus's files in two halves -----------------------------
index_halves

start_tcpsrv "$tmp/srv-a.log" "$tmp/shard-a" || fail "server for shard a"
port_a=$srv_port
start_tcpsrv "$tmp/srv-b.log" "$tmp/shard-b" || fail "server for shard b"
port_b=$srv_port
[ "$port_a" != "$port_b" ] || fail "two servers on one port"
# each shard's articles, served apart (its ARTICLES stub)
start_tcpsrv "$tmp/srv-aa.log" "$tmp/shard-a/ARTICLES" || fail "articles of shard a"
aport_a=$srv_port
start_tcpsrv "$tmp/srv-ab.log" "$tmp/shard-b/ARTICLES" || fail "articles of shard b"
aport_b=$srv_port

printf '# the corpus in two halves, served on loopback\nremote 127.0.0.1:%s\narticles remote 127.0.0.1:%s\nremote 127.0.0.1:%s\narticles remote 127.0.0.1:%s\n' \
    "$port_a" "$aport_a" "$port_b" "$aport_b" >"$tmp/remote.stub"
printf 'auto shard-a\nauto shard-b\n' >"$tmp/local.stub"
printf 'auto shard-a\nremote 127.0.0.1:%s\narticles remote 127.0.0.1:%s\n' \
    "$port_b" "$aport_b" >"$tmp/mixed.stub"
printf 'auto shard-a\n' >"$tmp/half.stub"

queries=(
    "cyber unit"
    "joint cyber security unit with russia"
    '"cyber command"'
    "election AND interference"
    "title:cyber"
    "library NOT council"
    "date:2019"
    "interest rates"
    "observatory night sky"
    "the"
)
modes=("text" "json --json" "json --json --all-passages"
       "json --json --per-article 2" "trec --trec")

# answer DB I M: query I in mode M against DB into $tmp/ans.DBNAME.I.M
answer() {
    local db=$1 i=$2 m=$3 fmt opts
    read -r fmt opts <<<"${modes[m]}"
    # shellcheck disable=SC2086 # opts are words
    run "$QUARRY_QUERY" --db "$db" -n 1000 $opts -- "${queries[i]}"
    [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] ||
        { cat "$tmp/err" >&2; fail "'${queries[i]}' ($opts) on $db: status $rc"; }
    cp "$tmp/out" "$tmp/ans.$(basename "$db").$i.$m"
}

total=0
for i in "${!queries[@]}"; do
    for m in "${!modes[@]}"; do
        fmt=${modes[m]%% *}
        for db in "$tmp/whole" "$tmp/remote.stub" "$tmp/local.stub" \
                  "$tmp/mixed.stub"; do
            answer "$db" "$i" "$m"
        done
        [ "$m" -ne 1 ] || answer "$tmp/half.stub" "$i" "$m"
        ref="$tmp/ans.whole.$i.$m"
        total=$((total + $(scores "$fmt" "$ref" | wc -l)))
        for s in remote local mixed; do
            strip_collapsed=$([ "$s" = local ] && echo 0 || echo 1)
            same "$fmt" "$ref" "$tmp/ans.$s.stub.$i.$m" ||
                fail "'${queries[i]}' (${modes[m]#* }), $s shards: $why"
        done
        strip_collapsed=0
    done
done
# the comparisons compared something, and can tell a difference: half the
# index (one shard) does not answer as the whole does
[ "$total" -ge 150 ] || fail "only $total results in all: too few to compare"
differs=0
for i in "${!queries[@]}"; do
    same json "$tmp/ans.whole.$i.1" "$tmp/ans.half.stub.$i.1" ||
        differs=$((differs + 1))
done
[ "$differs" -ge 5 ] || fail "one shard answers like the whole index ($differs)"

# --- batch runs (--queries), as scripts and the benchmark use them -----------
for i in "${!queries[@]}"; do
    printf 'q%d\t%s\n' "$i" "${queries[i]}"
done >"$tmp/queries.tsv"
for db in whole remote.stub local.stub; do
    run "$QUARRY_QUERY" --db "$tmp/$db" --queries "$tmp/queries.tsv" --depth 100
    expect_rc 0 "batch run on $db"
    cp "$tmp/out" "$tmp/run.$db"
done
[ "$(wc -l <"$tmp/run.whole")" -ge 50 ] || fail "batch run: too few lines"
for db in remote.stub local.stub; do
    same trec "$tmp/run.whole" "$tmp/run.$db" || fail "batch run, $db: $why"
done

# --- a wildcard matches the same passages (its weights differ: quarry-query(1))
for db in whole remote.stub; do
    run "$QUARRY_QUERY" --db "$tmp/$db" --json --all-passages -n 1000 'cyber*'
    expect_rc 0 "wildcard on $db"
    jq -r '"\(.article_id) \(.passage)"' "$tmp/out" | sort >"$tmp/wild.$db"
done
[ -s "$tmp/wild.whole" ] || fail "wildcard: no results"
cmp -s "$tmp/wild.whole" "$tmp/wild.remote.stub" ||
    fail "wildcard: different passages over remote shards"

# --- spelling and --explain work over remote shards (quarry-query(1)) --------
for db in whole remote.stub; do
    run "$QUARRY_QUERY" --db "$tmp/$db" -n 3 "cybr securty unit"
    expect_rc 0 "misspelt query on $db"
    grep -q 'did you mean "cyber security unit"' "$tmp/err" ||
        fail "no suggestion over $db: $(cat "$tmp/err")"
    run "$QUARRY_QUERY" --db "$tmp/$db" -n 3 --json --explain "joint cyber unit"
    expect_rc 0 "--explain on $db"
    jq -e -s 'length > 0 and all(.[];
        (([.explain.parts[].weight] | add) - .score | fabs) <= 1e-4 * .score)' \
        "$tmp/out" >/dev/null || fail "--explain over $db does not add up"
    cp "$tmp/out" "$tmp/explain.$db"
done
same json "$tmp/explain.whole" "$tmp/explain.remote.stub" ||
    fail "--explain results over remote shards: $why"

# --- the servers saw the queries ----------------------------------------------
for s in a b; do
    grep -q "Connection from 127.0.0.1" "$tmp/srv-$s.log" ||
        fail "server $s was never asked: $(cat "$tmp/srv-$s.log")"
done
echo "ok: $total results compared over remote, local and mixed shards"
