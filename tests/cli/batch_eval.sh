#!/usr/bin/env bash
# quarry-query --queries: batch runs, TREC output, evaluation against qrels
# (figures computed by hand below), and malformed input files.
. "$QUARRY_TEST_LIB"

# Five one-passage articles whose rankings are easy to work out.
cat >"$tmp/docs.jsonl" <<'EOF'
{"id": "d1", "title": "First", "text": "apple banana"}
{"id": "d2", "title": "Second", "text": "apple"}
{"id": "d3", "title": "Third", "text": "banana banana cherry"}
{"id": "d4", "title": "Fourth", "text": "cherry date"}
{"id": "d5", "title": "Fifth", "text": "elderberry"}
EOF
"$QUARRY_INDEX" --db "$tmp/db" "$tmp/docs.jsonl" >/dev/null 2>&1 ||
    fail "indexing"
printf 'q1\telderberry\nq2\tdate\nq3\tzzzz\nq5\tapple\nq6\tbanana\n' \
    >"$tmp/queries.tsv"
Q() { run "$QUARRY_QUERY" --db "$tmp/db" "$@"; }

# --- the run ------------------------------------------------------------------
Q --queries "$tmp/queries.tsv"
expect_rc 0 "batch run"
cat >"$tmp/expected" <<'EOF'
q1 Q0 d5 1
q2 Q0 d4 1
q5 Q0 d2 1
q5 Q0 d1 2
q6 Q0 d3 1
q6 Q0 d1 2
EOF
cut -d' ' -f1-4 "$tmp/out" >"$tmp/got"
diff -u "$tmp/expected" "$tmp/got" >&2 || fail "batch run lines"
awk '$6 != "quarry" || $5 !~ /^[0-9]+\.[0-9]+$/ { bad = 1 } END { exit bad }' \
    "$tmp/out" || fail "batch run: score or tag column"
Q --queries "$tmp/queries.tsv" --run-tag tuned --depth 1 --passages
expect_rc 0 "--depth 1 --passages"
[ "$(grep -c '^q5 ' "$tmp/out")" -eq 1 ] || fail "--depth 1"
grep -q '^q5 Q0 d2#1 1 [0-9.]* tuned$' "$tmp/out" || fail "--passages ids: $(cat "$tmp/out")"
Q --queries "$tmp/queries.tsv" --run "$tmp/run.txt"
expect_rc 0 "--run FILE"
[ -s "$tmp/out" ] && fail "--run FILE also wrote to stdout"
cmp -s <(cut -d' ' -f1-4 "$tmp/run.txt") "$tmp/expected" || fail "--run FILE content"
# standard input
run "$QUARRY_QUERY" --db "$tmp/db" --queries - <"$tmp/queries.tsv"
expect_rc 0 "--queries -"
[ "$(wc -l <"$tmp/out")" -eq 6 ] || fail "--queries -: $(cat "$tmp/out")"

# --- evaluation -----------------------------------------------------------------
cat >"$tmp/qrels" <<'EOF'
q1 0 d5 2
q2 0 d3 1
q2 0 d4 0
q3 0 d1 1
q5 0 d1 1
q5 0 d2 1
q6 0 d1 2
q6 0 d3 0
q7 0 d2 0
EOF
# By hand (gain = relevance, discount log2(rank + 1)):
#   q1  d5(2)          nDCG 1        AP 1    R@100 1  RR 1    P@10 0.1
#   q2  d4(0), d3 missing: 0 everywhere
#   q3  no results, d1 relevant: 0 everywhere
#   q5  d2(1) d1(1)    nDCG 1        AP 1    R@100 1  RR 1    P@10 0.2
#   q6  d3(0) d1(2)    nDCG (2/log2 3)/2 = 0.630930
#                                    AP 0.5  R@100 1  RR 0.5  P@10 0.1
#   q7  nothing relevant: left out; 5 queries evaluated
#   mean nDCG 0.526186, MAP 0.5, R@100 0.6, MRR 0.5, P@10 0.08
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 1e-5 && d > -1e-5) }'; }
Q --queries "$tmp/queries.tsv" --qrels "$tmp/qrels" --json
expect_rc 0 "evaluation"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "--qrels --json: one object expected: $(cat "$tmp/out")"
[ "$(json_get "$tmp/out" .queries)" = 5 ] || fail "queries evaluated: $(cat "$tmp/out")"
near "$(json_get "$tmp/out" '.["ndcg@10"]')" 0.526186 || fail "nDCG@10: $(cat "$tmp/out")"
near "$(json_get "$tmp/out" .map)" 0.5 || fail "MAP: $(cat "$tmp/out")"
near "$(json_get "$tmp/out" '.["recall@100"]')" 0.6 || fail "R@100: $(cat "$tmp/out")"
near "$(json_get "$tmp/out" '.["mrr@10"]')" 0.5 || fail "MRR@10: $(cat "$tmp/out")"
near "$(json_get "$tmp/out" '.["p@10"]')" 0.08 || fail "P@10: $(cat "$tmp/out")"

