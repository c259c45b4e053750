#!/usr/bin/env bash
# quarry-serve's search page in a real browser (issue 15): headless
# Chromium loads the page as its GET form submits it, and the rendered DOM
# holds the results, highlighted; screenshots at phone and desktop widths
# are saved in the build folder (serve-*.png) for people to look at.
. "$QUARRY_TEST_LIB"
. "$(dirname "$QUARRY_TEST_LIB")/serve_lib.sh"

chrome=""
for c in chromium chromium-browser google-chrome; do
    command -v "$c" >/dev/null 2>&1 && { chrome=$c; break; }
done
[ -n "$chrome" ] ||
    skip "chromium is not installed: the browser test needs it (scripts/install-deps.sh --tests installs it)"
shots="${QUARRY_BUILD_DIR:-$tmp}"

# browse ARGS... URL: headless Chromium, its own profile, no sandbox (CI
# runs as root), killed if it hangs
browse() {
    timeout 120 "$chrome" --headless --disable-gpu --no-sandbox \
        --no-first-run --disable-extensions --hide-scrollbars \
        --user-data-dir="$tmp/profile" "$@" 2>>"$tmp/chrome.err"
}

cd "$tmp"
cp -R "$CORPUS" corpus
"$QUARRY_INDEX" --db idx corpus >/dev/null
serve_start --db idx

# the form, as a browser submits it: GET /?q=...
browse --dump-dom "$base/?q=joint+cyber+unit" >"$tmp/dom.html" ||
    { cat "$tmp/chrome.err" >&2; fail "chromium could not load the page"; }
grep -q '<form class="search" method="get" action="/"' "$tmp/dom.html" || fail "DOM: no search form"
grep -q 'name="q"[^>]*value="joint cyber unit"' "$tmp/dom.html" || fail "DOM: the query box lost the query"
n=$(grep -o '<li class="result">' "$tmp/dom.html" | wc -l)
[ "$n" -ge 3 ] || fail "DOM: $n results"
grep -q 'id="count">[0-9]* articles · showing 1–' "$tmp/dom.html" || fail "DOM: the count line"
first=$(grep -o '<li class="result">.*' "$tmp/dom.html" | head -c 2000)
grep -q 'President Trump Changes Course On <mark>Joint</mark>' <<<"$first" || fail "DOM: the first result's title"
grep -q '<mark>cyber</mark>' <<<"$first" || fail "DOM: no highlighted word"
grep -q 'href="/article?id=corpus%2Fjoint-cyber-unit.txt&amp;q=joint%20cyber%20unit#p' <<<"$first" ||
    fail "DOM: the link to the article's text"
echo "ok: $n results in the rendered page"

# the article's full text, its passages, the query's words marked
browse --dump-dom "$base/article?id=corpus%2Fjoint-cyber-unit.txt&q=cyber" >"$tmp/art.html"
[ "$(grep -o '<section id="p[0-9]*"' "$tmp/art.html" | wc -l)" = 5 ] || fail "article page: 5 passages"
grep -q '<mark>cyber</mark>' "$tmp/art.html" || fail "article page: highlight"

# sorted and filtered, through the form's fields
browse --dump-dom "$base/?q=cyber&sort=date&from=2019-01-01&to=2019-12-31" >"$tmp/f.html"
grep -q '<option value="date" selected' "$tmp/f.html" || fail "filters: the order kept"
grep -q 'national-cyber-command' "$tmp/f.html" || fail "filters: the 2019 article"
[ "$(grep -o '<li class="result">' "$tmp/f.html" | wc -l)" = 1 ] || fail "filters: one article in 2019"

# screenshots: a phone and a desktop
browse --screenshot="$shots/serve-phone.png" --window-size=390,844 "$base/?q=joint+cyber+unit" >/dev/null
browse --screenshot="$shots/serve-desktop.png" --window-size=1280,900 "$base/?q=joint+cyber+unit" >/dev/null
browse --screenshot="$shots/serve-article.png" --window-size=390,844 \
    "$base/article?id=corpus%2Fjoint-cyber-unit.txt&q=cyber" >/dev/null
for f in serve-phone serve-desktop serve-article; do
    [ -s "$shots/$f.png" ] || fail "no screenshot $f.png"
    [ "$(head -c 8 "$shots/$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
        fail "$f.png is not a PNG"
done
echo "ok: screenshots in $shots/serve-{phone,desktop,article}.png"
serve_alive "after the browser"
serve_stop
