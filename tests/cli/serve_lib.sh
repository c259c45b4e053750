# Shared by the quarry-serve tests (sourced after lib.sh): start a server
# on a free loopback port, ask it things with curl, stop it. The EXIT trap
# stops a server still running, so none outlives its test.
: "${QUARRY_SERVE:?run through ctest, or set QUARRY_SERVE}"
command -v curl >/dev/null 2>&1 ||
    skip "curl is not installed (scripts/install-deps.sh --tests)"

serve_pid=""
trap '[ -n "$serve_pid" ] && kill -9 "$serve_pid" 2>/dev/null; chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# serve_start ARGS...: quarry-serve ARGS on 127.0.0.1, port 0 (a free
# one, read from its "listening on" line); sets $base to its URL.
serve_start() {
    # the background job opens serve.err in its own time: create it first,
    # or the first sed below may find no file (and set -e end the test)
    : >"$tmp/serve.err"
    "$QUARRY_SERVE" --listen 127.0.0.1:0 "$@" 2>"$tmp/serve.err" &
    serve_pid=$!
    local port="" i
    for i in $(seq 200); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.err")
        [ -n "$port" ] && break
        kill -0 "$serve_pid" 2>/dev/null ||
            { cat "$tmp/serve.err" >&2; serve_pid=""; fail "quarry-serve did not start"; }
        sleep 0.05
    done
    [ -n "$port" ] || fail "quarry-serve did not say where it listens"
    base="http://127.0.0.1:$port"
}

# serve_stop: SIGTERM, then the server must exit 0 (a crash or a hang
# fails the test).
serve_stop() {
    kill -TERM "$serve_pid"
    local i
    for i in $(seq 100); do
        kill -0 "$serve_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$serve_pid" 2>/dev/null && fail "quarry-serve did not stop on SIGTERM"
    set +e
    wait "$serve_pid"
    local s=$?
    set -e
    serve_pid=""
    [ "$s" -eq 0 ] || { cat "$tmp/serve.err" >&2; fail "quarry-serve exited $s"; }
}

# get PATH_AND_QUERY [CURL_ARGS...]: the body in $tmp/body, the status in
# $code.
get() {
    local url=$1
    shift
    code=$(curl -s --path-as-is -o "$tmp/body" -w '%{http_code}' "$@" "$base$url") || code=000
}

# api PARAMS...: GET /api/search with each PARAM (name=value) URL-encoded.
api() {
    local args=() p
    for p in "$@"; do args+=(--data-urlencode "$p"); done
    code=$(curl -s -G -o "$tmp/body" -w '%{http_code}' "${args[@]}" "$base/api/search") || code=000
}

# expect_code N WHAT: the last request's status was N.
expect_code() {
    [ "$code" = "$1" ] || { head -c 2000 "$tmp/body" >&2; echo >&2; fail "$2: expected HTTP $1, got $code"; }
}

# expect_json_error WHAT: the body is a JSON error object with a message.
expect_json_error() {
    jq -e '(.error | type == "string") and (.status | type == "number")' "$tmp/body" >/dev/null 2>&1 ||
        { head -c 2000 "$tmp/body" >&2; echo >&2; fail "$1: not a JSON error"; }
}

# serve_alive WHAT: the server still runs and answers /healthz.
serve_alive() {
    kill -0 "$serve_pid" 2>/dev/null || { cat "$tmp/serve.err" >&2; fail "$1: quarry-serve died"; }
    get /healthz
    expect_code 200 "$1: /healthz"
}
