#!/usr/bin/env bash
# make-fixtures.sh DIR — writes Quarry's hostile-input fixtures into DIR.
#
# Everything is generated (nothing big is kept in the repository) with
# coreutils, gzip and printf only: no Python, and no tar program (tar
# headers are written byte by byte, so archives with absolute paths, ".."
# members, links and device nodes need neither root nor GNU tar options).
#
#   DIR/in/     one directory of hostile sources, indexed in one run; every
#               fixture that has readable text carries a marker word
#               "zq<kind>" (e.g. zqlatin) so a test can tell it was indexed
#   DIR/big/    the 50 MB single line and the 1 GB sparse file (skipped
#               with QUARRY_FIXTURES_SMALL=1, e.g. for fuzz seeds)
#   DIR/stdin.jsonl  malformed JSON Lines for "quarry-index -"
#
# The kinds and what the tests expect of each are listed in
# tests/cli/hostile_input.sh. Needs: bash, coreutils, gzip, od, awk.
set -eu
export LC_ALL=C

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
D=$1
mkdir -p "$D/in" "$D/big"
I=$D/in

# --------------------------------------------------------------- helpers

# zeros N: N NUL bytes on stdout.
zeros() { [ "$1" -gt 0 ] && head -c "$1" /dev/zero || true; }

