# --color always: titles and matched words (ESC shown as ^[ by cat -v)
quarry-query --db "$CORPUS_DB" --color always -n 2 lentil soup | cat -v
