#!/usr/bin/env bash
# quarry-index on hostile input (issue 3): the fixtures of
# tests/hostile/make-fixtures.sh, indexed together with good files.
#
# For every kind: no crash (lib.sh's run fails on a status above 128); a
# source that cannot be read is skipped whole, and a damaged part of a
# source (a JSON line, an archive member, the tail of a truncated stream)
# is skipped alone, each with one warning line on stderr naming it and the
# reason, and one entry in the --json summary ("skipped" or "partial",
# "skips"); and nothing else is lost: the good files, lines and members of
# the same run are found by quarry-query.
#
# Run as root, permissions do not stop reads: the unreadable file is then a
# link to /proc/self/mem (EIO at offset 0 for anyone) and a dangling link;
# the chmod 000 cases run only for other users.
. "$QUARRY_TEST_LIB"

bash "$QUARRY_SOURCE_DIR/tests/hostile/make-fixtures.sh" "$tmp/fx" ||
    fail "make-fixtures.sh failed"
cd "$tmp/fx"            # sources are named in/..., as the user typed them
db=$tmp/db
root=0
[ "$(id -u)" = 0 ] && root=1

# --- expectations --------------------------------------------------------------

nwhole=0                # expected sources skipped whole
nparts=0                # expected parts skipped
: >"$tmp/queries"       # qid<TAB>marker word, for one batch run
: >"$tmp/expect-found"  # marker article-id
: >"$tmp/expect-lost"   # marker

# skips_of WHERE WHOLE: the reasons of the summary's skips for source WHERE
# (exact) with whole = WHOLE (true/false).
skips_of() {
    jq -r --arg w "$1" --argjson whole "$2" \
        '.skips[] | select(.source == $w and .whole == $whole) | .reason' "$tmp/sum.json"
}

# whole WHERE REGEX: WHERE was skipped whole for a reason matching REGEX.
whole() {
    local reasons
    reasons=$(skips_of "$1" true)
    [ -n "$reasons" ] || fail "$1: not skipped whole (skips: $(jq -c .skips "$tmp/sum.json"))"
    [ "$(printf '%s\n' "$reasons" | wc -l)" -eq 1 ] || fail "$1: skipped more than once"
    printf '%s\n' "$reasons" | grep -Eq -- "$2" || fail "$1: reason '$reasons' is not /$2/"
    grep -Fq -- "quarry-index: warning: $1: $reasons (skipped)" "$tmp/err" ||
        fail "$1: no warning line on stderr"
    nwhole=$((nwhole + 1))
}

# parts SOURCE N REGEX: exactly N parts of SOURCE (the source itself, its
# members SOURCE/..., its lines SOURCE:N) were skipped, every reason
# matching REGEX.
parts() {
    local got
    got=$(jq -r --arg p "$1" \
        '.skips[] | select(.whole == false and (.source == $p or
            (.source | startswith($p + "/")) or (.source | startswith($p + ":")))) | .reason' \
        "$tmp/sum.json")
    [ "$(printf '%s' "$got" | grep -c '')" -eq "$2" ] ||
        fail "$1: expected $2 parts skipped, got: $(printf '%s' "$got" | tr '\n' '|')"
    if [ "$2" -gt 0 ]; then
        printf '%s\n' "$got" | grep -Evq -- "$3" &&
            fail "$1: a reason is not /$3/: $(printf '%s' "$got" | tr '\n' '|')"
        [ "$(grep -Fc -- "quarry-index: warning: $1" "$tmp/err")" -ge "$2" ] ||
            fail "$1: fewer than $2 warning lines on stderr"
    fi
    nparts=$((nparts + $2))
}

# found WORD ID: a search for WORD finds the article ID. lost WORD: finds
# nothing.
found() { printf '%s\t%s\n' "$1" "$1" >>"$tmp/queries"; printf '%s %s\n' "$1" "$2" >>"$tmp/expect-found"; }
lost() { printf '%s\t%s\n' "$1" "$1" >>"$tmp/queries"; printf '%s\n' "$1" >>"$tmp/expect-lost"; }

