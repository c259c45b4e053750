#!/usr/bin/env bash
# Unattended runs (issue 12): nothing wiped by accident (a SOURCE emptied,
# missing, unreadable, or losing more than --max-delete is held: its
# sources stay, exit 5, "held" in the summary; a --rebuild that would lose
# them is not switched to), nothing left out silently (every file not
# indexed is a warning and a skip), and what the walk options, --delete
# and the dates do.
. "$QUARRY_TEST_LIB"
db="$tmp/db"

# article DIR N WORD: N text files in DIR, each findable by WORD.
articles() {
    mkdir -p "$1"
    for i in $(seq 1 "$2"); do
        printf 'Article %s %s\n\nThe %s archive keeps article %s.\n' \
            "$i" "$3" "$3" "$i" >"$1/a$i.txt"
    done
}
# hits QUERY: how many articles a query finds.
hits() {
    run "$QUARRY_QUERY" --db "$1" --json -n 100000 "$2"
    [ "$rc" -le 1 ] || fail "query '$2' failed: $(cat "$tmp/err")"
    if [ "$rc" -eq 1 ]; then echo 0; else wc -l <"$tmp/out"; fi
}

# --- an emptied SOURCE keeps its articles -----------------------------------

articles "$tmp/archive" 401 zqarchive
run "$QUARRY_INDEX" --db "$db" --json "$tmp/archive"
expect_rc 0 "first run"
[ "$(json_get "$tmp/out" .added)" = 401 ] || fail "not 401 added: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" '.held | length')" = 0 ] || fail "held on a good run"

mv "$tmp/archive" "$tmp/archive.away"         # an unmounted share ...
mkdir "$tmp/archive"                           # ... leaves its mount point
run "$QUARRY_INDEX" --db "$db" --json "$tmp/archive"
expect_rc 5 "an emptied SOURCE"
[ "$(json_get "$tmp/out" .deleted)" = 0 ] || fail "an empty SOURCE deleted: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" '.held[0].root')" = "$tmp/archive" ] || fail "not held: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" '.held[0].kept')" = 401 ] || fail "kept != 401: $(cat "$tmp/out")"
json_get "$tmp/out" '.held[0].reason' | grep -q '^empty' || fail "reason: $(cat "$tmp/out")"
grep -q "warning: $tmp/archive: empty.*401 sources kept" "$tmp/err" ||
    fail "no warning for the held SOURCE: $(cat "$tmp/err")"
[ "$(hits "$db" zqarchive)" = 401 ] || fail "articles lost after an empty run"
# the text summary says what was kept and why
run "$QUARRY_INDEX" --db "$db" "$tmp/archive"
expect_rc 5 "an emptied SOURCE, text summary"
grep -q "^held $tmp/archive: empty: no files under it; kept 401 sources" "$tmp/out" ||
    fail "text summary does not say what was held: $(cat "$tmp/out")"
grep -q "nothing to do" "$tmp/out" && fail "a held run says 'nothing to do'"

# --- a missing SOURCE: held, and never a quiet success -------------------------

rmdir "$tmp/archive"
run "$QUARRY_INDEX" --db "$db" --json "$tmp/archive"
expect_rc 5 "a missing SOURCE"
json_get "$tmp/out" '.held[0].reason' | grep -q '^missing: No such file' ||
    fail "missing not held: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" '.held[0].kept')" = 401 ] || fail "kept: $(cat "$tmp/out")"
[ "$(hits "$db" zqarchive)" = 401 ] || fail "articles lost after a missing run"
# a typo'd path holding nothing indexed: still 5
run "$QUARRY_INDEX" --db "$db" --json "$tmp/archvie"
expect_rc 5 "a typo'd SOURCE"
[ "$(json_get "$tmp/out" '.held[0].kept')" = 0 ] || fail "kept: $(cat "$tmp/out")"
mv "$tmp/archive.away" "$tmp/archive"

