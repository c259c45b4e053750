# Text output on corpus/ (piped: no colour, one line per passage)
quarry-query --db "$CORPUS_DB" joint cyber unit