# check_searches: one batch run of every marker, then the expectations.
check_searches() {
    run "$QUARRY_QUERY" --db "$db" --queries "$tmp/queries" --depth 20
    [ "$rc" -le 1 ] || fail "batch query: exit $rc: $(cat "$tmp/err")"
    cp "$tmp/out" "$tmp/run"
    while read -r word id; do
        # (through the environment: awk -v would expand the \n of an id)
        W=$word I=$id awk '$1 == ENVIRON["W"] && $3 == ENVIRON["I"] { ok = 1 }
                           END { exit !ok }' "$tmp/run" || fail "'$word' does not find $id: $(grep "^$word " "$tmp/run" | head -3)"
    done <"$tmp/expect-found"
    while read -r word; do
        if grep -q "^$word " "$tmp/run"; then fail "'$word' was indexed: $(grep "^$word " "$tmp/run")"; fi
    done <"$tmp/expect-lost"
}

# --- one run over every kind ---------------------------------------------------

run "$QUARRY_INDEX" --db "$db" --json in
cp "$tmp/out" "$tmp/sum.json"
cp "$tmp/err" "$tmp/err.main"
expect_rc 1 "indexing the hostile fixtures"
jq -e . "$tmp/sum.json" >/dev/null || fail "--json summary is not JSON: $(cat "$tmp/sum.json")"

# every stderr line is one warning: 'quarry-index: warning: SOURCE: REASON'
if grep -v '^quarry-index: warning: [^ ]' "$tmp/err"; then
    fail "stderr holds something other than one-line warnings"
fi
[ "$(wc -l <"$tmp/err")" -eq "$(jq '.skips | length' "$tmp/sum.json")" ] ||
    fail "warning lines and summary entries differ: $(wc -l <"$tmp/err") vs $(jq '.skips | length' "$tmp/sum.json")"

