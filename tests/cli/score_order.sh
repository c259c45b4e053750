#!/usr/bin/env bash
# Scores fall as ranks rise: an archive of many articles of varied length
# and word mix, so that a broad query ranks more articles than the first
# tier (QR_ARTICLE_DEPTH, whose passages are ranked together) and the
# second tier's come from a passage stage of their own. Sorted by score
# (as trec_eval sorts a run), the results must be in the order shown.
. "${QUARRY_TEST_LIB:?run through ctest, or set QUARRY_TEST_LIB}"

# 240 articles drawn from the corpus' own words, one to twelve paragraphs
# each, the same every run (a fixed seed)
cat "$CORPUS"/* | tr -cs 'A-Za-z' '\n' | awk 'length($0) > 2' >"$tmp/words"
awk -v seed=7 'BEGIN { srand(seed) }
    { w[n++] = tolower($0) }
    END {
        for (a = 1; a <= 240; a++) {
            printf "{\"id\":\"a%d\",\"title\":\"%s %s\",\"text\":\"", a,
                   w[int(rand() * n)], w[int(rand() * n)]
            paras = 1 + int(rand() * 12)
            for (p = 0; p < paras; p++) {
                len = 20 + int(rand() * 180)
                for (i = 0; i < len; i++)
                    printf "%s ", w[int(rand() * n)]
                printf "\\n\\n"
            }
            print "\"}"
        }
    }' "$tmp/words" >"$tmp/archive.jsonl"
run "$QUARRY_INDEX" --db "$tmp/idx" "$tmp/archive.jsonl"
expect_rc 0 "indexing the archive"

checked=0
for q in "security" "unit cyber" "the government said" "russia united states" \
         "article news"; do
    run "$QUARRY_QUERY" --db "$tmp/idx" -n 200 --json -- "$q"
    expect_rc 0 "query '$q'"
    n=$(wc -l <"$tmp/out")
    [ "$n" -gt 60 ] || continue     # the first tier alone: nothing to see
    jq -r '"\(.rank) \(.score)"' "$tmp/out" >"$tmp/scores"
    awk -v q="$q" 'NR > 1 && $2 > prev + 1e-9 {
            printf "FAIL: \"%s\": rank %d scores %s, above rank %d'"'"'s %s\n",
                   q, $1, $2, $1 - 1, prev > "/dev/stderr"; bad = 1 }
        { prev = $2 } END { exit bad }' "$tmp/scores" ||
        fail "scores rise with rank for '$q'"
    checked=$((checked + 1))
done
[ "$checked" -ge 3 ] || fail "only $checked queries ranked more than 60 articles"
echo "ok: $checked broad queries, scores falling with rank"
