# differ.awk A.run B.run: how many queries' lists of scores differ between
# two TREC runs (QID Q0 DOCID RANK SCORE TAG), rank by rank, beyond the
# printed precision. Scores only: tied articles may come in another order.
FNR == 1 { f++ }
f == 1 { a[$1] = a[$1] " " $5; next }
{ b[$1] = b[$1] " " $5 }
END {
    n = 0
    for (q in b) if (!(q in a)) n++
    for (q in a) {
        na = split(a[q], x, " "); nb = split(b[q], y, " ")
        if (na != nb) { n++; continue }
        for (i = 1; i <= na; i++) {
            d = x[i] - y[i]; if (d < 0) d = -d
            if (d > 1e-9 * x[i] + 6e-7) { n++; break }
        }
    }
    print n
}