# 1-2 empty and blank files: nothing to index, so skipped whole (not a
# part of an indexed source), one warning each
whole in/empty.txt '^empty file$'
whole in/blank.txt '^no text$'
# 3-4 binary content, whatever the name says
whole in/nul.txt 'unsupported format: application/octet-stream'
whole in/program.txt 'unsupported format: application/x-(pie-)?(executable|sharedlib)'
lost zqbinary
# 5-6 invalid and overlong UTF-8: decoded (as Windows-1252), indexed
found zqinvalid in/invalid-utf8.txt
found zqoverlong in/overlong-utf8.txt
# 7-8 UTF-16 with a byte-order mark, 9 Latin-1: converted, accents kept
found zqutfsixteenle in/utf16le.txt
found zqutfsixteenbe in/utf16be.txt
found zqlatin in/latin1.txt
found 'über' in/latin1.txt
found 'café' in/utf16le.txt
# 10 terminal escapes and control bytes, 11 a 300 KB word: indexed
found zqescape in/escapes.txt
found zqlongword in/longword.txt
# 12 truncated gzip: what decoded is kept
parts in/truncated.txt.gz 1 'gzip data truncated after [0-9]+ decoded bytes.*only the first'
found zqgztrunc in/truncated.txt.gz
# 13 corrupt gzip: kept up to the damage; damaged at once: skipped
parts in/corrupt.txt.gz 1 'corrupt gzip data after [1-9][0-9]* decoded bytes.*only the first'
whole in/corrupt-early.txt.gz 'corrupt gzip data after 0 decoded bytes'
# 14 gzip magic and garbage
whole in/garbage.txt.gz 'gzip'
# 15 not gzip'd despite .gz, 17 trailing garbage after the gzip stream
found zqnotgzip in/notgzip.txt.gz
parts in/trailing.txt.gz 1 'trailing garbage'
found zqgztrail in/trailing.txt.gz
# 16 gzip bomb (1 GiB of words in 1.5 MB): stops at the size limit
whole in/bomb.txt.gz 'larger than [0-9]+ bytes'
# 18 truncated tar: the members before the damage are indexed
parts in/truncated.tar 2 'truncated|Truncated'
found zqtartrunc in/truncated.tar/good-tartrunc.txt
# 19-20 absolute paths and '..': refused, the good member indexed
parts in/absolute.tar 1 'unsafe member path'
found zqtarabs in/absolute.tar/good-tarabs.txt
lost zqevilabs
parts in/dotdot.tar 2 'unsafe member path'
found zqtardotdot in/dotdot.tar/good-tardotdot.txt
lost zqevildotdot
# 21-23 symlink, hard link, devices and FIFO members: refused
parts in/symlink.tar 1 'symbolic link'
found zqtarsym in/symlink.tar/good-tarsym.txt
parts in/hardlink.tar 1 'hard link'
found zqtarhard in/hardlink.tar/good-tarhard.txt
parts in/devices.tar 3 'character device|block device|FIFO'
found zqtardev in/devices.tar/good-tardev.txt
# 24 a header claiming 8 GiB: refused by size, then the archive ends
parts in/liar.tar 2 'larger than the limit|truncated'
found zqtarliar in/liar.tar/good-tarliar.txt
# 25 nested archive, 26 truncated .tar.gz, 27 not an archive
parts in/nested.tar 1 'nested archive'
found zqtarnest in/nested.tar/good-tarnest.txt
parts in/truncated.tar.gz 2 'truncated'
found zqtgztrunc in/truncated.tar.gz/good-tgztrunc.txt
whole in/random.tar 'not a valid archive'
# 28 malformed JSON lines among good ones: each bad line skipped alone
parts in/mixed.jsonl 10 'invalid JSON|no "id"|"id" is not|"text" is not|not a JSON object'
found zqjsonone j1
found zqjsonthree j3
found zqjsonseven j7
lost zqnoid
lost zqsurrogate
lost zqjsonnul       # \u0000: refused by the JSON parser (a warning)
# 29 huge values: a 2 MB title (cut), 1e999999 (refused), 20,000 keys
parts in/huge.jsonl 1 'overflow'
found zqhugetitle big1
found zqmanykeys big3
found zqjsonafterhuge big4
lost zqhugenumber
# 30 nesting deeper than the JSON parser goes: those lines skipped
parts in/deep.jsonl 2 'depth'
found zqjsonafterdeep deep3
# 31 JSON Lines in UTF-16
whole in/utf16.jsonl 'UTF-16'
# 32 unclosed HTML tags: the text is indexed, scripts are not
found zqunclosed in/unclosed.html
lost zqscript
# 33 10,000-deep HTML: the parser stops at its depth limit, with a warning;
# the title before it is indexed
parts in/deep.html 1 'nesting too deep'
printf 'deeptitle\tnesting\n' >>"$tmp/queries"
printf 'deeptitle in/deep.html\n' >>"$tmp/expect-found"
# 34-35 wrong and unknown charset declarations: text still indexed
found zqwrongcharset in/wrong-charset.html
found zqunknowncharset in/unknown-charset.html
# 36 entity expansion: bounded, indexed
found zqentities in/entities.html
# 37 unterminated front matter, a 5,000-'#' heading
found zqmarkdown in/frontmatter.md
# 38 file names: newline, invalid UTF-8, leading dash, escape: indexed,
# their ids printable
found zqnewlinename 'in/new\nline.txt'
found zqbadbytesname 'in/bad-\xff\xfe-name.txt'
found zqdashname in/-rf.txt
found zqescapename 'in/esc-\x1b[31m-name.txt'
# 39 links: loops, a dangling link, links out of the folder indexed (to a
# directory, to an unreadable file): reported, never followed
whole in/loop-a.txt 'symbolic link loop'
whole in/loop-b.txt 'symbolic link loop'
whole in/self.txt 'symbolic link loop'
whole in/dangling.txt 'broken symbolic link'
whole in/up 'outside the folders being indexed'
if [ -L in/unreadable-mem.txt ]; then
    whole in/unreadable-mem.txt 'link to /proc/.*outside the folders being indexed'
fi
# 40 a FIFO and a device node in the tree: never opened
whole in/fifo.txt 'not a regular file'
if [ -e in/device.txt ]; then
    whole in/device.txt 'not a regular file'
fi
# the good files around them
found zqgoodplain in/good.txt
found zqgoodmd in/good.md

[ "$(jq .skipped "$tmp/sum.json")" -eq "$nwhole" ] ||
    fail "summary counts $(jq .skipped "$tmp/sum.json") skipped, expected $nwhole"
[ "$(jq .partial "$tmp/sum.json")" -eq "$nparts" ] ||
    fail "summary counts $(jq .partial "$tmp/sum.json") partial, expected $nparts"
