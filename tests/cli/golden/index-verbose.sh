# -v names each source added (progress redraws are normalised away)
cp -R "$CORPUS" corpus
quarry-index --db db -v corpus
