#!/usr/bin/env bash
# quarry-query over a stub whose remote shard is down: nothing listening on
# its port, a server killed between queries, a server killed while a batch
# run is connected to it, a server that hangs. Each must end in a message
# naming the shard (the stub's line and the server's address) and exit
# status 4, within a bounded time: never a hang. A stub mixing a local and
# a remote shard works. Loopback only.
. "${QUARRY_TEST_LIB:?run through ctest, or set QUARRY_TEST_LIB}"
. "$(dirname "$QUARRY_TEST_LIB")/remote_lib.sh"
trap 'stop_servers; chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

command -v "$TCPSRV" >/dev/null || fail "$TCPSRV is not installed (xapian-tools)"
LIMIT=15   # seconds any failing query may take, at most

index_halves

start_tcpsrv "$tmp/srv-a.log" "$tmp/shard-a" || fail "server for shard a"
port_a=$srv_port
start_tcpsrv "$tmp/srv-aa.log" "$tmp/shard-a/ARTICLES" || fail "articles of shard a"
aport_a=$srv_port

# query STUB ARGS...: quarry-query on STUB, killed after $LIMIT seconds
# (status 124 then, which no expectation accepts); $took is its time.
query() {
    local stub=$1 t0
    shift
    t0=$(date +%s.%N)
    run timeout -k 2 "$LIMIT" "$QUARRY_QUERY" --db "$stub" "$@"
    took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
}
# expect_shard_error WHAT NEEDLE...: the last query failed with status 4 and
# a message on stderr holding every NEEDLE, on one line.
expect_shard_error() {
    local what=$1 n
    shift
    [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] ||
        fail "$what: still running after $LIMIT s (status $rc)"
    expect_rc 4 "$what"
    [ ! -s "$tmp/out" ] || fail "$what: results on stdout: $(cat "$tmp/out")"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: not one line: $(cat "$tmp/err")"
    for n in "$@"; do
        grep -qF -- "$n" "$tmp/err" || fail "$what: '$n' not in: $(cat "$tmp/err")"
    done
}

# --- nothing listens on the second shard's port -------------------------------
for i in $(seq 50); do
    port_down=$((20000 + (RANDOM * 32768 + RANDOM) % 41000))
    is_listening "$port_down" || break
done
printf 'remote 127.0.0.1:%s\nremote 127.0.0.1:%s\n' "$port_a" "$port_down" \
    >"$tmp/down.stub"
query "$tmp/down.stub" cyber unit
expect_shard_error "a port with nothing listening" \
    "quarry-query: cannot open the index '$tmp/down.stub': " \
    "down.stub:2: remote 127.0.0.1:$port_down: " "Connection refused"
# refused at once: no waiting for the connect timeout
awk -v t="$took" 'BEGIN { exit !(t < 2) }' || fail "refusal took $took s"

# the same through a stub naming the stub: both levels are named
printf 'auto down.stub\n' >"$tmp/outer.stub"
query "$tmp/outer.stub" cyber
expect_shard_error "a nested stub" "outer.stub:1: auto down.stub: " \
    "down.stub:2: remote 127.0.0.1:$port_down: "

# a local shard that is missing: no index there (status 3), named too
printf 'remote 127.0.0.1:%s\nauto shard-x\n' "$port_a" >"$tmp/missing.stub"
query "$tmp/missing.stub" cyber
expect_rc 3 "a missing local shard"
grep -qF "missing.stub:2: auto shard-x: " "$tmp/err" ||
    fail "a missing local shard: $(cat "$tmp/err")"

# --- a stub mixing a local and a remote shard ---------------------------------
printf 'auto shard-b\nremote 127.0.0.1:%s\narticles remote 127.0.0.1:%s\n' \
    "$port_a" "$aport_a" >"$tmp/mixed.stub"
for opts in "--json" "--json --all-passages"; do
    # shellcheck disable=SC2086 # opts are words
    {
        query "$tmp/whole" -n 1000 $opts cyber security unit
        expect_rc 0 "whole index ($opts)"
        cp "$tmp/out" "$tmp/whole.json"
        query "$tmp/mixed.stub" -n 1000 $opts cyber security unit
        expect_rc 0 "mixed stub ($opts)"
    }
    [ "$(wc -l <"$tmp/out")" -ge 5 ] || fail "mixed stub: too few results"
    same json "$tmp/whole.json" "$tmp/out" || fail "mixed stub ($opts): $why"
done

# --- a server killed between two queries ---------------------------------------
start_tcpsrv "$tmp/srv-b.log" "$tmp/shard-b" || fail "server for shard b"
port_b=$srv_port
pid_b=$srv_pid
printf 'remote 127.0.0.1:%s\nremote 127.0.0.1:%s\n' "$port_a" "$port_b" \
    >"$tmp/two.stub"
query "$tmp/two.stub" cyber unit
expect_rc 0 "both servers up"
stop_server "$pid_b"
query "$tmp/two.stub" cyber unit
expect_shard_error "a killed server" "two.stub:2: remote 127.0.0.1:$port_b: "

# --- a server killed while a batch run is connected to it ----------------------
# The run opens the index (connecting to both servers) and then waits for
# its queries on a pipe; the server of shard b dies before they come.
start_tcpsrv "$tmp/srv-b.log" "$tmp/shard-b" || fail "server for shard b"
port_b=$srv_port
pid_b=$srv_pid
printf 'remote 127.0.0.1:%s\nremote 127.0.0.1:%s\n' "$port_a" "$port_b" \
    >"$tmp/two.stub"
mkfifo "$tmp/queries.fifo"
timeout -k 2 "$LIMIT" "$QUARRY_QUERY" --db "$tmp/two.stub" \
    --queries - --depth 10 <"$tmp/queries.fifo" >"$tmp/out" 2>"$tmp/err" &
client=$!
exec 7>"$tmp/queries.fifo"   # the run's standard input, still open
for i in $(seq 200); do      # up to 10 s for it to connect
    grep -q "Connection from" "$tmp/srv-b.log" && break
    sleep 0.05
done
grep -q "Connection from" "$tmp/srv-b.log" || fail "batch run never connected"
sleep 0.5                    # let it finish opening
kill -0 "$client" 2>/dev/null || fail "batch run ended early: $(cat "$tmp/err")"
stop_server "$pid_b"
# the run may already have given up on the dead shard and closed its end of
# the pipe: a write must not kill this script with SIGPIPE
( trap '' PIPE; printf 'q1\tcyber unit\nq2\tinterest rates\n' >&7 ) 2>/dev/null || true
exec 7>&-
set +e
wait "$client"
rc=$?
set -e
[ "$rc" -le 128 ] || fail "batch run crashed ($rc)"
expect_shard_error "a server killed during a batch run" "127.0.0.1:$port_b"

# --- a server that accepts connections but never answers -----------------------
start_tcpsrv "$tmp/srv-b.log" "$tmp/shard-b" || fail "server for shard b"
port_b=$srv_port
printf 'remote 127.0.0.1:%s\nremote 127.0.0.1:%s\n' "$port_a" "$port_b" \
    >"$tmp/hung.stub"
kill -STOP -- "-$srv_pid"    # the kernel still accepts its connections
query "$tmp/hung.stub" cyber unit
expect_shard_error "a hung server" "hung.stub:2: remote 127.0.0.1:$port_b: " \
    "Timeout"
# the operation timeout (10 s), not the connect timeout, and not longer
awk -v t="$took" 'BEGIN { exit !(t >= 8 && t < 14) }' ||
    fail "a hung server took $took s"
echo "ok: down, killed, hung and mixed shards"
