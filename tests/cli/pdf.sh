#!/usr/bin/env bash
# PDF end to end through quarry-index and its sandbox (quarry-extract):
# PDFs are indexed and found, a PDF named .txt is read as a PDF and a PNG
# named .txt is not read as text, the ones that cannot be read are skipped
# with their reason, and a child that
# crashes or cannot be found costs its files only.
. "$QUARRY_TEST_LIB"
: "${QUARRY_EXTRACT:?run through ctest, or set QUARRY_EXTRACT}"
fx=$QUARRY_SOURCE_DIR/tests/fixtures
s="$tmp/src"
mkdir -p "$s"
cp "$fx/three.pdf" "$fx/untitled.pdf" "$fx/encrypted.pdf" "$fx/image-only.pdf" "$s/"
cp "$fx/tiny.png" "$s/picture.txt"   # (a .png the walk would skip by its name)
cp "$fx/three.pdf" "$s/really-a-pdf.txt"
printf 'Plain notes\n\nThe zqplainword is in a text file.\n' > "$s/notes.txt"

run "$QUARRY_INDEX" --db "$tmp/db" --json "$s"
expect_rc 1 "PDFs indexed, the unreadable skipped"
[ "$(json_get "$tmp/out" .articles)" = 4 ] || fail "4 articles expected: $(cat "$tmp/out")"
reasons=$(json_get "$tmp/out" '.skips[] | "\(.source)|\(.reason)"' | sort)
expected=$(printf '%s\n' "$s/encrypted.pdf|encrypted PDF" \
    "$s/image-only.pdf|no text (image-only PDF)" \
    "$s/picture.txt|unsupported format: image/png" | sort)
[ "$reasons" = "$expected" ] || fail "skips: $reasons"

# check WORD ID-SUFFIX TITLE
check() {
    run "$QUARRY_QUERY" --db "$tmp/db" --json "$1"
    expect_rc 0 "query $1"
    ids=$(jq -r '.article_id, .duplicates[]' "$tmp/out" | sort | tr '\n' ' ')
    [ "$ids" = "$2 " ] || fail "$1: ids '$ids', expected '$2 '"
    title=$(jq -r .title "$tmp/out" | head -n 1)
    [ "$title" = "$3" ] || fail "$1: title '$title', expected '$3'"
}
check hyphenated "$s/really-a-pdf.txt $s/three.pdf" "Quarry Test Document"
check spans "$s/really-a-pdf.txt $s/three.pdf" "Quarry Test Document"
check untitled "$s/untitled.pdf" "Untitled Heading Line"

# a child that crashes: each PDF skipped with the reason, the rest indexed
QUARRY_EXTRACT_TEST=crash run "$QUARRY_INDEX" --db "$tmp/db2" --json "$s"
expect_rc 1 "crashing extractor"
[ "$(json_get "$tmp/out" .articles)" = 1 ] || fail "only notes.txt expected: $(cat "$tmp/out")"
n=$(json_get "$tmp/out" '[.skips[] | select(.reason == "extractor killed by SIGSEGV")] | length')
[ "$n" = 5 ] || fail "5 PDFs skipped by the crash expected: $(cat "$tmp/out")"

# no quarry-extract: the PDFs cannot be read, the rest can
QUARRY_EXTRACT=/nonexistent/quarry-extract run "$QUARRY_INDEX" --db "$tmp/db3" --json "$s"
expect_rc 1 "no extractor"
grep -q "cannot read PDF files: quarry-extract not found" "$tmp/err" ||
    fail "no reason naming the missing quarry-extract: $(cat "$tmp/err")"

# the limits from the command line: refused when absurd, used when not
run "$QUARRY_INDEX" --db "$tmp/db4" --extract-memory 100 "$s"
expect_rc 2 "--extract-memory below 256 MB"
run "$QUARRY_INDEX" --db "$tmp/db4" --extract-seconds 0 "$s"
expect_rc 2 "--extract-seconds 0"
run "$QUARRY_INDEX" --db "$tmp/db4" --json --extract-seconds 1 --extract-memory 256 "$s"
expect_rc 1 "small but sufficient limits"
[ "$(json_get "$tmp/out" .articles)" = 4 ] || fail "4 articles expected: $(cat "$tmp/out")"
QUARRY_EXTRACT_TEST=hang run "$QUARRY_INDEX" --db "$tmp/db5" --json --extract-seconds 1 "$s"
expect_rc 1 "hanging extractor"
n=$(json_get "$tmp/out" '[.skips[] | select(.reason == "extractor timed out after 2 s")] | length')
[ "$n" = 5 ] || fail "5 PDFs timed out expected: $(cat "$tmp/out")"
