# Usage errors (exit 2), no index (exit 3), not an index (exit 4)
printf 'x' >plain
mkdir empty
db=$CORPUS_DB
show quarry-query joint
show quarry-query --db "$db"
show quarry-query --db "$db" '   '
show quarry-query --db "$db" '!!!'
show quarry-query --db "$db" --limit 0 x
show quarry-query --db "$db" --limit abc x
show quarry-query --db "$db" --offset -1 x
show quarry-query --db "$db" --per-article 0 x
show quarry-query --db "$db" --depth 0 --queries q.tsv
show quarry-query --db "$db" --bm25-b 2 x
show quarry-query --db "$db" --bm25-k1 nan x
show quarry-query --db "$db" --feedback-weight 1 x
show quarry-query --db "$db" --color maybe x
show quarry-query --db "$db" --json --trec x
show quarry-query --db "$db" -x x
show quarry-query --db "$db" --bogus x
show quarry-query --db "$db" --json=yes x
show quarry-query --db
show quarry-query --db "$db" -a -p 2 x
show quarry-query --db "$db" --run-tag 'a b' x
show quarry-query --db "$db" --qid '' x
show quarry-query --db "$db" --timings t.txt x
show quarry-query --db "$db" --run run.txt x
show quarry-query --db "$db" --qrels qrels x
show quarry-query --db "$db" --depth 5 x
show quarry-query --db "$db" --queries q.tsv x
show quarry-query --db "$db" --queries q.tsv --per-query
show quarry-query --db nothing x
show quarry-query --db empty x
show quarry-query --db plain x
