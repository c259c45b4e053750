#!/usr/bin/env bash
# Issue 12's "Done when", end to end: a folder of real documents of every
# format Quarry reads (the large ones through quarry-extract) is indexed,
# each document's own phrase is found with its title, author, date and
# pages; every file left out is in the summary's skips with its reason; a
# link out of the folder is reported, not followed; an emptied or missing
# root keeps what the index has from it and exits 5.
. "$QUARRY_TEST_LIB"
: "${QUARRY_EXTRACT:?run through ctest, or set QUARRY_EXTRACT}"
fx=$QUARRY_SOURCE_DIR/tests/fixtures
s=$tmp/archive
mkdir -p "$s/office" "$s/mail"

# --- the folder: documents, each with a phrase of its own -------------------

cp "$fx/three.pdf" "$s/survey.pdf"                  # 3 pages, document info
cp "$fx/documents/report.docx" "$fx/documents/slides.pptx" \
   "$fx/documents/sheet.xlsx" "$fx/marsh.odt" "$s/office/"
cp "$fx/kestrel.epub" "$fx/mail/report.rtf" "$s/"
cp "$fx/mail/alternative.eml" "$fx/mail/archive.mbox" "$s/mail/"   # the mbox:
# four messages, one with a PDF attachment (and two text ones)
cat >"$s/quokka.md" <<'EOF'
---
title: Rottnest Island Notes
author: Willem de Vlamingh
date: 1696-12-29
---
# Arrival

The quokka colony greeted the landing party.
EOF
cat >"$s/page.html" <<'EOF'
<!DOCTYPE html><html><head><title>Cartographers' Guild Minutes</title>
<meta name="author" content="Gerardus Mercator">
<meta name="date" content="1569-06-01"></head>
<body><nav>Home | Minutes</nav><p>The guild approved the cylindrical projection.</p></body></html>
EOF
printf 'Tidewater ledger\n\nThe lamplighter counted eleven barges.\n' >"$s/ledger.txt"
touch -d '2019-05-04 12:00' "$s/ledger.txt"         # its only date

# --- and files that cannot be indexed -----------------------------------------

head -c 1500 "$fx/three.pdf" >"$s/broken.pdf"
cp "$fx/encrypted.pdf" "$s/"
cp "$fx/bomb.docx" "$s/office/"                     # 129 MiB behind 731 bytes
cp "$fx/tiny.png" "$s/picture.png"
printf 'bin\000\001\002\003ary' >"$s/blob.dat"
printf 'Outside\n\nThe zqoutside file is not in the folder.\n' >"$tmp/outside.txt"
ln -s "$tmp/outside.txt" "$s/outside.txt"

run "$QUARRY_INDEX" --db "$tmp/db" --json "$s"
expect_rc 1 "a folder with files that cannot be indexed"
cp "$tmp/out" "$tmp/summary.json"
[ "$(json_get "$tmp/summary.json" .added)" = 12 ] || fail "12 sources added: $(cat "$tmp/out")"
# 12 documents, 3 more messages in the mbox and its 3 attachments
[ "$(json_get "$tmp/summary.json" .articles)" = 18 ] || fail "18 articles: $(cat "$tmp/out")"
[ "$(json_get "$tmp/summary.json" .skipped)" = 6 ] || fail "6 skipped: $(cat "$tmp/out")"
[ "$(json_get "$tmp/summary.json" .partial)" = 0 ] || fail "no partial: $(cat "$tmp/out")"

# every file left out, with its reason, and nothing else
reason() { json_get "$tmp/summary.json" ".skips[] | select(.source == \"$1\") | .reason"; }
[ "$(json_get "$tmp/summary.json" '[.skips[] | select(.whole)] | length')" = 6 ] ||
    fail "skips: $(cat "$tmp/summary.json")"
reason "$s/broken.pdf" | grep -q '^damaged PDF: ' || fail "broken PDF: $(reason "$s/broken.pdf")"
[ "$(reason "$s/encrypted.pdf")" = "encrypted PDF" ] || fail "encrypted: $(reason "$s/encrypted.pdf")"
[ "$(reason "$s/office/bomb.docx")" = "member word/document.xml larger than 134217728 bytes" ] ||
    fail "zip bomb: $(reason "$s/office/bomb.docx")"
[ "$(reason "$s/picture.png")" = "unsupported format: image/png" ] ||
    fail "image: $(reason "$s/picture.png")"
[ "$(reason "$s/blob.dat")" = "unsupported format: application/octet-stream" ] ||
    fail "binary: $(reason "$s/blob.dat")"
reason "$s/outside.txt" | grep -q "^symbolic link to .*outside.txt, outside the folders being indexed, not followed" ||
    fail "link: $(reason "$s/outside.txt")"
for f in broken.pdf encrypted.pdf office/bomb.docx picture.png blob.dat outside.txt; do
    grep -q "^quarry-index: warning: $s/$f: .* (skipped)$" "$tmp/err" || fail "no warning for $f: $(cat "$tmp/err")"
done
run "$QUARRY_QUERY" --db "$tmp/db" --json zqoutside
expect_rc 1 "the file behind the link is not indexed"

