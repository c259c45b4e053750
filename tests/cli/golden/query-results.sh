# What a reader sees on corpus/: passages grouped under their article, whole
# passages, sorting by date (corpus/ files dated by their fixed file time
# sort after the one dated by its text, newest first), a page of results,
# duplicates folded and shown, and articles like one of the index.
show quarry-query --db "$CORPUS_DB" -n 2 -p 2 cyber unit
show quarry-query --db "$CORPUS_DB" -n 1 --full joint cyber unit
show quarry-query --db "$CORPUS_DB" --trec --sort date cyber
show quarry-query --db "$CORPUS_DB" --trec --sort -date -n 2 --offset 1 cyber
cp -R "$CORPUS" corpus
find corpus -exec touch -d 2020-06-01T12:00:00Z {} +
cp -p corpus/joint-cyber-unit.txt corpus/joint-cyber-unit-copy.txt
quarry-index -q --db copy.db corpus
show quarry-query --db copy.db -n 1 joint cyber unit
show quarry-query --db copy.db --json -n 1 joint cyber unit
show quarry-query --db copy.db --trec --duplicates -n 2 joint cyber unit
show quarry-query --db "$CORPUS_DB" --trec --like corpus/joint-cyber-unit.txt -n 3
show quarry-query --db "$CORPUS_DB" -q cyber
show quarry-query --db "$CORPUS_DB" --like corpus/nothing.txt
