# A first run over corpus/: the summary line
cp -R "$CORPUS" corpus
quarry-index --db db corpus
