# --check on a sound index, as text and as JSON
cp -R "$CORPUS" corpus
quarry-index --db db -q corpus
# xapian-core 1.4.22's Database::check() trips ASan's new-delete-type-
# mismatch inside libxapian (see tests/unit/test_xapian_c.c): off for
# --check alone, as in tests/cli/hostile_db.sh
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}new_delete_type_mismatch=0
show quarry-index --db db --check
show quarry-index --db db --check --json
