#!/bin/sh
# Installs the Debian packages Quarry needs, if any are missing: to build
# and run it by default, and with --tests what the test suite needs too.
# Safe to run again: it installs nothing when all are present.
#   scripts/install-deps.sh [--tests]
set -eu
# Build: the compilers, CMake, and the libraries' headers (libxapian-dev:
# the index; libxml2-dev: HTML and the Office, OpenDocument and EPUB
# packages; libjansson-dev: JSON Lines; libarchive-dev: archives and zip
# packages; libmagic-dev: formats by content; libpoppler-glib-dev: PDF;
# libgmime-3.0-dev: e-mail; libicu-dev: accent folding by Unicode's
# decompositions; libexttextcat-dev and libexttextcat-data: each article's
# language; libmicrohttpd-dev: quarry-serve); scdoc (the man pages, man/*.scd: left out
# without it). Run: unrtf (the RTF reader runs it) and xapian-tools
# (xapian-tcpsrv and xapian-progsrv serve remote shards).
pkgs="cmake make gcc g++ pkg-config libxapian-dev xapian-tools zlib1g-dev
libxml2-dev libjansson-dev libarchive-dev libmagic-dev libpoppler-glib-dev
libgmime-3.0-dev libicu-dev libexttextcat-dev libexttextcat-data
libmicrohttpd-dev scdoc unrtf"
# Tests: cmocka (the unit tests), jq (the CLI tests read JSON with it),
# valgrind (tests/valgrind/run.sh), clang and its sanitizer runtimes
# (libFuzzer: tests/fuzz/), man-db and groff-base (tests/cli/man.sh renders
# the man pages with man --warnings); curl (the quarry-serve tests' client),
# chromium (tests/cli/serve_browser.sh loads the search page in a real
# browser) and wrk (bench/serve.sh's load generator).
test_pkgs="libcmocka-dev jq valgrind clang libclang-rt-14-dev man-db groff-base
curl chromium wrk"
case ${1:-} in
'') ;;
--tests) pkgs="$pkgs $test_pkgs" ;;
*) echo "usage: $0 [--tests]" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing" >&2
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "install-deps: need root (or sudo) to install:$missing" >&2
    exit 1
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
