# --json: every field of the first results on corpus/
quarry-query --db "$CORPUS_DB" --json -n 3 joint cyber unit
