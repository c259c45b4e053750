# What stderr tells: did you mean (and --json's suggestion), -v, syntax read
# as plain words, no results, no results past --offset; a wildcard
show quarry-query --db "$CORPUS_DB" cybr
show quarry-query --db "$CORPUS_DB" --json cybr
show quarry-query --db "$CORPUS_DB" --no-spelling cybr
show quarry-query --db "$CORPUS_DB" -v -n 1 'title:regatta OR "lentil soup"'
show quarry-query --db "$CORPUS_DB" -n 1 '"unbalanced (library'
show quarry-query --db "$CORPUS_DB" -n 1 --trec 'c*'
show quarry-query --db "$CORPUS_DB" zzzzqqq
show quarry-query --db "$CORPUS_DB" --offset 100 cyber
