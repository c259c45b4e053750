# Exit 1: a binary file and a missing path skipped whole, a malformed JSON
# line skipped as a part of its source; the warnings name them
mkdir src
printf 'Title one\n\nSome words about harbours and ships.\n' >src/a.txt
printf 'bin\000\001\002\003ary' >src/blob.txt
printf '{"id":"j1","title":"Good","text":"fine line"}\n{"id":\n' >src/lines.jsonl
show quarry-index --db db src does-not-exist
show quarry-index --db db2 --json src does-not-exist
