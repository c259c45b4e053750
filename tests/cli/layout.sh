#!/usr/bin/env bash
# The folder rule of lib/README.md, checked on every #include of the tree:
# common includes nothing from ingest or search; ingest and search never
# include each other; a private header (*_int.h) is included only from its
# own folder. The build already refuses most of these (the include paths);
# this names the file and line when one slips through a relative path.
set -eu
export LC_ALL=C
root=${QUARRY_SOURCE_DIR:?}
cd "$root"

fail=0
headers_of() { (cd "lib/$1" && ls *.h 2>/dev/null) || true; }
declare -A owner
for part in common ingest search; do
    for h in $(headers_of "$part"); do
        owner[$h]=$part
    done
done

while IFS= read -r file; do
    part=${file#lib/}
    part=${part%%/*}
    while IFS=: read -r line inc; do
        h=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$inc")
        [ -n "$h" ] || continue
        base=${h##*/}
        other=${owner[$base]:-}
        [ -n "$other" ] || continue
        bad=""
        case "$part:$other" in
            common:ingest|common:search) bad="common includes $other's $base" ;;
            ingest:search|search:ingest) bad="$part includes $other's $base" ;;
        esac
        if [ -z "$bad" ] && [[ $base == *_int.h ]] && [ "$part" != "$other" ]; then
            bad="$base is private to lib/$other"
        fi
        if [ -n "$bad" ]; then
            echo "layout.sh: $file:$line: $bad" >&2
            fail=1
        fi
    done < <(grep -n '#[[:space:]]*include' "$file" || true)
done < <(git ls-files 'lib/*.c' 'lib/*.h' 2>/dev/null || find lib -name '*.[ch]')

# private headers from outside lib/ (tools, tests, benchmarks)
while IFS= read -r hit; do
    echo "layout.sh: $hit: includes a private header of lib/" >&2
    fail=1
done < <(grep -rn --include='*.c' --include='*.h' '#[[:space:]]*include[[:space:]]*"[^"]*_int\.h"' \
             indexer query serve bench 2>/dev/null || true)

[ "$fail" = 0 ] && echo "layout: every include keeps the folder rule"
exit "$fail"