# found DB QUERY ID TITLE AUTHOR DATE DATE_SOURCE PAGE PAGE_LAST: the best
# result of QUERY is article ID with these fields ("null" for none).
found() {
    run "$QUARRY_QUERY" --db "$1" --json -n 1 "$2"
    expect_rc 0 "query $2"
    got=$(jq -r '[.article_id, .title, .author, .date, .date_source, .page, .page_last] | map(tostring) | join("|")' "$tmp/out")
    want="$3|$4|$5|$6|$7|$8|$9"
    [ "$got" = "$want" ] || fail "query $2:
  got  $got
  want $want"
}
documents() {
    found "$1" '"second paragraph after a gap"' "$s/survey.pdf" "Quarry Test Document" \
        "Ada Lovelace" 2017-07-09 document 1 3
    found "$1" '"repainted in vermilion"' "$s/office/report.docx" "Harbour Cranes Quarterly" \
        "Ada Lovelace" 2024-03-15 document null null
    found "$1" '"seals gather near the breakwater"' "$s/office/slides.pptx" "Lighthouse Survey" \
        "Grace Hopper" 2023-11-02 document 1 3
    found "$1" '"spring tides flood the quay"' "$s/office/sheet.xlsx" "Tide Tables 2022" \
        "Mary Somerville" 2022-06-30 document 1 2
    found "$1" '"samphire glows crimson"' "$s/office/marsh.odt" "Salt Marsh Field Notes" \
        "Rachel Carson" 2021-09-14 document null null
    found "$1" '"phosphorescent wake"' "$s/kestrel.epub" "The Voyage of the Kestrel" \
        "Mary Anning" 2020-02-29 document null null
    found "$1" '"aardvark parade"' "$s/mail/alternative.eml" "Alternative parts" \
        "Doe, Jane <jane@example.org>" 2024-04-02 document null null
    found "$1" '"ferry leaves at nine"' "$s/mail/archive.mbox/m1@example.org" "Harbour schedule" \
        "Harbour Office <harbour@example.org>" 2024-01-08 document null null
    found "$1" '"heliotrope lanterns"' "$s/mail/archive.mbox/m2%2Fx@example.org/minutes.pdf" \
        "Quarry test PDF: heliotrope lanterns" null 2026-12-03 document 1 1
    found "$1" '"periwinkle semaphore"' "$s/report.rtf" "Quarterly Café Report" \
        "Jane Östlund" 2019-03-14 document null null
    found "$1" '"quokka colony"' "$s/quokka.md" "Rottnest Island Notes" \
        "Willem de Vlamingh" 1696-12-29 document null null
    found "$1" '"cylindrical projection"' "$s/page.html" "Cartographers' Guild Minutes" \
        "Gerardus Mercator" 1569-06-01 document null null
    found "$1" '"lamplighter counted"' "$s/ledger.txt" "Tidewater ledger" \
        null 2019-05-04 file null null
}
documents "$tmp/db"

# --- pages: passages small enough to stay on one page -------------------------

run "$QUARRY_INDEX" --db "$tmp/pages" --json --passage-words 10 \
    "$s/survey.pdf" "$s/office/slides.pptx" "$s/office/sheet.xlsx"
expect_rc 0 "the paged documents in small passages"
found "$tmp/pages" '"hyphenated word"' "$s/survey.pdf" "Quarry Test Document" \
    "Ada Lovelace" 2017-07-09 document 1 1
found "$tmp/pages" '"spans two lines"' "$s/survey.pdf" "Quarry Test Document" \
    "Ada Lovelace" 2017-07-09 document 2 2
found "$tmp/pages" '"last words"' "$s/survey.pdf" "Quarry Test Document" \
    "Ada Lovelace" 2017-07-09 document 3 3
found "$tmp/pages" '"keeper logs fog"' "$s/office/slides.pptx" "Lighthouse Survey" \
    "Grace Hopper" 2023-11-02 document 2 2
found "$tmp/pages" '"seals gather"' "$s/office/slides.pptx" "Lighthouse Survey" \
    "Grace Hopper" 2023-11-02 document 3 3
found "$tmp/pages" '"spring tides"' "$s/office/sheet.xlsx" "Tide Tables 2022" \
    "Mary Somerville" 2022-06-30 document 2 2
# the text output names the page on the source line
# (wide, so that the source line is one line)
COLUMNS=300 run "$QUARRY_QUERY" --db "$tmp/pages" -n 1 '"spans two lines"'
expect_rc 0 "text output"
grep -q "^   $s/survey.pdf, 2017-07-09, by Ada Lovelace, passage 3/4, page 2, score " "$tmp/out" ||
    fail "no page on the source line: $(cat "$tmp/out")"
COLUMNS=300 run "$QUARRY_QUERY" --db "$tmp/db" -n 1 '"second paragraph after a gap"'
grep -q "^   $s/survey.pdf, .*passage 1/1, pages 1-3, " "$tmp/out" ||
    fail "no pages on the source line: $(cat "$tmp/out")"

# --- an emptied root keeps its articles; a missing one too --------------------

# held WHY: a run over the root exits 5, holding it for WHY with its 12
# sources kept and none deleted, and every document is still found.
held() {
    run "$QUARRY_INDEX" --db "$tmp/db" --json "$s"
    expect_rc 5 "a root $1"
    [ "$(json_get "$tmp/out" '.held | map("\(.root)|\(.kept)") | join(" ")')" = "$s|12" ] ||
        fail "not held with its 12 sources: $(cat "$tmp/out")"
    json_get "$tmp/out" '.held[0].reason' | grep -q "^$1" || fail "held why: $(cat "$tmp/out")"
    [ "$(json_get "$tmp/out" .deleted)" = 0 ] || fail "deleted: $(cat "$tmp/out")"
    documents "$tmp/db"
}
mkdir "$tmp/away"
mv "$s"/* "$tmp/away/"                              # an unmounted share
held empty
rmdir "$s"
held missing
