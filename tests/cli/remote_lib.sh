# Shared by the remote-shard tests and bench/shards.sh (sourced, after
# lib.sh or on its own): start and stop xapian-tcpsrv servers on loopback;
# compare quarry-query's outputs.
# A server may serve a Quarry index directory: xapian-tcpsrv opens the
# databases for each connection, through the index's stub, so a rebuild's
# switch is seen by the next connection.
#
# Every server runs in its own session and process group (setsid): on
# SIGTERM xapian-tcpsrv signals its whole process group, which must not be
# the caller's. stop_servers kills each group; callers run it from their
# EXIT trap, so no server outlives the script whatever happens.

# Text results compared whole: one line per field, not wrapped (a wrap
# would split what canon strips).
export COLUMNS=10000

# index_halves (tests only, after lib.sh): indexes corpus/ whole into
# $tmp/whole, and its files in two halves into $tmp/shard-a and
# $tmp/shard-b.
index_halves() {
    local files=() f half
    for f in "$CORPUS"/*; do files+=("$f"); done
    [ "${#files[@]}" -ge 4 ] || fail "the corpus has ${#files[@]} files"
    half=$((${#files[@]} / 2))
    index_into "$tmp/whole" "${files[@]}"
    index_into "$tmp/shard-a" "${files[@]:0:half}"
    index_into "$tmp/shard-b" "${files[@]:half}"
}
# index_into DB SOURCE...: quarry-index, some sources skipped allowed
index_into() {
    "$QUARRY_INDEX" --db "$@" >/dev/null 2>"$tmp/index.err" ||
        [ $? -eq 1 ] || { cat "$tmp/index.err" >&2; fail "indexing $1"; }
}

TCPSRV=${TCPSRV:-xapian-tcpsrv}
srv_pids=""         # every server started, for stop_servers
srv_port=""         # the last server's port
srv_pid=""          # ... and its process (group) id

# is_listening PORT: something accepts connections on 127.0.0.1:PORT.
is_listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_tcpsrv LOG DB...: starts xapian-tcpsrv over DB... on a free
# loopback port and waits until it accepts connections. Ports are drawn at
# random from 20000-60999; one that is taken (found busy, or lost to
# another process before the server could bind it) is replaced by another,
# up to 20 times. Sets srv_port and srv_pid; LOG receives the server's
# messages (one "Connection from" line per connection).
start_tcpsrv() {
    local log=$1 attempt i port pid
    shift
    for attempt in $(seq 20); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 41000))
        is_listening "$port" && continue
        setsid "$TCPSRV" --interface 127.0.0.1 --port "$port" "$@" \
            >"$log" 2>&1 </dev/null &
        pid=$!
        srv_pids="$srv_pids $pid"
        # up to 10 s for it to listen
        for i in $(seq 200); do
            if is_listening "$port"; then
                srv_port=$port
                srv_pid=$pid
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break   # it could not bind
            sleep 0.05
        done
        stop_server "$pid"
    done
    echo "cannot start $TCPSRV over $*: $(cat "$log")" >&2
    return 1
}

# stop_server PID: kills the server's process group (the server and the
# children serving connections, even stopped ones) and reaps it.
stop_server() {
    kill -KILL -- "-$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

stop_servers() {
    local p
    for p in $srv_pids; do
        stop_server "$p"
    done
    srv_pids=""
}

# --- comparing quarry-query's outputs (tests only) ----------------------------
# Results of a sharded index against those of one index: passages with equal
# scores may come in another order (document ids interleave across shards),
# so outputs are compared as sequences of scores and as sorted sets.
# $tmp is the caller's scratch directory. FORMAT is text, json or trec.
#
# scores FORMAT FILE: the scores in rank order, one a line.
# canon FORMAT FILE: the results without their ranks, sorted; with
# strip_collapsed=1, text without its "(+N more passages)" notes.
# (sed rather than jq: quarry-query prints "rank" and "score" first, and
# jq starts too slowly to run a thousand times)
scores() {
    case $1 in
    json) sed 's/^{"rank":[0-9]*,"score":\([-0-9.e+]*\),.*/\1/' "$2" ;;
    trec) awk '{print $5}' "$2" ;;
    text) grep -o ', score [0-9.]*' "$2" | sed 's/.* //' || true ;;
    esac
}
canon() {
    case $1 in
    json) sed 's/^{"rank":[0-9]*,/{/' "$2" | sort ;;
    trec) awk '{print $1, $2, $3, $5, $6}' "$2" | sort ;;
    # blocks separated by blank lines; "N. " starts each
    text) awk -v strip="$strip_collapsed" 'BEGIN { RS = ""; ORS = "\n" }
               { sub(/^[0-9]+\. /, "")
                 if (strip) sub(/ \(\+[0-9]+ more passages?\)/, "")
                 gsub(/\n/, "\001"); print }' "$2" | sort ;;
    esac
}
strip_collapsed=0

# same FORMAT A B: A and B hold the same results (see above). Returns 1
# with a reason in $why when they do not.
same() {
    scores "$1" "$2" >"$tmp/s.a"
    scores "$1" "$3" >"$tmp/s.b"
    local n_a n_b
    n_a=$(wc -l <"$tmp/s.a")
    n_b=$(wc -l <"$tmp/s.b")
    if [ "$n_a" -ne "$n_b" ]; then
        why="$n_a results against $n_b"; return 1
    fi
    # printed with 6 decimals (3 in text): within 1e-9 relative, plus the
    # rounding of the last printed digit
    if ! paste "$tmp/s.a" "$tmp/s.b" | awk '
        { d = $1 - $2; if (d < 0) d = -d; m = ($1 > $2 ? $1 : $2)
          if (d > 1e-9 * m + 0.6 * 10 ^ -(length($1) - index($1, "."))) {
              print "rank " NR ": score " $1 " against " $2; exit 1 } }' \
        >"$tmp/why"; then
        why=$(cat "$tmp/why"); return 1
    fi
    canon "$1" "$2" >"$tmp/c.a"
    canon "$1" "$3" >"$tmp/c.b"
    if ! cmp -s "$tmp/c.a" "$tmp/c.b"; then
        why="different results: $(diff "$tmp/c.a" "$tmp/c.b" | head -c 600)"
        return 1
    fi
    return 0
}

# --- the delay proxy (bench/delayproxy) ---------------------------------------
DELAYPROXY=${DELAYPROXY:-}
proxy_pids=""       # every proxy started, for stop_proxies
proxy_port=""       # the last proxy's port

# start_proxy TARGET_PORT DELAY_MS LOG: a delayproxy in front of
# 127.0.0.1:TARGET_PORT holding each byte DELAY_MS in each direction and
# appending one line per request to LOG. Sets proxy_port.
start_proxy() {
    local out i
    out=$(mktemp "${TMPDIR:-/tmp}/proxy-port.XXXXXX")
    setsid "$DELAYPROXY" --target "127.0.0.1:$1" --delay-ms "$2" --log "$3" \
        >"$out" 2>&1 </dev/null &
    proxy_pids="$proxy_pids $!"
    for i in $(seq 200); do
        [ -s "$out" ] && break
        sleep 0.02
    done
    proxy_port=$(head -n 1 "$out")
    rm -f "$out"
    case $proxy_port in ''|*[!0-9]*) echo "delayproxy did not start" >&2; return 1 ;; esac
}

stop_proxies() {
    local p
    for p in $proxy_pids; do
        kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    proxy_pids=""
}
