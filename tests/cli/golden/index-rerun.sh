# Incremental runs: nothing to do; then a source changed, one removed and one
# added; then --force; then --quiet
cp -R "$CORPUS" corpus
quarry-index --db db -q corpus
show quarry-index --db db corpus
printf 'A new note\n\nThe lighthouse keeper trimmed the wick.\n' >corpus/new-note.txt
printf '\nOne more paragraph about the regatta.\n' >>corpus/river-regatta.md
rm corpus/opcw-inquiries.md
show quarry-index --db db corpus
show quarry-index --db db --json corpus
show quarry-index --db db --force corpus
show quarry-index --db db --quiet corpus
