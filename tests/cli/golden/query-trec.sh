# --trec, by article and by passage, with --qid and --run-tag
show quarry-query --db "$CORPUS_DB" --trec -n 5 cyber
show quarry-query --db "$CORPUS_DB" --trec --qid 42 --run-tag myrun -p 2 -n 4 cyber
show quarry-query --db "$CORPUS_DB" --trec -a -n 3 --offset 2 cyber
