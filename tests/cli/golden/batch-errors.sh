# Batch exit codes: 1 when no query has results, 2 for unreadable or
# malformed files, 3 for no index
printf '{"id": "d1", "title": "First", "text": "apple banana"}\n' >docs.jsonl
quarry-index --db db -q docs.jsonl
printf 'q1\tapple\n' >queries.tsv
printf 'q1\tzzzz\n' >none.tsv
: >empty.tsv
printf 'one\ntwo\n' >bad.tsv
printf 'q1 0 d1\n' >badqrels
show quarry-query --db db --queries none.tsv
show quarry-query --db db --queries missing.tsv
show quarry-query --db db --queries empty.tsv
show quarry-query --db db --queries bad.tsv
show quarry-query --db db --queries queries.tsv --qrels badqrels
show quarry-query --db db --queries queries.tsv --qrels no-qrels
show quarry-query --db db --queries queries.tsv --run no/such/dir/run
show quarry-query --db db --queries queries.tsv --timings no/such/dir/t
show quarry-query --db nothing --queries queries.tsv
