# --explain: how each score was made, as text and as JSON
show quarry-query --db "$CORPUS_DB" --explain -n 2 cyber security
show quarry-query --db "$CORPUS_DB" --explain --json -n 1 cyber security