[ "$(jq '.skips | length' "$tmp/sum.json")" -eq $((nwhole + nparts)) ] ||
    fail "the summary lists skips nobody expected: $(jq -c .skips "$tmp/sum.json")"
check_searches

# the same run again: nothing changed, nothing crashes, the same sources
# are skipped again (they are never recorded as indexed)
run "$QUARRY_INDEX" --db "$db" --json in
expect_rc 1 "second run over the hostile fixtures"
[ "$(jq .skipped "$tmp/out")" -eq "$nwhole" ] || fail "second run: skipped $(jq .skipped "$tmp/out")"
[ "$(jq '.added + .updated + .deleted' "$tmp/out")" -eq 0 ] ||
    fail "second run changed the index: $(cat "$tmp/out")"

# --- big: a 50 MB single line and a 1 GB sparse file ---------------------------

: >"$tmp/queries"; : >"$tmp/expect-found"; : >"$tmp/expect-lost"
nwhole=0; nparts=0
run "$QUARRY_INDEX" --db "$db" --json big
cp "$tmp/out" "$tmp/sum.json"
expect_rc 1 "indexing the big fixtures"
parts big/longline.txt 1 'truncated from 52428[0-9]* to [0-9]+ bytes'
whole big/sparse.txt 'unsupported format: application/octet-stream'
found zqlongline big/longline.txt
lost zqsparse
check_searches

# --- standard input: malformed JSON Lines --------------------------------------

: >"$tmp/queries"; : >"$tmp/expect-found"; : >"$tmp/expect-lost"
nwhole=0; nparts=0
run "$QUARRY_INDEX" --db "$db" --json - <stdin.jsonl
cp "$tmp/out" "$tmp/sum.json"
expect_rc 1 "JSON Lines on stdin"
parts '<stdin>' 2 'invalid JSON'
found zqstdinone s1
found zqstdinthree s3
check_searches

# --- a leading dash on the command line ----------------------------------------

# without --, "-rf.txt" is options: a usage error, nothing indexed
run "$QUARRY_INDEX" --db "$tmp/db-dash" -rf.txt
expect_rc 2 "a dash-named source without --"
[ -e "$tmp/db-dash" ] && fail "a usage error created an index"
run "$QUARRY_INDEX" --db "$tmp/db-dash" --json -- in/-rf.txt -rf.txt
# (5, not 1: a SOURCE that does not exist is held, never a quiet success)
expect_rc 5 "dash-named sources after --"
[ "$(jq .added "$tmp/out")" -eq 1 ] || fail "in/-rf.txt not added: $(cat "$tmp/out")"
jq -e '.skips[] | select(.source == "-rf.txt" and .whole)' "$tmp/out" >/dev/null ||
    fail "a missing -rf.txt is not reported"
jq -e '.held[] | select(.root == "-rf.txt")' "$tmp/out" >/dev/null ||
    fail "a missing -rf.txt is not held"

# --- a skipped file whose name holds a newline and an escape -------------------

mkdir "$tmp/names"
printf 'bin\000ary' >"$tmp/names/evil
name.txt"
run "$QUARRY_INDEX" --db "$tmp/db-names" --json "$tmp/names"
expect_rc 1 "a binary file with a newline in its name"
jq -e '.skips[] | select(.source | endswith("names/evil\\nname.txt"))' "$tmp/out" >/dev/null ||
    fail "the summary does not name the file printably: $(jq -c .skips "$tmp/out")"
[ "$(wc -l <"$tmp/err")" -eq 1 ] ||
    fail "a warning for a name with a newline is not one line: $(cat "$tmp/err")"
grep -q 'names/evil\\nname.txt: unsupported format' "$tmp/err" ||
    fail "the warning does not name the file as the summary does: $(cat "$tmp/err")"

# --- unreadable by permission (not as root: root reads anything) ---------------

