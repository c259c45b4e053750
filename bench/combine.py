#!/usr/bin/env python3
"""How passages combine into an article score, measured offline.

Reads a passage-level TREC run (quarry-query --queries Q --passages
--depth 1000 --run RUN) and TREC qrels, scores each article as its best
passage plus ALPHA times the sum of its other passages' scores, and prints
nDCG@10 (linear gains, as trec_eval's ndcg_cut) and MAP for each ALPHA.
ALPHA 0 is Quarry's article ranking (the best passage), so its figures
must equal quarry-query --qrels on the same run.

Usage: bench/combine.py RUN QRELS [ALPHA...]   (default ALPHAs 0 0.1 0.2 0.3 0.5)
"""
import collections
import math
import sys


def load_qrels(path):
    qrels = collections.defaultdict(dict)
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 4:
                qrels[fields[0]][fields[2]] = int(fields[3])
    return qrels


def ndcg10(ranked, rel):
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted((g for g in rel.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def average_precision(ranked, rel):
    relevant = sum(1 for g in rel.values() if g > 0)
    hits, total = 0, 0.0
    for i, d in enumerate(ranked):
        if rel.get(d, 0) > 0:
            hits += 1
            total += hits / (i + 1)
    return total / relevant if relevant else 0.0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    qrels = load_qrels(sys.argv[2])
    alphas = [float(a) for a in sys.argv[3:]] or [0, 0.1, 0.2, 0.3, 0.5]
    run = collections.defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            fields = line.split()
            run[fields[0]].append((fields[2].rsplit("#", 1)[0], float(fields[4])))
    print("alpha  nDCG@10     MAP")
    for alpha in alphas:
        ndcgs, aps = [], []
        for qid, rel in qrels.items():
            if not any(g > 0 for g in rel.values()):
                continue
            scores = collections.defaultdict(list)
            for article, score in run.get(qid, []):
                scores[article].append(score)
            combined = {a: max(v) + alpha * (sum(v) - max(v))
                        for a, v in scores.items()}
            ranked = sorted(combined, key=lambda a: (-combined[a], a))
            ndcgs.append(ndcg10(ranked, rel))
            aps.append(average_precision(ranked, rel))
        print(f"{alpha:5.2f}  {sum(ndcgs) / len(ndcgs):7.4f} {sum(aps) / len(aps):7.4f}")


if __name__ == "__main__":
    main()
