#!/usr/bin/env bash
# quarry-query on hostile queries (issue 3), beyond what query_syntax.sh
# covers (empty and blank queries, stop words only, stray quotes and
# brackets, a 10,000-word query, invalid UTF-8 in arguments, a missing
# index, a garbage version file): queries read from --queries files (NUL
# bytes, invalid UTF-8, CRs, binary files), wildcards that match every term
# or come by the thousand, pathological nesting and repetition, hostile text
# in the stored passages, and indexes that are not there in other ways.
#
# Never a crash (lib.sh's run fails on a status above 128), the documented
# exit code, a message on stderr where something was not searched as
# written, and bounded time (each query well under 10 s, under ASan too).
. "$QUARRY_TEST_LIB"

run "$QUARRY_INDEX" --db "$tmp/db" "$CORPUS"
[ "$rc" -le 1 ] || fail "indexing the corpus: exit $rc"
Q() { run "$QUARRY_QUERY" --db "$tmp/db" "$@"; }

# timed N CMD...: runs CMD (via run) and fails if it took N seconds or more
# (N times QUARRY_TEST_SLOWDOWN, for runs under valgrind).
timed() {
    local limit=$(($1 * ${QUARRY_TEST_SLOWDOWN:-1})) start
    shift
    start=$(date +%s)
    run "$@"
    [ $(($(date +%s) - start)) -lt "$limit" ] || fail "took over $limit s: ${*:1:4} ..."
}

# --- --queries files ----------------------------------------------------------

# NUL bytes, invalid UTF-8, CRLF, lone CR, control characters, overlong
# UTF-8: every line is searched (or reported), none crashes the batch
{
    printf '1\tjoint cyber\000unit\n'
    printf '2\tcaf\351 \377\376 cyber\n'
    printf '3\tcyber unit\r\n'
    printf '4\tcyber\rregatta\n'
    printf '5\t\033[31mcyber\033[0m \007\010 unit\n'
    printf '6\t\300\257 \340\200\257 cyber\n'
    printf '7\t\000\000\000\n'
    printf '8\t"unbalanced (cyber\n'
} >"$tmp/hostile.tsv"
Q --queries "$tmp/hostile.tsv"
expect_rc 0 "a --queries file of hostile lines"
for qid in 1 2 3 4 5 6 8; do
    grep -q "^$qid Q0 " "$tmp/out" || fail "query $qid found nothing: $(cat "$tmp/err")"
done
grep -q "^7 Q0 " "$tmp/out" && fail "query 7 (NUL bytes only) found something"
grep -q "hostile.tsv:7" "$tmp/err" || fail "no message for the line of NUL bytes"
# the run output is well-formed: six fields per line, nothing else
awk 'NF != 6 { bad = 1 } END { exit bad }' "$tmp/out" || fail "malformed run lines"

# a binary file, an empty file, a file of malformed lines: usage errors (2)
head -c 4096 /bin/sh >"$tmp/binary.tsv"
Q --queries "$tmp/binary.tsv"
expect_rc 2 "a binary --queries file"
grep -q "^quarry-query: " "$tmp/err" || fail "no message for a binary --queries file"
: >"$tmp/empty.tsv"
Q --queries "$tmp/empty.tsv"
expect_rc 2 "an empty --queries file"
printf 'no tab here\n\tno id\n' >"$tmp/malformed.tsv"
Q --queries "$tmp/malformed.tsv"
expect_rc 2 "a --queries file with no valid line"
Q --queries "$tmp/no-such-file.tsv"
expect_rc 2 "a missing --queries file"
grep -q "no-such-file.tsv" "$tmp/err" || fail "the missing --queries file is not named"

# 10,000 words on one line, 10,000 distinct words, 2,000 lines
{
    # (searched as its first 1,024 words: cyber comes first)
    printf 'long\tcyber '; seq -f 'w%g' 1 10000 | tr '\n' ' '; printf '\n'
    printf 'same\t'; for _ in $(seq 2000); do printf 'cyber unit regatta joint harbour '; done; printf '\n'
} >"$tmp/long.tsv"
seq -f '%g	cyber unit' 1 2000 >>"$tmp/long.tsv"
# (the bound catches a blow-up, not slowness: the 2,000 ordinary queries
# take about 10 s in a release build, 3.5 times that under ASan)
timed 90 "$QUARRY_QUERY" --db "$tmp/db" --queries "$tmp/long.tsv" --depth 5
expect_rc 0 "a --queries file with 10,000-word lines and 2,000 lines"
grep -q '^long Q0 ' "$tmp/out" || fail "the 10,000-word line found nothing"
grep -q '^same Q0 ' "$tmp/out" || fail "the 10,000-word line of 5 words found nothing"
[ "$(grep -c '^2000 Q0 ' "$tmp/out")" -ge 1 ] || fail "line 2000 found nothing"

# queries from standard input, with a NUL and no final newline
printf '1\tcyber\000\n2\tregatta' | run "$QUARRY_QUERY" --db "$tmp/db" --queries -
expect_rc 0 "--queries - from standard input"
grep -q '^2 Q0 ' "$tmp/out" || fail "the last line without a newline was lost"

# a malformed qrels file next to good queries
printf '1\tcyber\n' >"$tmp/one.tsv"
printf 'garbage\n1 0\n\000\377\n' >"$tmp/bad.qrels"
Q --queries "$tmp/one.tsv" --qrels "$tmp/bad.qrels"
expect_rc 2 "a malformed --qrels file"
grep -q "bad.qrels" "$tmp/err" || fail "the malformed --qrels file is not named"