if [ "$root" = 0 ]; then
    mkdir -p "$tmp/perm/closed"
    printf 'Locked\n\nzqlocked\n' >"$tmp/perm/locked.txt"
    printf 'Hidden\n\nzqhidden\n' >"$tmp/perm/closed/inside.txt"
    printf 'Open\n\nzqopen\n' >"$tmp/perm/open.txt"
    chmod 000 "$tmp/perm/locked.txt" "$tmp/perm/closed"
    run "$QUARRY_INDEX" --db "$tmp/db-perm" --json "$tmp/perm"
    expect_rc 1 "unreadable file and directory"
    jq -e '.skips[] | select((.source | endswith("perm/locked.txt")) and .whole)' "$tmp/out" \
        >/dev/null || fail "unreadable file not skipped: $(cat "$tmp/out")"
    jq -e '.skips[] | select((.source | endswith("perm/closed")) and .whole)' "$tmp/out" \
        >/dev/null || fail "unreadable directory not skipped: $(cat "$tmp/out")"
    grep -q "Permission denied" "$tmp/err" || fail "no 'Permission denied' warning"
    run "$QUARRY_QUERY" --db "$tmp/db-perm" zqopen
    expect_rc 0 "the readable file next to them"
    chmod 755 "$tmp/perm/closed"
    chmod 644 "$tmp/perm/locked.txt"
else
    echo "note: running as root: the chmod 000 cases are skipped (root reads" \
         "anything); /proc/self/mem and dangling links stand in for them" >&2
fi

# --- a directory vanishing in the middle of the walk ---------------------------

# Deterministic: two directories a and b, each with 3,000 dangling links.
# The walk reads a and b from the root, then one of them, warning about its
# links on stderr, which is a pipe that this script stops reading after the
# first line: once the pipe is full, the indexer waits inside that
# directory while the other one is removed. Its open then fails.
vw=$tmp/vanish
mkdir -p "$vw/src/a" "$vw/src/b"
printf 'Keep A\n\nzqvanisha\n' >"$vw/src/a/keep.txt"
printf 'Keep B\n\nzqvanishb\n' >"$vw/src/b/keep.txt"
run "$QUARRY_INDEX" --db "$vw/db" "$vw/src"
expect_rc 0 "indexing the tree that will vanish"
long=$(printf '%0100d' 0)
for d in a b; do
    (cd "$vw/src/$d" && seq -f "../nowhere/missing-%g-$long" 1 3000 | xargs ln -s -t .)
done
mkfifo "$vw/err"
"$QUARRY_INDEX" --db "$vw/db" --json "$vw/src" >"$vw/out" 2>"$vw/err" &
indexer=$!
exec 5<"$vw/err"
IFS= read -r first <&5 || fail "no warning from the walk"
case $first in
*"/src/a/"*) victim=b; survivor=a ;;
*"/src/b/"*) victim=a; survivor=b ;;
*) fail "unexpected first warning: $first" ;;
esac
rm -rf "${vw:?}/src/$victim"
cat <&5 >"$vw/err.rest"
exec 5<&-
set +e
wait "$indexer"
rc=$?
set -e
[ "$rc" -le 128 ] || fail "indexer crashed ($rc) when a directory vanished"
[ "$rc" -eq 1 ] || fail "vanished directory: exit $rc: $(head -3 "$vw/err.rest")"
grep -q "src/$victim: cannot read directory: vanished during the walk" "$vw/err.rest" ||
    fail "no warning naming the vanished directory $victim"
jq -e --arg v "src/$victim" '.skips[] | select((.source | endswith($v)) and .whole)' \
    "$vw/out" >/dev/null || fail "vanished directory not in the summary"
run "$QUARRY_QUERY" --db "$vw/db" "zqvanish$survivor"
expect_rc 0 "the directory that stayed"
# what could not be read this time keeps what the index had of it ...
run "$QUARRY_QUERY" --db "$vw/db" "zqvanish$victim"
expect_rc 0 "the vanished directory's file, kept for this run"
# ... and the next run, which sees it gone, deletes it
run "$QUARRY_INDEX" --db "$vw/db" --json "$vw/src"
[ "$rc" -le 1 ] || fail "run after the vanishing: exit $rc"
[ "$(jq .deleted "$tmp/out")" -eq 1 ] || fail "vanished file not deleted: $(jq -c 'del(.skips)' "$tmp/out")"
run "$QUARRY_QUERY" --db "$vw/db" "zqvanish$victim"
expect_rc 1 "the vanished directory's file after the next run"

echo ok
