#!/usr/bin/env bash
# Golden files of what users see: runs every case of tests/cli/golden/ and
# compares its exit status, stdout and stderr with the expected files.
#
# Usage (the tools' paths in the environment, as ctest gives them):
#   tests/cli/golden.sh [CASE...]            compare; a unified diff for each
#                                            mismatch, and exit 1
#   QUARRY_GOLDEN_UPDATE=1 tests/cli/golden.sh [CASE...]
#                                            rewrite the expected files, so a
#                                            deliberate change shows in git diff
# The environment: QUARRY_INDEX, QUARRY_QUERY, QUARRY_SOURCE_DIR (see
# tests/CMakeLists.txt); tests/cli/golden/README.md describes the cases.
#
# A case NAME is tests/cli/golden/NAME.sh, run by `bash -e -o pipefail` in
# an empty directory of its own, with standard input from /dev/null and:
#   PATH          quarry-index and quarry-query first (the tools under test)
#   CORPUS        the repository's corpus/ (read only: copy it to change it)
#   CORPUS_DB     an index of corpus/ built once for all the cases by
#                 `quarry-index --db corpus.db corpus` (read only)
#   show CMD...   prints a transcript of CMD: "$ CMD", its stdout lines as
#                 "1> ...", its stderr lines as "2> ...", then "[exit N]"
# Expected files beside it, all three required:
#   NAME.sh.exit           the case's exit status
#   NAME.sh.stdout.exact   its standard output, normalised (rules below)
#   NAME.sh.stderr.exact   its standard error, normalised
# An exit status above 128 (a signal: a crash, an abort of ASan) of a case or
# of any run of the tools inside it is a failure, whatever is expected, and
# is never recorded by QUARRY_GOLDEN_UPDATE.
set -eu
export LC_ALL=C TZ=UTC
unset NO_COLOR QUARRY_REMOTE_TIMEOUT COLUMNS
. "${QUARRY_TEST_LIB:-$(dirname "$0")/lib.sh}"
tmp=$(cd "$tmp" && pwd -P)
golden=$(cd "$(dirname "$0")/golden" && pwd -P)
src=$(cd "$QUARRY_SOURCE_DIR" && pwd -P)
update=${QUARRY_GOLDEN_UPDATE:-0}
[ "$update" = 0 ] || [ "$update" = 1 ] ||
    fail "QUARRY_GOLDEN_UPDATE must be 0 or 1, not '$update'"

# --- normalisation ---------------------------------------------------------
# Only what differs from run to run or from machine to machine is rewritten,
# each rule matching the exact format it stands for, so that a change of the
# format itself still shows as a difference:
#   1. an absolute path to a tool (getopt's messages name argv[0], which
#      the valgrind wrappers make the build directory's) -> its bare name
#   2. the case's directory -> <tmp>, the shared directory (CORPUS_DB's) ->
#      <shared>, the source tree -> <src> (physical paths, longest first)
#   3. the indexer's summary time "in 0.38 s" -> "in #.## s"
#   4. the indexer's JSON "seconds":0.380 -> "seconds":#.###
#   5. progress redraws on stderr ("\r\e[K3/14 sources, 50 passages, 1.2
#      MB/s, ETA 00:01", drawn every 0.25 s, so their number depends on the
#      machine's speed) and the "\r\e[K" that erases them -> removed
#   6. the xapian-core version in --version "(xapian-core 1.4.22)" ->
#      "(xapian-core #.#.#)"
#   7. a --timings line "ID<TAB>0.001234" -> "ID<TAB>#.######"
#   8. the process id of the writer holding a lock, "(process 21557)" ->
#      "(process #)"
sed_quote() { printf '%s' "$1" | sed 's/[][\.*^$|+?(){}#]/\\&/g'; }
normalise() {   # normalise CASE_DIR < raw > normalised
    sed -E \
        -e "s#/[^[:space:]'\"]*/(quarry-(index|query))([^[:alnum:]_.-]|\$)#\\1\\3#g" \
        -e "s#$(sed_quote "$1")#<tmp>#g" \
        -e "s#$(sed_quote "$tmp/shared")#<shared>#g" \
        -e "s#$(sed_quote "$src")#<src>#g" \
        -e 's/ in [0-9]+\.[0-9]{2} s/ in #.## s/g' \
        -e 's/"seconds":[0-9]+\.[0-9]{3}([,}])/"seconds":#.###\1/g' \
        -e 's/\r\x1b\[K[0-9]+\/[0-9]+ sources, [0-9]+ passages, [0-9]+\.[0-9] MB\/s, ETA ([0-9]{2}:[0-9]{2}|--:--)//g' \
        -e 's/\r\x1b\[K//g' \
        -e 's/\(xapian-core [0-9]+\.[0-9]+\.[0-9]+\)/(xapian-core #.#.#)/g' \
        -e 's/^([^[:space:]]+)\t[0-9]+\.[0-9]{6}$/\1\t#.######/' \
        -e 's/ is locked by another writer \(process [0-9]+\)/ is locked by another writer (process #)/g'
}

# --- the cases' environment ------------------------------------------------
# The tools under their own names, each run checked for a crash.
mkdir -p "$tmp/bin" "$tmp/shared" "$tmp/cases" "$tmp/scratch"
export GOLDEN_CRASHES="$tmp/crashes" GOLDEN_SCRATCH="$tmp/scratch"
for tool in quarry-index quarry-query; do
    real=$QUARRY_INDEX
    [ "$tool" = quarry-query ] && real=$QUARRY_QUERY
    {
        echo '#!/bin/sh'
        printf '%q "$@"\n' "$real"
        echo 'rc=$?'
        echo 'if [ "$rc" -gt 128 ]; then'
        printf '    echo "%s crashed with status $rc: $*" >>"$GOLDEN_CRASHES"\n' "$tool"
        echo 'fi'
        echo 'exit "$rc"'
    } >"$tmp/bin/$tool"
    chmod +x "$tmp/bin/$tool"