# an unreadable SOURCE (permissions do not stop root)
if [ "$(id -u)" != 0 ]; then
    chmod 000 "$tmp/archive"
    run "$QUARRY_INDEX" --db "$db" --json "$tmp/archive"
    chmod 755 "$tmp/archive"
    expect_rc 5 "an unreadable SOURCE"
    json_get "$tmp/out" '.held[0].reason' | grep -q '^unreadable' ||
        fail "unreadable not held: $(cat "$tmp/out")"
    [ "$(hits "$db" zqarchive)" = 401 ] || fail "articles lost after an unreadable run"
fi

# --- mass deletion: held over --max-delete, allowed when told -----------------

rm "$tmp/archive"/a1[0-9][0-9].txt "$tmp/archive"/a2[0-9][0-9].txt   # 200 of 401
run "$QUARRY_INDEX" --db "$db" --json "$tmp/archive"
expect_rc 0 "deleting 200 of 401 (not more than half)"
[ "$(json_get "$tmp/out" .deleted)" = 200 ] || fail "deleted: $(cat "$tmp/out")"
rm "$tmp/archive"/a[3-9][0-9].txt "$tmp/archive"/a3[0-9][0-9].txt  # 170 of 201
run "$QUARRY_INDEX" --db "$db" --json "$tmp/archive"
expect_rc 5 "deleting 170 of 201"
[ "$(json_get "$tmp/out" .deleted)" = 0 ] || fail "deleted past --max-delete: $(cat "$tmp/out")"
json_get "$tmp/out" '.held[0].reason' | grep -q 'would delete 170 of its 201 sources, more than --max-delete 50%' ||
    fail "reason: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" '.held[0].kept')" = 170 ] || fail "kept: $(cat "$tmp/out")"
[ "$(hits "$db" zqarchive)" = 201 ] || fail "held deletions happened"
run "$QUARRY_INDEX" --db "$db" --json --max-delete 100 "$tmp/archive"
expect_rc 5 "170 over a count of 100"
run "$QUARRY_INDEX" --db "$db" --json --max-delete 100% "$tmp/archive"
expect_rc 0 "--max-delete 100%"
[ "$(json_get "$tmp/out" .deleted)" = 170 ] || fail "deleted: $(cat "$tmp/out")"
[ "$(hits "$db" zqarchive)" = 31 ] || fail "not 31 left"
run "$QUARRY_INDEX" --db "$db" --max-delete 50.5% "$tmp/archive"
expect_rc 2 "a bad --max-delete"

# --- a --rebuild: deletions counted, and held against the live index ----------

articles "$tmp/other" 3 zqother
run "$QUARRY_INDEX" --db "$db" --json "$tmp/archive" "$tmp/other"
expect_rc 0 "adding a second SOURCE"
rm "$tmp/archive/a1.txt" "$tmp/archive/a2.txt" "$tmp/archive/a3.txt"
run "$QUARRY_INDEX" --db "$db" --json --rebuild "$tmp/archive" "$tmp/other"
expect_rc 0 "a rebuild with three fewer sources"
[ "$(json_get "$tmp/out" .deleted)" = 3 ] || fail "rebuild deleted: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .added)" = 31 ] || fail "rebuild added: $(cat "$tmp/out")"
mv "$tmp/other" "$tmp/other.away"; mkdir "$tmp/other"
live=$(cat "$db/XAPIANDB")
run "$QUARRY_INDEX" --db "$db" --json --rebuild "$tmp/archive" "$tmp/other"
expect_rc 5 "a rebuild losing an emptied SOURCE"
[ "$(json_get "$tmp/out" '.held[0].kept')" = 3 ] || fail "kept: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .deleted)" = 0 ] || fail "deleted: $(cat "$tmp/out")"
[ "$(cat "$db/XAPIANDB")" = "$live" ] || fail "the held rebuild was switched to"
[ "$(hits "$db" zqother)" = 3 ] || fail "the live index lost the held SOURCE"
[ -n "$(ls -d "$db"/v*.build 2>/dev/null)" ] && fail "a held rebuild left its build"
rmdir "$tmp/other"; mv "$tmp/other.away" "$tmp/other"
# ... and one that would lose more than --max-delete of a SOURCE
mkdir "$tmp/aside"; mv "$tmp/archive"/a[12]?.txt "$tmp/aside"/     # 20 of 28
run "$QUARRY_INDEX" --db "$db" --json --rebuild "$tmp/archive" "$tmp/other"
expect_rc 5 "a rebuild losing most of a SOURCE"
json_get "$tmp/out" '.held[0].reason' | grep -q 'more than --max-delete 50%' ||
    fail "reason: $(cat "$tmp/out")"