Q --queries "$tmp/queries.tsv" --qrels "$tmp/qrels" --json --per-query
expect_rc 0 "--per-query --json"
[ "$(wc -l <"$tmp/out")" -eq 6 ] || fail "--per-query: 5 queries + mean expected"
grep '"qid":"q6"' "$tmp/out" >"$tmp/q6.json" || fail "--per-query: no q6"
near "$(json_get "$tmp/q6.json" '.["ndcg@10"]')" 0.630930 || fail "q6 nDCG"
near "$(json_get "$tmp/q6.json" .map)" 0.5 || fail "q6 AP"
grep -q '"qid":"q3"' "$tmp/out" || fail "--per-query: q3 (no results) missing"
grep -q '"qid":"q7"' "$tmp/out" && fail "--per-query: q7 (nothing relevant) shown"

Q --queries "$tmp/queries.tsv" --qrels "$tmp/qrels" --per-query
expect_rc 0 "--per-query text"
grep -qE '^q6 +0\.6309 +0\.5000 +1\.0000 +0\.5000 +0\.1000$' "$tmp/out" ||
    fail "--per-query text row: $(cat "$tmp/out")"
grep -qE '^nDCG@10 +0\.5262$' "$tmp/out" || fail "text summary: $(cat "$tmp/out")"
grep -qE '^P@10 +0\.0800$' "$tmp/out" || fail "text summary P@10"

Q --queries "$tmp/queries.tsv" --qrels "$tmp/qrels" --run "$tmp/run2.txt"
expect_rc 0 "--qrels with --run"
grep -q nDCG "$tmp/out" || fail "--qrels with --run: no figures"
cmp -s <(cut -d' ' -f1-4 "$tmp/run2.txt") "$tmp/expected" || fail "--run with --qrels"

# --- malformed query files: reported with the line, skipped ------------------------
{
    printf '\n   \n'                       # blank lines: ignored
    printf 'q1\telderberry\r\n'            # CRLF
    printf 'no tab here\n'                 # 4: no TAB
    printf '\tapple\n'                     # 5: no id
    printf 'q1\tapple\n'                   # 6: id used before
    printf 'q 9\tapple\n'                  # 7: id with a space
    printf 'q5\tap\000ple apple\n'         # a NUL byte: read as a space
    printf 'q6\t"unbalanced (banana\n'     # syntax: falls back to the words
    printf 'q8\t!!!\n'                     # no words: run, no results
    printf 'q9\tbanana'                    # no final newline
} >"$tmp/messy.tsv"
Q --queries "$tmp/messy.tsv"
expect_rc 0 "messy queries file"
for l in 4 5 6 7; do
    grep -q "messy.tsv:$l: " "$tmp/err" || fail "no message for line $l: $(cat "$tmp/err")"
done
grep -q "messy.tsv:10: .*no words" "$tmp/err" || fail "no message for a query without words"
cut -d' ' -f1 "$tmp/out" | sort -u | tr '\n' ' ' >"$tmp/qids"
[ "$(cat "$tmp/qids")" = "q1 q5 q6 q9 " ] || fail "messy: queries run: $(cat "$tmp/qids")"
grep -q '^q1 Q0 d5 1 ' "$tmp/out" || fail "CRLF line"

# --- exit codes -------------------------------------------------------------------
printf 'q1\tzzzz\n' >"$tmp/none.tsv"
Q --queries "$tmp/none.tsv"
expect_rc 1 "no query has results"
Q --queries "$tmp/missing.tsv"
expect_rc 2 "missing queries file"
grep -q "missing.tsv" "$tmp/err" || fail "missing queries file not named"
: >"$tmp/empty.tsv"
Q --queries "$tmp/empty.tsv"
expect_rc 2 "empty queries file"
printf 'one\ntwo\n' >"$tmp/bad.tsv"
Q --queries "$tmp/bad.tsv"
expect_rc 2 "queries file without a valid line"
printf 'q1 0 d5\n' >"$tmp/badqrels"
Q --queries "$tmp/queries.tsv" --qrels "$tmp/badqrels"
expect_rc 2 "malformed qrels"
grep -q "badqrels" "$tmp/err" || fail "malformed qrels not named"
Q --queries "$tmp/queries.tsv" --qrels "$tmp/no-qrels"
expect_rc 2 "missing qrels"
Q --queries "$tmp/queries.tsv" --run "$tmp/no/such/dir/run"
expect_rc 2 "unwritable --run"
Q --queries "$tmp/queries.tsv" --per-query
expect_rc 2 "--per-query without --qrels"
run "$QUARRY_QUERY" --db "$tmp/nothing" --queries "$tmp/queries.tsv"
expect_rc 3 "batch on a missing index"
echo ok
