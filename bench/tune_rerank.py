"""Fit the second-stage reranker of ``qa.rerank`` (``FeatureReranker``) with cross-validation
by article, report the held-out-fold recall, and write ``qa/data/rerank.json``.

For every question the production candidate pool is built (``qa.retrieve.candidates``) and
fused (``qa.rank``); the first ``qa.rerank.DEPTH`` candidates are described by
``qa.rerank.features``. A candidate is relevant when it comes from the gold article and
contains a gold answer (the scoring of ``../shared/eval/README.md``). The model is linear
on standardised features, fitted with a listwise softmax loss (L2-regularised, L-BFGS).
Folds are by article: each fold is scored with weights fitted on the other articles only
(the figure to trust). The weights written are fitted on all the questions.

    python bench/tune_rerank.py                    # xquad_dev, 6 folds; writes the weights
    python bench/tune_rerank.py --dry-run --json   # report only

Also reports, with the weights fitted on all of xquad_dev, the recall on the other QA sets
(newsqa_sample, seed_dev): they are never fitted on.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa import rank, rerank  # noqa: E402
from qa.evaluate import build_temp_index, contains_answer, read_jsonl  # noqa: E402
from qa.retrieve import CANDIDATES, candidates, clean_question  # noqa: E402
from qa.train import listwise_loss  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
if not EVAL.exists():
    EVAL = ROOT.parents[1] / "shared" / "eval"
SETS = {  # name -> (corpus, questions)
    "xquad_dev": ("corpus/xquad_dev.jsonl", "qa/xquad_dev.jsonl"),
    "newsqa_sample": ("corpus/newsqa_sample.jsonl", "qa/newsqa_sample.jsonl"),
    "seed_dev": ("corpus/seed", "qa/seed_dev.jsonl"),
}


def lists(corpus: Path, questions: Path, depth: int = rerank.DEPTH):
    """Per answerable question: (features [depth x F], relevant [depth], gold article,
    whether any relevant candidate lies beyond the head)."""
    idx = build_temp_index([str(corpus)], log=lambda s: None)
    X, Y, arts, later = [], [], [], []
    with idx.lock:
        for g in read_jsonl(questions):
            if g.get("article_id") is None or not g.get("answers"):
                continue
            q = clean_question(g["question"])
            pool = candidates(q, idx, None, CANDIDATES)
            fused = rank.fuse(pool.features)
            order = np.argsort(-fused, kind="stable")
            rel = np.zeros(len(order), dtype=bool)
            for r, i in enumerate(order[:max(depth, 10)]):
                _, seg, row = pool.row(int(i))
                art = seg.art_ids[int(seg.row_article[row])]
                rel[r] = art == g["article_id"] and contains_answer(seg.text(row),
                                                                    g["answers"])
            head = order[:depth]
            cands = [pool.rerank_candidate(int(i), float(fused[i]), r)
                     for r, i in enumerate(head)]
            X.append(rerank.features(q, cands, pool.idf))
            Y.append(rel[:len(head)])
            later.append(rel[len(head):].any())
            arts.append(g["article_id"])
    return X, Y, np.array(arts), np.array(later)


def recall(X, Y, model, ks=(1, 5, 10)) -> dict[str, float]:
    """recall@k of the reranked head (``model`` = (w, mean, scale); ``None``: fused order)."""
    hits = dict.fromkeys(ks, 0)
    for x, y in zip(X, Y, strict=True):
        if model is None:
            order = np.arange(len(y))
        else:
            w, mu, sd = model
            order = np.argsort(-(((x - mu) / sd) @ w), kind="stable")
        for k in ks:
            hits[k] += bool(y[order[:k]].any())
    return {f"recall@{k}": round(hits[k] / max(len(X), 1), 4) for k in ks}


def fit(X, Y, l2: float = 1e-2):
    """(weights, mean, scale) minimising the mean softmax cross-entropy of the relevant
    candidates over standardised features."""
    from scipy.optimize import minimize

    allx = np.vstack(X).astype(np.float64)
    mu, sd = allx.mean(0), allx.std(0)
    sd = np.where(sd > 1e-6, sd, 1.0)
    data = [((x - mu) / sd, y / y.sum()) for x, y in zip(X, Y, strict=True) if y.any()]

    def loss(w):
        total, grad = listwise_loss(w, data)
        n = len(data)
        return total / n + l2 * float(w @ w), grad / n + 2 * l2 * w

    w = minimize(loss, np.zeros(allx.shape[1]), jac=True, method="L-BFGS-B",
                 options={"maxiter": 1000}).x
    return w, mu, sd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=6)
    ap.add_argument("--l2", type=float, default=1e-2)
    ap.add_argument("--dry-run", action="store_true", help="do not write the weights")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    X, Y, arts, _ = lists(EVAL / SETS["xquad_dev"][0], EVAL / SETS["xquad_dev"][1])
    uniq = sorted(set(arts))
    folds = [uniq[i::args.folds] for i in range(args.folds)]
    held: dict[str, float] = {}
    for fo in folds:
        te = np.isin(arts, fo)
        m = fit([x for x, t in zip(X, te, strict=True) if not t],
                [y for y, t in zip(Y, te, strict=True) if not t], args.l2)
        r = recall([x for x, t in zip(X, te, strict=True) if t],
                   [y for y, t in zip(Y, te, strict=True) if t], m)
        for key, v in r.items():
            held[key] = held.get(key, 0.0) + v * int(te.sum())
    held = {key: round(v / len(X), 4) for key, v in held.items()}
    model = fit(X, Y, args.l2)
    res: dict = {"questions": len(X), "folds": args.folds, "depth": rerank.DEPTH,
                 "fused": recall(X, Y, None), "held_out": held,
                 "in_sample": recall(X, Y, model), "other_sets": {}}
    for name in ("newsqa_sample", "seed_dev"):
        Xo, Yo, _, _ = lists(EVAL / SETS[name][0], EVAL / SETS[name][1])
        res["other_sets"][name] = {"questions": len(Xo), "fused": recall(Xo, Yo, None),
                                   "reranked": recall(Xo, Yo, model)}
    w, mu, sd = model
    names = rerank.FEATURES
    out = {
        "version": rerank.VERSION,
        "fitted": datetime.date.today().isoformat(),
        "recipe": "python bench/tune_rerank.py",
        "data": f"xquad_dev ({len(X)} questions), listwise softmax, l2={args.l2}",
        "held_out": held,
        "weights": {f: round(float(v), 5) for f, v in zip(names, w, strict=True)},
        "mean": {f: round(float(v), 5) for f, v in zip(names, mu, strict=True)},
        "scale": {f: round(float(v), 5) for f, v in zip(names, sd, strict=True)},
    }
    if not args.dry_run:
        rerank.RERANK_WEIGHTS.write_text(json.dumps(out, indent=1) + "\n")
    res_path = ROOT / "bench" / "results" / "rerank.json"
    res_path.parent.mkdir(parents=True, exist_ok=True)
    res_path.write_text(json.dumps(res, indent=1) + "\n")
    if args.json:
        print(json.dumps(res))
        return
    print(f"{len(X)} questions, {args.folds} folds by article, head of {rerank.DEPTH}")
    print(f"fused order           {res['fused']}")
    print(f"reranked, held-out    {held}")
    print(f"reranked, in-sample   {res['in_sample']}")
    for name, r in res["other_sets"].items():
        print(f"{name:14s} fused {r['fused']}  reranked {r['reranked']}")
    big = sorted(out["weights"].items(), key=lambda kv: -abs(kv[1]))[:8]
    print("largest weights (standardised):", ", ".join(f"{k} {v:+.2f}" for k, v in big))
    if not args.dry_run:
        print(f"written {rerank.RERANK_WEIGHTS}")
    print(f"written {res_path}")


if __name__ == "__main__":
    main()
