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
    python bench/tune_rerank.py --dry-run --splits 7   # held-out mean over 7 fold splits

A gain of a few questions on one fold split is often noise: ``--splits N`` also reports the
held-out recall averaged over N assignments of articles to folds (the first is the usual one).
"Reader view" is what the answer reader gets from retrieval: ``qa.answer`` reads the first
``FETCH`` passages in retrieval order and the reader parses the ``passages`` best of them by
fused score (``qa.reader.fusion_view``), so a reranker change reaches the reader only through
which passages enter the first ``FETCH``; its recall is the share of questions whose read
passages hold an answer.

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

import inspect  # noqa: E402

from qa import rank, rerank  # noqa: E402
from qa.answer import FETCH  # noqa: E402
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


def _order(x: np.ndarray, model) -> np.ndarray:
    """A list's candidates best first under ``model`` (``None``: the list's own order)."""
    if model is None:
        return np.arange(len(x))
    w, mu, sd = model
    return np.argsort(-(((x - mu) / sd) @ w), kind="stable")


def recall(X, Y, model, ks=(1, 5, 10)) -> dict[str, float]:
    """recall@k of the reranked head (``model`` = (w, mean, scale); ``None``: fused order)."""
    hits = dict.fromkeys(ks, 0)
    for x, y in zip(X, Y, strict=True):
        order = _order(x, model)
        for k in ks:
            hits[k] += bool(y[order[:k]].any())
    return {f"recall@{k}": round(hits[k] / max(len(X), 1), 4) for k in ks}


def reader_view(X, Y, model, fetch: int = FETCH, read: int | None = None) -> float:
    """Share of lists whose reader view holds a relevant candidate: the ``read`` best by
    fused score (the list's own order) among the first ``fetch`` in reranked order
    (``model`` as in :func:`recall`; ``read`` defaults to the feature reader's passages)."""
    if read is None:
        from qa.reader import FeatureReader

        read = inspect.signature(FeatureReader).parameters["passages"].default
    hit = 0
    for x, y in zip(X, Y, strict=True):
        order = _order(x, model)
        hit += bool(y[np.sort(order[:fetch])[:read]].any())
    return round(hit / max(len(X), 1), 4)


def fold_splits(arts: np.ndarray, folds: int, split: int = 0) -> list[list[str]]:
    """Articles per fold: split 0 deals the sorted article ids round-robin, split ``s > 0``
    deals them in an order shuffled with seed ``s``.

    >>> fold_splits(np.array(["a", "b", "c", "a"]), 2)
    [['a', 'c'], ['b']]
    """
    uniq = sorted(set(arts.tolist()))
    if split:
        np.random.default_rng(split).shuffle(uniq)
    return [uniq[i::folds] for i in range(folds)]


def held_out(X, Y, arts: np.ndarray, folds: int, l2: float, split: int = 0) -> dict:
    """Held-out-fold recall (and reader view) of one fold split: each fold scored with
    weights fitted on the other articles only."""
    held: dict[str, float] = {}
    view = 0.0
    for fo in fold_splits(arts, folds, split):
        te = np.isin(arts, fo)
        m = fit([x for x, t in zip(X, te, strict=True) if not t],
                [y for y, t in zip(Y, te, strict=True) if not t], l2)
        Xt = [x for x, t in zip(X, te, strict=True) if t]
        Yt = [y for y, t in zip(Y, te, strict=True) if t]
        for key, v in recall(Xt, Yt, m).items():
            held[key] = held.get(key, 0.0) + v * int(te.sum())
        view += reader_view(Xt, Yt, m) * int(te.sum())
    out = {key: round(v / len(X), 4) for key, v in held.items()}
    out["reader_view"] = round(view / len(X), 4)
    return out


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
    ap.add_argument("--splits", type=int, default=1,
                    help="also average the held-out recall over this many fold splits")
    ap.add_argument("--dry-run", action="store_true", help="do not write the weights")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    X, Y, arts, _ = lists(EVAL / SETS["xquad_dev"][0], EVAL / SETS["xquad_dev"][1])
    held = held_out(X, Y, arts, args.folds, args.l2)
    per_split = [held] + [held_out(X, Y, arts, args.folds, args.l2, s)
                          for s in range(1, args.splits)]
    model = fit(X, Y, args.l2)
    res: dict = {"questions": len(X), "folds": args.folds, "depth": rerank.DEPTH,
                 "fused": {**recall(X, Y, None), "reader_view": reader_view(X, Y, None)},
                 "held_out": held,
                 "in_sample": {**recall(X, Y, model), "reader_view": reader_view(X, Y, model)},
                 "other_sets": {}}
    if args.splits > 1:
        res["held_out_splits"] = {
            "splits": args.splits,
            "mean": {key: round(float(np.mean([h[key] for h in per_split])), 4) for key in held},
            "min": {key: min(h[key] for h in per_split) for key in held},
            "max": {key: max(h[key] for h in per_split) for key in held}}
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
    if args.splits > 1:
        hs = res["held_out_splits"]
        print(f"held-out, mean of {args.splits} fold splits {hs['mean']}")
        print(f"  (min {hs['min']}, max {hs['max']})")
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
