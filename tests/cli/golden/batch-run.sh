# --queries: the TREC run on a five-article index; --passages, --depth and
# --run-tag; --run FILE; standard input
cat >docs.jsonl <<'END'
{"id": "d1", "title": "First", "text": "apple banana"}
{"id": "d2", "title": "Second", "text": "apple"}
{"id": "d3", "title": "Third", "text": "banana banana cherry"}
{"id": "d4", "title": "Fourth", "text": "cherry date"}
{"id": "d5", "title": "Fifth", "text": "elderberry"}
END
quarry-index --db db -q docs.jsonl
printf 'q1\telderberry\nq2\tdate\nq3\tzzzz\nq5\tapple\nq6\tbanana\n' >queries.tsv
show quarry-query --db db --queries queries.tsv
show quarry-query --db db --queries queries.tsv --passages --depth 1 --run-tag tuned
show quarry-query --db db --queries queries.tsv --run run.txt
cat run.txt
echo '# the same queries on standard input:'
show quarry-query --db db --queries - <queries.tsv