# field TEXT WIDTH: TEXT padded with NULs to WIDTH bytes (tar header field).
field() {
    printf '%s' "$1"
    zeros $(($2 - ${#1}))
}

# octal VALUE WIDTH: a NUL-terminated zero-padded octal number field.
octal() { printf "%0$(($2 - 1))o" "$1"; zeros 1; }

# tar_member OUT NAME TYPE [CONTENT [LINKNAME [MAJOR MINOR]]]: appends one
# ustar member to OUT. TYPE: 0 file, 1 hard link, 2 symlink, 3 char
# device, 4 block device, 5 directory, 6 FIFO.
tar_member() {
    local out=$1 name=$2 type=$3 content=${4-} link=${5-} major=${6-0} minor=${7-0}
    local size=0 hdr sum
    [ "$type" = 0 ] && size=${#content}
    # DECLARED_SIZE, when set, is written in the header instead (a liar)
    local declared=${DECLARED_SIZE:-$size}
    hdr=$(mktemp "$D/.hdr.XXXXXX")
    {
        field "$name" 100
        octal 420 8          # mode 0644
        octal 0 8            # uid
        octal 0 8            # gid
        octal "$declared" 12
        octal 1500000000 12  # mtime
        printf '        '    # checksum, counted as spaces
        printf '%s' "$type"
        field "$link" 100
        printf 'ustar'; zeros 1; printf '00'
        field root 32
        field root 32
        octal "$major" 8
        octal "$minor" 8
        zeros 167            # prefix (155) and padding to 512
    } >"$hdr"
    sum=$(od -An -v -tu1 "$hdr" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s }')
    printf '%06o' "$sum" | dd of="$hdr" bs=1 seek=148 conv=notrunc status=none
    printf '\000 ' | dd of="$hdr" bs=1 seek=154 conv=notrunc status=none
    cat "$hdr" >>"$out"
    rm -f "$hdr"
    if [ "$size" -gt 0 ]; then
        printf '%s' "$content" >>"$out"
        zeros $(((512 - size % 512) % 512)) >>"$out"
    fi
}

# tar_end OUT: the two zero blocks that end an archive.
tar_end() { zeros 1024 >>"$1"; }

# good_tar OUT KIND: starts an archive with a good member carrying zqKIND.
good_tar() {
    : >"$1"
    tar_member "$1" "good-$2.txt" 0 "Good member $2

The archive's good member mentions zq$2 and harbours."
}

# --------------------------------------------------------------- text

: >"$I/empty.txt"                                   # 1 empty file
printf '   \n\n\t \n' >"$I/blank.txt"               # 2 only whitespace
printf 'Binary\000\001\002\003\000\000\377\376 zqbinary' >"$I/nul.txt" # 3 NULs
# 4 a copy of a real executable, named as text
head -c 65536 /bin/sh >"$I/program.txt"
# 5 invalid UTF-8: stray continuation bytes, truncated sequences, 0xFF
printf 'Invalid bytes\n\nzqinvalid stray \200\277 cut \342\202 ff \377 end.\n' >"$I/invalid-utf8.txt"
# 6 overlong encodings of '/' and NUL, and a UTF-16 surrogate in UTF-8
printf 'Overlong\n\nzqoverlong \300\257 \340\200\257 \360\200\200\257 \300\200 \355\240\200 done.\n' \
    >"$I/overlong-utf8.txt"
# 7, 8 UTF-16 with a byte-order mark, little and big endian
printf '\377\376' >"$I/utf16le.txt"
printf 'UTF-16 little\n\nzqutfsixteenle caf\351\n' | iconv -f ISO-8859-1 -t UTF-16LE >>"$I/utf16le.txt"
printf '\376\377' >"$I/utf16be.txt"
printf 'UTF-16 big\n\nzqutfsixteenbe caf\351\n' | iconv -f ISO-8859-1 -t UTF-16BE >>"$I/utf16be.txt"
# 9 Latin-1
printf 'Latin one\n\nzqlatin caf\351 na\357ve \374ber stra\337e.\n' >"$I/latin1.txt"
# 10 control characters and terminal escapes in text
printf 'Escapes\n\nzqescape \033[31mred\033[0m \033]0;title\007 bell\007 back\010space \r lone CR\r\n' \
    >"$I/escapes.txt"
# 11 a single very long word (no spaces) followed by a marker
{ printf 'Long word\n\n'; head -c 300000 /dev/zero | tr '\0' 'q'; printf ' zqlongword\n'; } >"$I/longword.txt"

# --------------------------------------------------------------- gzip

good_text() { printf '%s\n\nThe text of %s mentions zq%s and harbours.\n' "$1" "$1" "$2"; }
# 12 truncated gzip: the first part decodes, then the stream stops
{ good_text "Truncated gzip" gztrunc; seq 1 150000 | tr "\n" " "; } \
    | gzip -9 >"$D/.t.gz"
head -c $(($(wc -c <"$D/.t.gz") / 2)) "$D/.t.gz" >"$I/truncated.txt.gz"
# 13 corrupt gzip: garbage overwrites the stream three quarters in (what
# decoded before it is kept), or right after the header (nothing decodes)
cp "$D/.t.gz" "$I/corrupt.txt.gz"
head -c 4096 /dev/zero | tr "\0" "\377" |
    dd of="$I/corrupt.txt.gz" bs=1 seek=$(($(wc -c <"$D/.t.gz") * 3 / 4)) conv=notrunc status=none
cp "$D/.t.gz" "$I/corrupt-early.txt.gz"
printf 'not deflate data, not at all' |
    dd of="$I/corrupt-early.txt.gz" bs=1 seek=10 conv=notrunc status=none
rm -f "$D/.t.gz"
# 14 gzip magic followed by garbage
{ printf '\037\213\010\000'; head -c 1000 /dev/zero | tr '\0' '\377'; } >"$I/garbage.txt.gz"
# 15 a .gz name on a file that is not gzip'd (read as its content says)
good_text "Not gzip" notgzip >"$I/notgzip.txt.gz"
# 16 gzip bomb: 128 copies of one 8 MiB member decode to 1 GiB of words
yes bomb | head -c 8388608 | gzip -9 >"$D/.member.gz"
for _ in $(seq 128); do cat "$D/.member.gz"; done >"$I/bomb.txt.gz"
rm -f "$D/.member.gz"
# 17 trailing garbage after a complete gzip stream
{ good_text "Trailing garbage" gztrail | gzip; printf 'this is not gzip'; } >"$I/trailing.txt.gz"

# --------------------------------------------------------------- tar

# 18 a truncated tar: the second member's data is cut short
T=$I/truncated.tar
good_tar "$T" tartrunc
tar_member "$T" second.txt 0 "Second member, cut $(head -c 3000 /dev/zero | tr '\0' 'x')"
head -c 1536 "$T" >"$T.cut" && mv "$T.cut" "$T"
# 19 a member with an absolute path
T=$I/absolute.tar; good_tar "$T" tarabs
tar_member "$T" /etc/quarry-evil.txt 0 "Evil absolute zqevilabs"; tar_end "$T"
# 20 members with ".." components
T=$I/dotdot.tar; good_tar "$T" tardotdot
tar_member "$T" ../evil.txt 0 "Evil dotdot zqevildotdot"
tar_member "$T" a/../../evil2.txt 0 "Evil dotdot zqevildotdot"; tar_end "$T"
# 21 a symbolic link (to an absolute path outside the archive)
T=$I/symlink.tar; good_tar "$T" tarsym
tar_member "$T" passwd.txt 2 "" /etc/passwd; tar_end "$T"
# 22 a hard link
T=$I/hardlink.tar; good_tar "$T" tarhard
tar_member "$T" again.txt 1 "" good-tarhard.txt; tar_end "$T"
# 23 device nodes and a FIFO
T=$I/devices.tar; good_tar "$T" tardev
tar_member "$T" null.txt 3 "" "" 1 3
tar_member "$T" disk.txt 4 "" "" 8 0
tar_member "$T" pipe.txt 6; tar_end "$T"
# 24 a header whose size field lies (8 GiB of member data, 4 bytes there)
T=$I/liar.tar; good_tar "$T" tarliar
DECLARED_SIZE=8589934591 tar_member "$T" huge.txt 0 "tiny"
# 25 a nested archive
T=$I/nested.tar; good_tar "$T" tarnest
tar_member "$T" inner.tar 0 "$(printf 'not really a tar')"; tar_end "$T"
# 26 a gzip'd tar cut short
T=$D/.ok.tar; good_tar "$T" tgztrunc
for k in 1 2 3 4; do
    tar_member "$T" "more$k.txt" 0 "More $k $(seq "$k" 4000 | tr "\n" " " | head -c 4000)"
done
tar_end "$T"
gzip -9 <"$T" >"$D/.ok.tgz"
head -c $(($(wc -c <"$D/.ok.tgz") * 2 / 3)) "$D/.ok.tgz" >"$I/truncated.tar.gz"
rm -f "$T" "$D/.ok.tgz"
# 27 text named .tar (no archive format)
seq 1 2000 | head -c 4096 >"$I/random.tar"

# --------------------------------------------------------------- JSON Lines

# 28 malformed lines mixed with good ones: the good ones are indexed
{
    printf '{"id":"j1","title":"Good one","text":"zqjsonone harbours"}\n'
    printf '{"id":"j2","title":"Unterminated","text":"oops\n'
    printf 'not json at all\n'
    printf '{"id":"j3","title":"Good three","text":"zqjsonthree harbours"}\n'
    printf '{"title":"no id","text":"zqnoid"}\n'
    printf '{"id":["array"],"text":"bad id"}\n'
    printf '{"id":"j4","text":42}\n'
    printf '[1,2,3]\n'
    printf '{"id":"j5","text":"nul \\u0000 escape zqjsonnul"}\n'
    printf '{"id":"j6","text":"bad \377 byte"}\n'
    printf '\n   \n'
    printf '{"id":"j7","title":"Good seven","text":"zqjsonseven harbours"}\n'
    printf '{"id":"j8","text":"trailing"} junk\n'
    printf '{"id":"j9","text":"lone surrogate \\ud800 zqsurrogate"}\n'
    printf '{"id":"j3","title":"Duplicate id","text":"zqjsondup"}\n'
} >"$I/mixed.jsonl"
# 29 huge values: a 2 MB title, a 1e999999 number, 20,000 keys
{
    printf '{"id":"big1","title":"'; head -c 2000000 /dev/zero | tr '\0' 't'
    printf '","text":"zqhugetitle harbours"}\n'
    printf '{"id":"big2","n":1e999999,"m":-1e999999,"i":123456789012345678901234567890,"text":"zqhugenumber"}\n'
    printf '{"id":"big3",'; for k in $(seq 20000); do printf '"k%d":%d,' "$k" "$k"; done
    printf '"text":"zqmanykeys"}\n'
    printf '{"id":"big4","text":"zqjsonafterhuge harbours"}\n'
} >"$I/huge.jsonl"
# 30 deep nesting: 100,000 open brackets in one line, 3,000 closed in another
{
    printf '{"id":"deep1","x":'; head -c 100000 /dev/zero | tr '\0' '['; printf '\n'
    printf '{"id":"deep2","x":'; head -c 3000 /dev/zero | tr '\0' '['
    head -c 3000 /dev/zero | tr '\0' ']'; printf ',"text":"zqdeeptwo"}\n'
    printf '{"id":"deep3","text":"zqjsonafterdeep harbours"}\n'
} >"$I/deep.jsonl"
# 31 JSON Lines with a UTF-16 byte-order mark
printf '\377\376{\000"\000i\000d\000"\000:\0001\000}\000\n\000' >"$I/utf16.jsonl"

# --------------------------------------------------------------- HTML

# 32 unclosed tags everywhere
{
    printf '<html><head><title>Unclosed zqunclosed<body><p>para <b>bold <i>italic <div>'
    printf '<table><tr><td>cell <script>var x = "<p>zqscript"; <style>p{}'
} >"$I/unclosed.html"
# 33 10,000-deep nesting, text at the bottom
{
    printf '<html><head><title>Deep nesting</title></head><body>'
    for _ in $(seq 10000); do printf '<div>'; done
    printf 'zqdeephtml bottom text'
    for _ in $(seq 10000); do printf '</div>'; done
    printf '<p>zqafterdeep</p></body></html>\n'
} >"$I/deep.html"
# 34 a wrong charset declaration: says UTF-16, is Latin-1
printf '<html><head><meta charset="utf-16"><title>Wrong charset</title></head><body><p>zqwrongcharset caf\351 na\357ve</p></body></html>\n' \
    >"$I/wrong-charset.html"
# 35 an unknown charset name
printf '<html><head><meta http-equiv="Content-Type" content="text/html; charset=x-no-such-charset"><title>Unknown charset</title></head><body><p>zqunknowncharset</p></body></html>\n' \
    >"$I/unknown-charset.html"
# 36 entity abuse: a billion-laughs style DOCTYPE and numeric entities out of range
{
    printf '<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    printf '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    printf '<html><body><p>zqentities &d;&d;&d; &#0; &#xD800; &#x110000; &#99999999999; &bogus;</p></body></html>\n'
} >"$I/entities.html"

# --------------------------------------------------------------- Markdown

# 37 unterminated front matter and a runaway heading
{ printf -- '---\ntitle: "unterminated\nauthor: [x\n'; printf '# '; head -c 5000 /dev/zero | tr '\0' '#'
  printf '\n\nzqmarkdown body text\n'; } >"$I/frontmatter.md"

# --------------------------------------------------------------- names and links

# 38 file names: a newline, invalid UTF-8 bytes, a leading dash, spaces
good_text "Newline name" newlinename >"$I/new
line.txt"
good_text "Bad bytes name" badbytesname >"$I/bad-$(printf '\377\376')-name.txt"
good_text "Dash name" dashname >"$I/-rf.txt"
good_text "Escape name" escapename >"$I/esc-$(printf '\033[31m')-name.txt"
# 39 symbolic links: a loop, a self-loop, a dangling link, a link to a
# directory (not followed), and a link to a file that no one can read
# (/proc/self/mem fails with EIO at offset 0, even for root)
ln -s loop-b.txt "$I/loop-a.txt"
ln -s loop-a.txt "$I/loop-b.txt"
ln -s self.txt "$I/self.txt"
ln -s no-such-target.txt "$I/dangling.txt"
ln -s .. "$I/up"
if [ -e /proc/self/mem ]; then ln -s /proc/self/mem "$I/unreadable-mem.txt"; fi
# 40 a FIFO in the walked tree (never opened, so never a hang)
mkfifo "$I/fifo.txt"
# a device node, when we may make one
if [ "$(id -u)" = 0 ]; then mknod "$I/device.txt" c 1 3 2>/dev/null || true; fi

# --------------------------------------------------------------- control

# good files that must be indexed whatever happens around them
good_text "Good plain" goodplain >"$I/good.txt"
printf '# Good markdown\n\nzqgoodmd and harbours.\n' >"$I/good.md"

# --------------------------------------------------------------- stdin

{
    printf '{"id":"s1","text":"zqstdinone harbours"}\n'
    printf '{"id":"s2","text":broken}\n'
    printf '\000\001\002 binary line\n'
    printf '{"id":"s3","text":"zqstdinthree harbours"}\n'
} >"$D/stdin.jsonl"

# --------------------------------------------------------------- big

if [ "${QUARRY_FIXTURES_SMALL:-0}" != 1 ]; then
    # 41 a 50 MB single line: long tokens, so that indexing stays fast
    tok=$(head -c 3000 /dev/zero | tr '\0' 'x')
    { printf 'Long line zqlongline '; yes "$tok" | head -c 52428800 | tr '\n' ' '; printf '\n'; } \
        >"$D/big/longline.txt"
    # 42 a 1 GB sparse file: a text head, then a hole of NULs
    good_text "Sparse" sparse >"$D/big/sparse.txt"
    truncate -s 1G "$D/big/sparse.txt"
fi
