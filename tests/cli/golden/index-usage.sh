# Usage errors (exit 2) and a plain file as --db (exit 4)
mkdir src
printf 'Title one\n\nSome words about harbours and ships.\n' >src/a.txt
printf 'not an index' >notdb
show quarry-index src
show quarry-index --db db
show quarry-index --no-such-option --db db src
show quarry-index --rebuild=yes --db db src
show quarry-index -x --db db src
show quarry-index --db
show quarry-index --wait soon --db db src
show quarry-index --wait -1 --db db src
show quarry-index --lang klingon --db db src
show quarry-index --db src src
show quarry-index --db db --check src
show quarry-index --db db --check --rebuild
show quarry-index --batch 0 --db db src
show quarry-index --shards 65 --db db src
show quarry-index --passage-words 5 --db db src
show quarry-index --max-article-bytes 10 --db db src
show quarry-index --db notdb src