# --- wildcards ----------------------------------------------------------------

# 20 prefixes with 999 words each: "p*" matches every one of their 19,980
# terms, "pNx*" 999 each
mkdir "$tmp/words"
for p in $(seq 20); do
    { printf 'Prefix %d\n\n' "$p"; seq -f "p${p}x%g" 1 999 | tr '\n' ' '; printf '\n'; } \
        >"$tmp/words/p$p.txt"
done
run "$QUARRY_INDEX" --db "$tmp/wdb" "$tmp/words"
expect_rc 0 "indexing 20,000 words"
W() { timed 10 "$QUARRY_QUERY" --db "$tmp/wdb" -n 3 "$@"; }
# a wildcard matching over 1,000 terms: bounded, searched as a word, with a
# note
W 'p1*'
expect_rc 1 "p1* (10,989 terms)"
grep -q "wildcard" "$tmp/err" || fail "no note for a wildcard matching 10,989 terms"
W 'title:p1*'
[ "$rc" -le 1 ] || fail "title:p1*: exit $rc"
# one letter is too short to be a useful pattern: left out, with a note
W 'p*'
expect_rc 2 "p* (one letter)"
grep -q "'p\*' left out: a wildcard needs at least 2 letters" "$tmp/err" ||
    fail "no note for a one-letter wildcard: $(cat "$tmp/err")"
# within the bound, a wildcard expands
W 'p7x99*'
expect_rc 0 "p7x99* (11 terms)"
grep -q "Prefix 7" "$tmp/out" || fail "p7x99* did not find its article"
# 1,000 wildcards of 999 terms each: bounded (this took minutes before)
W "$(for i in $(seq 1000); do printf 'p%dx* ' $((i % 20 + 1)); done)"
[ "$rc" -le 1 ] || fail "1,000 wildcards: exit $rc"
grep -q "wildcard" "$tmp/err" || fail "no note for 1,000 wildcards"
# a lone star, stars alone, a star inside a word
for q in '*' '**' '* * *' 'p*x1' '*p1x1' 'p1x1**'; do
    W -- "$q"
    [ "$rc" -le 2 ] || fail "wildcard query '$q': exit $rc"
done

# --- pathological nesting and repetition ---------------------------------------

for q in "$(printf '%*s' 10000 '' | tr ' ' '(')cyber" \
         "cyber$(printf '%*s' 10000 '' | tr ' ' ')')" \
         "$(printf '%*s' 10001 '' | tr ' ' '"')cyber" \
         "$(printf '%*s' 100000 '' | tr ' ' 'x')" \
         "cyber $(for _ in $(seq 3000); do printf 'NEAR '; done)unit" \
         "$(for _ in $(seq 500); do printf 'cyber NEAR/3 '; done)unit" \
         "$(for _ in $(seq 1000); do printf 'title:cyber '; done)" \
         "$(for _ in $(seq 300); do printf '"joint cyber" '; done)" \
         "$(for _ in $(seq 200); do printf 'date:2017..2019 '; done)cyber" \
         "$(for _ in $(seq 1000); do printf -- '-cyber '; done)unit" \
         "$(for _ in $(seq 1000); do printf 'AND '; done)" \
         "$(for _ in $(seq 2000); do printf 'caf\303\251 '; done)"; do
    timed 10 "$QUARRY_QUERY" --db "$tmp/db" -n 3 -- "$q"
    [ "$rc" -le 2 ] || fail "query '${q:0:40}...': exit $rc: $(head -c 300 "$tmp/err")"
done

# --- hostile text in the results ------------------------------------------------

# stored passages with terminal escapes and control bytes print inert
mkdir "$tmp/esc"
printf 'Escapes \033]0;owned\007 title\n\nzqesc \033[2J\033[31mred\033[0m bell\007 back\010 nul-free \r text\n' \
    >"$tmp/esc/esc.txt"
run "$QUARRY_INDEX" --db "$tmp/edb" "$tmp/esc"
expect_rc 0 "indexing text with escapes"
run "$QUARRY_QUERY" --db "$tmp/edb" --color never zqesc
expect_rc 0 "query finding escapes"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037]')" "$tmp/out"; then
    fail "control characters reach the terminal: $(od -c "$tmp/out" | head)"
fi
run "$QUARRY_QUERY" --db "$tmp/edb" --json zqesc
expect_rc 0 "--json query finding escapes"
jq -e . "$tmp/out" >/dev/null || fail "--json output is not JSON"

# --- indexes that are not there ---------------------------------------------------

mkdir "$tmp/emptydir"
run "$QUARRY_QUERY" --db "$tmp/emptydir" cyber
[ "$rc" -eq 3 ] || [ "$rc" -eq 4 ] || fail "an empty directory as the index: exit $rc"
grep -q "^quarry-query: " "$tmp/err" || fail "no message for an empty directory"
run "$QUARRY_QUERY" --db "$tmp/nothing/deeper/db" cyber
expect_rc 3 "an index under a missing directory"
printf 'auto %s\n' "$tmp/gone" >"$tmp/dangling.stub"
run "$QUARRY_QUERY" --db "$tmp/dangling.stub" cyber
expect_rc 3 "a stub naming a missing index"
grep -q "gone" "$tmp/err" || fail "the missing index behind the stub is not named"
run "$QUARRY_QUERY" --db "$tmp/db" --db "$tmp/nothing" cyber
expect_rc 3 "one of two indexes missing"
echo ok
