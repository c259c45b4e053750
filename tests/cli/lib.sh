# Shared set-up for the CLI tests (sourced). Each test runs in its own
# temporary directory, removed on exit; the tools' paths come from ctest.
set -eu
export LC_ALL=C
unset COLUMNS    # quarry-query wraps its text at COLUMNS when set
: "${QUARRY_INDEX:?run through ctest, or set QUARRY_INDEX}"
: "${QUARRY_QUERY:?run through ctest, or set QUARRY_QUERY}"
: "${QUARRY_SOURCE_DIR:?run through ctest, or set QUARRY_SOURCE_DIR}"
CORPUS="$QUARRY_SOURCE_DIR/corpus"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-cli.XXXXXX")
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# skip WHY: this test cannot run here (a program it needs is missing): says
# why and exits 77, which ctest reports as skipped, not passed
# (SKIP_RETURN_CODE in tests/CMakeLists.txt).
skip() { echo "SKIP: $*" >&2; exit 77; }

# run CMD...: runs CMD with stdout in $tmp/out and stderr in $tmp/err and
# its exit status in $rc. A status above 128 is a crash: the test fails at
# once, whatever it expected.
run() {
    set +e
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    if [ "$rc" -gt 128 ]; then
        cat "$tmp/err" >&2
        fail "crashed with status $rc: $*"
    fi
}

# expect_rc N WHAT: the last run exited with N.
expect_rc() {
    if [ "$rc" -ne "$1" ]; then
        echo "--- stdout" >&2; cat "$tmp/out" >&2
        echo "--- stderr" >&2; cat "$tmp/err" >&2
        fail "$2: expected exit status $1, got $rc"
    fi
}

# json_get FILE FILTER: one value from a JSON document, via jq.
json_get() { jq -r "$2" "$1"; }

# A private copy of the corpus that a test may change.
copy_corpus() {
    mkdir -p "$tmp/corpus"
    cp -R "$CORPUS/." "$tmp/corpus/"
}

# finds Q FILE MARKED [OPTIONS...]: in the index $tmp/idx, quarry-query
# --json OPTIONS Q's first result is FILE (its id's last part), and its
# first highlight is the bytes MARKED of its passage's text.
finds() {
    run "$QUARRY_QUERY" --db "$tmp/idx" --json "${@:4}" -- "$1"
    expect_rc 0 "query '$1' ${*:4}"
    local id text s e got
    id=$(jq -r .article_id "$tmp/out" | head -1)
    [ "${id##*/}" = "$2" ] || { cat "$tmp/out" >&2; fail "'$1' should find $2 first, got $id"; }
    text=$(jq -r 'select(.rank == 1) | .text' "$tmp/out")
    s=$(jq -r 'select(.rank == 1) | .highlights[0][0]' "$tmp/out")
    e=$(jq -r 'select(.rank == 1) | .highlights[0][1]' "$tmp/out")
    [ "$s" != null ] || { cat "$tmp/out" >&2; fail "'$1': no highlight"; }
    # highlights are byte offsets into the passage's text
    got=$(printf '%s' "$text" | head -c "$e" | tail -c "$((e - s))")
    [ "$got" = "$3" ] || { cat "$tmp/out" >&2; fail "'$1' should highlight '$3', got '$got'"; }
}
