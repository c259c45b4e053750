# Text output on corpus/ (piped: the count, then excerpts wrapped at 80 columns, no colour)
quarry-query --db "$CORPUS_DB" joint cyber unit