done
export PATH="$tmp/bin:$PATH"
export CORPUS="$src/corpus" CORPUS_DB="$tmp/shared/corpus.db"

# show CMD...: a transcript of one command (see the top of this file).
show() {
    local a line=\$ rc
    for a in "$@"; do
        case $a in
        '' | *[!A-Za-z0-9_./=:@%+,-]*)
            a="'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'" ;;
        esac
        line="$line $a"
    done
    printf '%s\n' "$line"
    if "$@" >"$GOLDEN_SCRATCH/show.out" 2>"$GOLDEN_SCRATCH/show.err"; then
        rc=0
    else
        rc=$?
    fi
    [ "$rc" -le 128 ] || echo "crashed with status $rc: ${line#\$ }" >>"$GOLDEN_CRASHES"
    local s
    for s in 1 2; do
        local f="$GOLDEN_SCRATCH/show.out"
        [ "$s" = 2 ] && f="$GOLDEN_SCRATCH/show.err"
        [ -s "$f" ] || continue
        sed "s/^/$s> /" "$f"
        [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] ||
            printf '\n%s> (no newline at end)\n' "$s"
    done
    printf '[exit %s]\n' "$rc"
}
export -f show

# The shared index of corpus/, under a relative path as a user would give
# it (article ids are then "corpus/..."). Its files get one fixed time: an
# article without a date of its own is dated by its file's, which would
# otherwise be the day of the test.
cp -R "$CORPUS" "$tmp/shared/corpus"
find "$tmp/shared/corpus" -exec touch -d 2020-06-01T12:00:00Z {} +
(cd "$tmp/shared" && quarry-index -q --db corpus.db corpus) ||
    fail "indexing corpus/ for the cases (status $?)"
[ ! -s "$GOLDEN_CRASHES" ] || fail "$(cat "$GOLDEN_CRASHES")"

# --- running and comparing ---------------------------------------------------
if [ $# -gt 0 ]; then
    cases=("$@")
else
    cases=()
    for f in "$golden"/*.sh; do
        n=${f##*/}
        cases+=("${n%.sh}")
    done
fi
[ ${#cases[@]} -gt 0 ] || fail "no cases in $golden"

failed=() updated=()
# check NAME WHAT ACTUAL: compares (or records) one expected file.
check() {
    local exp="$golden/$1.sh.$2"
    if [ "$update" = 1 ]; then
        if ! cmp -s "$exp" "$3" 2>/dev/null; then
            cp "$3" "$exp"
            updated+=("$1.sh.$2")
        fi
        return 0
    fi
    if [ ! -f "$exp" ]; then
        echo "golden: $1: no $1.sh.$2 (QUARRY_GOLDEN_UPDATE=1 records it)"
        return 1
    fi
    if ! cmp -s "$exp" "$3"; then
        echo "golden: $1: $2 differs:"
        diff -u --label "expected $1.sh.$2" --label "actual $1.sh.$2" \
            "$exp" "$3" || true
        return 1
    fi
}

for name in "${cases[@]}"; do
    case_file="$golden/$name.sh"
    [ -f "$case_file" ] || fail "no case $case_file"
    dir="$tmp/cases/$name"
    mkdir -p "$dir"
    : >"$GOLDEN_CRASHES"
    set +e
    (cd "$dir" && exec bash -e -o pipefail "$case_file") \
        </dev/null >"$tmp/raw.stdout" 2>"$tmp/raw.stderr"
    rc=$?
    set -e
    if [ "$rc" -gt 128 ] || [ -s "$GOLDEN_CRASHES" ]; then
        echo "golden: $name: CRASH (case status $rc)"
        cat "$GOLDEN_CRASHES"
        echo "--- stdout"; cat "$tmp/raw.stdout"
        echo "--- stderr"; cat "$tmp/raw.stderr"
        failed+=("$name")
        continue
    fi
    echo "$rc" >"$tmp/actual.exit"
    normalise "$dir" <"$tmp/raw.stdout" >"$tmp/actual.stdout"
    normalise "$dir" <"$tmp/raw.stderr" >"$tmp/actual.stderr"
    ok=1
    check "$name" exit "$tmp/actual.exit" || ok=0
    check "$name" stdout.exact "$tmp/actual.stdout" || ok=0
    check "$name" stderr.exact "$tmp/actual.stderr" || ok=0
    if [ "$update" = 1 ]; then
        echo "golden: $name: recorded"
    elif [ "$ok" = 1 ]; then
        echo "golden: $name: ok"
    else
        failed+=("$name")
    fi
    chmod -R u+rwx "$dir" 2>/dev/null || true
    rm -rf "$dir"
done

# Expected files whose case is gone (renamed or removed) are an error too.
if [ $# -eq 0 ]; then
    for f in "$golden"/*.sh.*; do
        [ -e "$f" ] || continue
        n=${f##*/}
        n=${n%%.sh.*}
        if [ ! -f "$golden/$n.sh" ]; then
            echo "golden: $f has no case $n.sh: remove it"
            failed+=("$n")
        fi
    done
fi

if [ "$update" = 1 ]; then
    for f in ${updated[@]+"${updated[@]}"}; do echo "golden: updated $f"; done
    echo "golden: ${#updated[@]} expected files rewritten"
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "golden: FAILED: ${failed[*]}"
    exit 1
fi
if [ "$update" = 1 ]; then
    echo "golden: ${#cases[@]} cases recorded"
else
    echo "golden: ${#cases[@]} cases ok"
fi
