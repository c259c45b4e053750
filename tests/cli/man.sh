#!/usr/bin/env bash
# The man pages (man/*.scd, made by scdoc into the build tree):
#  - each renders with man and groff without a warning;
#  - each documents every long option its tool prints in --help
#    (quarry-extract has none: its usage message), so the pages cannot
#    drift from the code; and each option a page defines in OPTIONS is one
#    its tool prints;
#  - `cmake --install` puts the three tools and the three pages in place.
# Skipped (exit 77) when scdoc was not found at configure time (no pages
# built) or man is not installed.
# The environment, beside lib.sh's (tests/CMakeLists.txt): QUARRY_MAN_DIR
# (the built pages; empty without scdoc), QUARRY_BUILD_DIR, QUARRY_CMAKE,
# QUARRY_INSTALL_BINDIR and QUARRY_INSTALL_MANDIR (GNUInstallDirs').
. "${QUARRY_TEST_LIB:-$(dirname "$0")/lib.sh}"
: "${QUARRY_EXTRACT:?run through ctest, or set QUARRY_EXTRACT}"

[ -n "${QUARRY_MAN_DIR:-}" ] ||
    skip "scdoc was not found when the build was configured: no man pages"
command -v man >/dev/null 2>&1 || skip "man is not installed (Debian: man-db)"
command -v groff >/dev/null 2>&1 || skip "groff is not installed (Debian: groff-base)"
: "${QUARRY_BUILD_DIR:?run through ctest, or set QUARRY_BUILD_DIR}"
: "${QUARRY_CMAKE:?run through ctest, or set QUARRY_CMAKE}"

tools="quarry-index quarry-query quarry-serve quarry-extract"

program() {
    case $1 in
    quarry-index) echo "$QUARRY_INDEX" ;;
    quarry-query) echo "$QUARRY_QUERY" ;;
    quarry-serve) echo "$QUARRY_SERVE" ;;
    quarry-extract) echo "$QUARRY_EXTRACT" ;;
    esac
}

# long_opts: the long options in standard input, one a line, sorted
long_opts() { grep -o -- '--[a-z][a-z0-9-]*' | sort -u || true; }

# help_of TOOL: what the tool prints about its options. quarry-extract has
# no --help (it is run by quarry-index, not by hand): its usage message,
# printed when it is given no arguments, lists them.
help_of() {
    local p
    p=$(program "$1")
    if [ "$1" = quarry-extract ]; then
        run "$p"
        expect_rc 2 "quarry-extract without arguments"
        cat "$tmp/err"
    else
        run "$p" --help
        expect_rc 0 "$1 --help"
        cat "$tmp/out"
    fi
}

help_name() {
    if [ "$1" = quarry-extract ]; then echo "quarry-extract's usage message"
    else echo "$1 --help"; fi
}

# defined PAGE: the long options of the definitions in the OPTIONS section
# of a page made by scdoc (a definition is a line followed by ".RS 4")
defined() {
    awk '/^\.SH /{ in_opts = ($2 == "OPTIONS") }
         in_opts && /^\.RS 4$/ && prev ~ /^\\fB-/ { print prev }
         { prev = $0 }' "$1" | long_opts
}

for tool in $tools; do
    page=$QUARRY_MAN_DIR/$tool.1
    [ -s "$page" ] || fail "$page: not built"

    # --- renders without a warning -------------------------------------
    set +e
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$tmp/man.err"
    rc=$?
    set -e
    if [ "$rc" -ne 0 ] || [ -s "$tmp/man.err" ]; then
        cat "$tmp/man.err" >&2
        fail "$tool.1: man --warnings exited $rc, or warned"
    fi

    # --- every option of --help is in the page ---------------------------
    help_of "$tool" | long_opts >"$tmp/help.opts"
    [ -s "$tmp/help.opts" ] || fail "$tool: no long options in its help"
    long_opts <"$page" >"$tmp/page.opts"
    missing=$(comm -23 "$tmp/help.opts" "$tmp/page.opts")
    [ -z "$missing" ] ||
        fail "$tool.1 lacks options that $(help_name "$tool") prints: $(echo $missing)"

    # --- every option the page defines is one the tool prints -----------
    defined "$page" >"$tmp/defined.opts"
    [ -s "$tmp/defined.opts" ] || fail "$tool.1: no option definitions found"
    extra=$(comm -13 "$tmp/help.opts" "$tmp/defined.opts")
    [ -z "$extra" ] ||
        fail "$tool.1 defines options that $(help_name "$tool") does not print: $(echo $extra)"
done

# --- cmake --install ---------------------------------------------------
bindir=${QUARRY_INSTALL_BINDIR:-bin}
mandir=${QUARRY_INSTALL_MANDIR:-share/man}
case $bindir$mandir in
/*) echo "note: an absolute install directory: the install is not tried" >&2
    exit 0 ;;
esac
prefix=$tmp/prefix
run "$QUARRY_CMAKE" --install "$QUARRY_BUILD_DIR" --prefix "$prefix"
expect_rc 0 "cmake --install --prefix $prefix"
for tool in $tools; do
    [ -x "$prefix/$bindir/$tool" ] || fail "cmake --install: no $bindir/$tool"
    cmp -s "$prefix/$mandir/man1/$tool.1" "$QUARRY_MAN_DIR/$tool.1" ||
        fail "cmake --install: $mandir/man1/$tool.1 missing or not the built page"
done
run "$prefix/$bindir/quarry-query" --version
expect_rc 0 "the installed quarry-query"
# where man looks for it: `man quarry-query` with the prefix in MANPATH
run env MANPATH="$prefix/$mandir" man -w quarry-query
expect_rc 0 "man -w quarry-query"
[ "$(cat "$tmp/out")" = "$prefix/$mandir/man1/quarry-query.1" ] ||
    fail "man -w quarry-query: $(cat "$tmp/out")"
