# A first run over corpus/ with --json: every field of the summary
cp -R "$CORPUS" corpus
quarry-index --db db --json corpus
