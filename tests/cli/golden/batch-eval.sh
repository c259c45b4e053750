# --qrels: the figures as text and JSON, with and without --per-query, on
# the run worked out by hand in tests/cli/batch_eval.sh
cat >docs.jsonl <<'END'
{"id": "d1", "title": "First", "text": "apple banana"}
{"id": "d2", "title": "Second", "text": "apple"}
{"id": "d3", "title": "Third", "text": "banana banana cherry"}
{"id": "d4", "title": "Fourth", "text": "cherry date"}
{"id": "d5", "title": "Fifth", "text": "elderberry"}
END
quarry-index --db db -q docs.jsonl
printf 'q1\telderberry\nq2\tdate\nq3\tzzzz\nq5\tapple\nq6\tbanana\n' >queries.tsv
cat >qrels <<'END'
q1 0 d5 2
q2 0 d3 1
q2 0 d4 0
q3 0 d1 1
q5 0 d1 1
q5 0 d2 1
q6 0 d1 2
q6 0 d3 0
q7 0 d2 0
END
printf 'q9 0 d1 0\n' >unjudged
show quarry-query --db db --queries queries.tsv --qrels qrels
show quarry-query --db db --queries queries.tsv --qrels qrels --json
show quarry-query --db db --queries queries.tsv --qrels qrels --per-query
show quarry-query --db db --queries queries.tsv --qrels qrels --per-query --json
show quarry-query --db db --queries queries.tsv --qrels unjudged