[ "$(cat "$db/XAPIANDB")" = "$live" ] || fail "the held rebuild was switched to"
mv "$tmp/aside"/*.txt "$tmp/archive"/; rmdir "$tmp/aside"

# --- --delete: a file, a directory, a standard-input id ----------------------

printf '{"id":"feed-1","title":"Feed one","text":"zqfeed first"}\n{"id":"feed-2","title":"Feed two","text":"zqfeed second"}\n' |
    "$QUARRY_INDEX" --db "$db" -q - || fail "stdin articles"
[ "$(hits "$db" zqfeed)" = 2 ] || fail "stdin articles not indexed"
run "$QUARRY_INDEX" --db "$db" --json --delete "$tmp/archive/a4.txt" --delete feed-2
expect_rc 0 "--delete a file and an id"
[ "$(json_get "$tmp/out" .deleted)" = 2 ] || fail "deleted: $(cat "$tmp/out")"
[ "$(hits "$db" zqfeed)" = 1 ] || fail "stdin id not deleted"
[ "$(hits "$db" zqarchive)" = 27 ] || fail "file not deleted"
run "$QUARRY_INDEX" --db "$db" --json --delete "$tmp/other"
expect_rc 0 "--delete a directory"
[ "$(json_get "$tmp/out" .deleted)" = 3 ] || fail "deleted: $(cat "$tmp/out")"
[ "$(hits "$db" zqother)" = 0 ] || fail "directory's sources not deleted"
run "$QUARRY_INDEX" --db "$db" --json --delete "$tmp/nothing-here" --delete no-such-id
expect_rc 1 "--delete matching nothing"
[ "$(json_get "$tmp/out" .skipped)" = 2 ] || fail "not counted: $(cat "$tmp/out")"
grep -q "warning: no-such-id: --delete: nothing in the index matches it" "$tmp/err" ||
    fail "no warning: $(cat "$tmp/err")"
run "$QUARRY_INDEX" --db "$db" --rebuild --delete x "$tmp/archive"
expect_rc 2 "--delete with --rebuild"

# --- what a walk lists: every file; patterns, hidden entries, links ----------

w="$tmp/walk"; wdb="$tmp/wdb"
mkdir -p "$w/src/drafts" "$w/src/.cache" "$w/outside"
printf 'Notes\n\nzqnotes about boats.\n' >"$w/src/notes"       # no extension
printf 'Draft\n\nzqdraft text.\n' >"$w/src/drafts/d.txt"
printf 'Cache\n\nzqhidden text.\n' >"$w/src/.cache/c.txt"
printf 'Pic\n\nzqpng text.\n' >"$w/src/pic.png"
: >"$w/src/empty.txt"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"$w/src/real.png"
printf 'Secret\n\nzqsecret text.\n' >"$w/outside/secret.txt"
ln -s "$w/outside/secret.txt" "$w/src/link.txt"
run "$QUARRY_INDEX" --db "$wdb" --json "$w/src"
expect_rc 1 "a walk with skips"
[ "$(json_get "$tmp/out" .added)" = 3 ] || fail "added: $(cat "$tmp/out")"   # notes, d.txt, pic.png
[ "$(json_get "$tmp/out" .partial)" = 0 ] || fail "partial: $(cat "$tmp/out")"
# every file not indexed: a warning line, a skip with its reason, counted
[ "$(json_get "$tmp/out" .skipped)" = 3 ] || fail "skipped: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" '.skips[] | select(.source | endswith("empty.txt")) | .reason')" = "empty file" ] ||
    fail "empty file: $(cat "$tmp/out")"
json_get "$tmp/out" '.skips[] | select(.source | endswith("real.png")) | .reason' | grep -q . ||
    fail "the PNG is not reported"
json_get "$tmp/out" '.skips[] | select(.source | endswith("link.txt")) | .reason' |
    grep -q "outside the folders being indexed" || fail "the link out is not reported"
[ "$(grep -c 'warning:' "$tmp/err")" = 3 ] || fail "warning lines: $(cat "$tmp/err")"
[ "$(hits "$wdb" zqsecret)" = 0 ] || fail "a link out of the SOURCE was followed"
[ "$(hits "$wdb" zqhidden)" = 0 ] || fail "a hidden directory was walked"
# --follow-links and --hidden
run "$QUARRY_INDEX" --db "$wdb" --json --follow-links --hidden "$w/src"
[ "$(hits "$wdb" zqsecret)" = 1 ] || fail "--follow-links did not follow"
[ "$(hits "$wdb" zqhidden)" = 1 ] || fail "--hidden did not walk .cache"
# --exclude: not reported, and what was indexed from it goes
run "$QUARRY_INDEX" --db "$wdb" --json --follow-links --hidden --exclude drafts \
    --exclude '*.png' --exclude empty.txt --max-delete 100% "$w/src"
expect_rc 0 "excluded files are not reported"
[ "$(json_get "$tmp/out" .skipped)" = 0 ] || fail "excluded files reported: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .deleted)" = 2 ] || fail "deleted: $(cat "$tmp/out")"  # draft, pic.png
[ ! -s "$tmp/err" ] || fail "warnings about excluded files: $(cat "$tmp/err")"
[ "$(hits "$wdb" zqdraft)" = 0 ] || fail "an excluded directory's file stayed"
[ "$(hits "$wdb" zqnotes)" = 1 ] || fail "notes lost"
# --include: only matching files; a file named directly is always read
run "$QUARRY_INDEX" --db "$wdb" --json --include '*.txt' --max-delete 100% "$w/src" "$w/src/notes"
[ "$(hits "$wdb" zqdraft)" = 1 ] || fail "--include left out a .txt"
[ "$(hits "$wdb" zqpng)" = 0 ] || fail "--include took a .png"
[ "$(hits "$wdb" zqnotes)" = 1 ] || fail "a file named directly was left out"

# --- an index inside its own SOURCE is not walked ------------------------------
mkdir -p "$tmp/self"
cp "$CORPUS"/joint-cyber-unit.txt "$tmp/self/"
run "$QUARRY_INDEX" --db "$tmp/self/index" --json "$tmp/self"
expect_rc 0 "an index inside its SOURCE"
[ "$(json_get "$tmp/out" .added)" = 1 ] || fail "index in its SOURCE: $(cat "$tmp/out")"
run "$QUARRY_INDEX" --db "$tmp/self/index" --json --rebuild "$tmp/self"
expect_rc 0 "--rebuild of an index inside its SOURCE"
[ "$(json_get "$tmp/out" '[.added, .skipped, .partial] | map(tostring) | join(" ")')" = "1 0 0" ] ||
    fail "the index walked itself: $(cat "$tmp/out") $(cat "$tmp/err")"
run "$QUARRY_INDEX" --db "$tmp/self/index" --json "$tmp/self"
[ "$(json_get "$tmp/out" '[.unchanged, .updated, .deleted, .skipped] | map(tostring) | join(" ")')" = "1 0 0 0" ] ||
    fail "a rerun of an index inside its SOURCE: $(cat "$tmp/out")"

# --- one file, two ways: indexed once ----------------------------------------

t="$tmp/twice"; tdb="$tmp/tdb"
mkdir -p "$t/a" "$t/b"
printf 'Shared\n\nzqshared text.\n' >"$t/a/shared.txt"
ln "$t/a/shared.txt" "$t/b/hard.txt"              # a hard link, in another SOURCE
ln -s "$t/a" "$t/b/to-a"                           # a link into a SOURCE
run "$QUARRY_INDEX" --db "$tdb" --json --follow-links "$t/a" "$t/b"
expect_rc 0 "the same file through two SOURCEs"
[ "$(json_get "$tmp/out" .added)" = 1 ] || fail "added: $(cat "$tmp/out")"
[ "$(hits "$tdb" zqshared)" = 1 ] || fail "indexed more than once"
# b/to-a, in the first SOURCE, leads into the second: inside, so neither
# followed nor reported (every SOURCE's real path is known before a walk)
run "$QUARRY_INDEX" --db "$tdb" --json "$t/b" "$t/a"
expect_rc 0 "a link from the first SOURCE into the second"
[ "$(hits "$tdb" zqshared)" = 1 ] || fail "indexed more than once, SOURCEs swapped"
grep -q "to-a" "$tmp/err" && fail "a link into a SOURCE was reported: $(cat "$tmp/err")"

# a SOURCE given through a symbolic link: a vanished file is still deleted
ln -s "$t/a" "$t/via"
sdb="$tmp/sdb"
printf 'Gone\n\nzqgone text.\n' >"$t/a/gone.txt"
run "$QUARRY_INDEX" --db "$sdb" --json "$t/via"
[ "$(json_get "$tmp/out" .added)" = 2 ] || fail "added via a link: $(cat "$tmp/out")"
rm "$t/a/gone.txt"
run "$QUARRY_INDEX" --db "$sdb" --json "$t/via"
expect_rc 0 "a SOURCE through a link"
[ "$(json_get "$tmp/out" .deleted)" = 1 ] || fail "vanished file kept: $(cat "$tmp/out")"

# --- dates ---------------------------------------------------------------------

d="$tmp/dates"; ddb="$tmp/ddb"
mkdir -p "$d"
printf '%s\n' '{"id":"y","title":"Year","text":"zqyear","date":"2023"}' \
    '{"id":"m","title":"Month","text":"zqmonth","date":"May 2021"}' \
    '{"id":"n","title":"None","text":"zqnone"}' >"$d/feed.jsonl"
printf 'Plain\n\nzqplain text.\n' >"$d/plain.txt"
touch -d '2019-03-04 12:00' "$d/feed.jsonl" "$d/plain.txt"
run "$QUARRY_INDEX" --db "$ddb" --json "$d"
expect_rc 0 "dated sources"
run "$QUARRY_QUERY" --db "$ddb" --json zqyear
[ "$(json_get "$tmp/out" .date)" = 2023-01-01 ] || fail "year-only date: $(cat "$tmp/out")"
run "$QUARRY_QUERY" --db "$ddb" --json 'zqyear date:2023'
expect_rc 0 "date:2023 finds a year-only date"
run "$QUARRY_QUERY" --db "$ddb" --json zqmonth
[ "$(json_get "$tmp/out" .date)" = 2021-05-01 ] || fail "month date: $(cat "$tmp/out")"
# no date of their own: the file's modification day
run "$QUARRY_QUERY" --db "$ddb" --json zqnone
[ "$(json_get "$tmp/out" .date)" = 2019-03-04 ] || fail "JSON line without a date: $(cat "$tmp/out")"
run "$QUARRY_QUERY" --db "$ddb" --json 'zqplain date:2019-03'
expect_rc 0 "a text file dated by its modification time"
# standard input has no file, so no date
printf '%s\n' '{"id":"s","title":"Stdin","text":"zqstdin"}' | "$QUARRY_INDEX" --db "$ddb" -q -
run "$QUARRY_QUERY" --db "$ddb" --json zqstdin
[ "$(json_get "$tmp/out" .date)" = null ] || fail "stdin got a date: $(cat "$tmp/out")"
echo ok
