# A queries file with malformed lines: each reported with its line, skipped;
# -v: each query as parsed; --timings: one line per query run
cat >docs.jsonl <<'END'
{"id": "d1", "title": "First", "text": "apple banana"}
{"id": "d3", "title": "Third", "text": "banana banana cherry"}
{"id": "d5", "title": "Fifth", "text": "elderberry"}
END
quarry-index --db db -q docs.jsonl
{
    printf '\n   \n'
    printf 'q1\telderberry\r\n'
    printf 'no tab here\n'
    printf '\tapple\n'
    printf 'q1\tapple\n'
    printf 'q 9\tapple\n'
    printf 'q5\tap\000ple apple\n'
    printf 'q6\t"unbalanced (banana\n'
    printf 'q8\t!!!\n'
    printf 'q9\tbanana'
} >messy.tsv
show quarry-query --db db --queries messy.tsv --timings timings.tsv
cat timings.tsv
show quarry-query --db db --queries messy.tsv -v
