# Exit 3: another writer holds the index (one reading JSON Lines from a FIFO
# in the background), with and without --wait; then the index is free again
mkdir src
printf 'Title one\n\nSome words about harbours and ships.\n' >src/a.txt
quarry-index --db db -q src
mkfifo hold
(exec 3<hold; quarry-index --db db --wait 60 - <&3 >/dev/null 2>&1) &
holder=$!
exec 4>hold
# until the holder has the lock and has written its process id in the lock
# file, just after taking it (its own --wait covers a probe holding it)
for _ in $(seq 300); do
    rc=0
    quarry-index --db db src >/dev/null 2>probe.err || rc=$?
    [ "$rc" != 3 ] || ! grep -q '(process ' probe.err || break
    sleep 0.1
done
show quarry-index --db db src
show quarry-index --db db --wait 1 src
exec 4>&-
wait "$holder"
show quarry-index --db db src
