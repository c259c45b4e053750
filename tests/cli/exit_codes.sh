#!/usr/bin/env bash
# Every exit code of quarry-index, and its messages.
. "$QUARRY_TEST_LIB"
mkdir -p "$tmp/src"
printf 'Title one\n\nSome words about harbours and ships.\n' > "$tmp/src/a.txt"

run "$QUARRY_INDEX" --help
expect_rc 0 "--help"
grep -q "Exit status" "$tmp/out" || fail "--help lacks exit codes"
run "$QUARRY_INDEX" --version
expect_rc 0 "--version"

run "$QUARRY_INDEX" "$tmp/src"
expect_rc 2 "missing --db"
grep -q "^quarry-index: .*--db" "$tmp/err" || fail "no message for missing --db"
run "$QUARRY_INDEX" --db "$tmp/db"
expect_rc 2 "no source"
run "$QUARRY_INDEX" --no-such-option --db "$tmp/db" "$tmp/src"
expect_rc 2 "unknown option"
run "$QUARRY_INDEX" --wait soon --db "$tmp/db" "$tmp/src"
expect_rc 2 "bad --wait"
run "$QUARRY_INDEX" --lang klingon --db "$tmp/db-k" "$tmp/src"
expect_rc 2 "unknown language"
grep -q "klingon" "$tmp/err" || fail "unknown language not named"
# refusing to turn a non-index directory into an index
run "$QUARRY_INDEX" --db "$tmp/src" "$tmp/src"
expect_rc 2 "--db pointing at a directory of documents"

run "$QUARRY_INDEX" --db "$tmp/db" "$tmp/src"
expect_rc 0 "clean run"

# 1: some sources skipped (a binary file)
printf 'bin\000\001\002\003ary' > "$tmp/src/blob.txt"
run "$QUARRY_INDEX" --db "$tmp/db" --json "$tmp/src"
expect_rc 1 "a skipped source"
grep -q "blob.txt" "$tmp/err" || fail "warning does not name the binary file"

# 5: a SOURCE held. A path that does not exist is never a quiet success
# (it was 1 before: a typo'd archive path passed every night); 5 wins
# over 1, and the missing path is still listed among the skips.
run "$QUARRY_INDEX" --db "$tmp/db" --json "$tmp/src" "$tmp/does-not-exist"
expect_rc 5 "skipped sources and a missing path"
grep -q "blob.txt" "$tmp/err" || fail "warning does not name the binary file"
grep -q "does-not-exist" "$tmp/err" || fail "warning does not name the missing path"
[ "$(json_get "$tmp/out" .skipped)" = 2 ] || fail "skipped count: $(cat "$tmp/out")"
json_get "$tmp/out" '.skips[].reason' | grep -q "unsupported format: application/octet-stream" || fail "no reason for the binary file"
[ "$(json_get "$tmp/out" '.held[0].root')" = "$tmp/does-not-exist" ] ||
    fail "the missing path is not held: $(cat "$tmp/out")"
json_get "$tmp/out" '.held[0].reason' | grep -q '^missing: No such file' ||
    fail "held for the wrong reason: $(cat "$tmp/out")"
run "$QUARRY_INDEX" --help
grep -q "^  5 " "$tmp/out" || fail "--help lacks exit status 5"

# 3: locked by another writer (a writer held open by a background process).
# The holder waits for the lock: without --wait it would give up at once
# whenever one of the probes below happened to hold the lock as it started.
mkfifo "$tmp/hold"
( exec 3<"$tmp/hold"; "$QUARRY_INDEX" --db "$tmp/db" --wait 60 - <&3 >/dev/null 2>&1 ) &
holder=$!
exec 4>"$tmp/hold"
for _ in $(seq 50); do
    run "$QUARRY_INDEX" --db "$tmp/db" "$tmp/src/a.txt"
    [ "$rc" -eq 3 ] && break
    sleep 0.1
done
expect_rc 3 "locked index"
grep -q "$tmp/db" "$tmp/err" || fail "lock message does not name the index"
# --wait gives up after the time given
start=$(date +%s)
run "$QUARRY_INDEX" --db "$tmp/db" --wait 1 "$tmp/src/a.txt"
expect_rc 3 "locked index with --wait 1"
# ... and succeeds when the other writer finishes in time
( sleep 1; exec 4>&- ) &
exec 4>&-
run "$QUARRY_INDEX" --db "$tmp/db" --wait 20 "$tmp/src/a.txt"
expect_rc 0 "--wait outlasting the other writer"
wait "$holder" || true

# 4: another failure (the index directory cannot be written)
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/ro"; chmod 0555 "$tmp/ro"
    run "$QUARRY_INDEX" --db "$tmp/ro/db" "$tmp/src/a.txt"
    expect_rc 4 "unwritable index location"
fi
# a file where the index should be
printf 'not an index' > "$tmp/notdb"
run "$QUARRY_INDEX" --db "$tmp/notdb" "$tmp/src/a.txt"
expect_rc 4 "a plain file as --db"
echo ok
