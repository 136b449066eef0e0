"""Fit the fusion weights of ``qa.rank`` with cross-validation by article, and report the
held-out-fold recall (the figure to trust: each fold is scored with weights fitted on the
other articles only).

For every question the production candidate pool is built (``qa.retrieve.candidates``:
dense + BM25 hits with their features); a candidate is relevant when it comes from the
gold article and contains a gold answer (the scoring of ``../shared/eval/README.md``).
Weights minimise a listwise softmax loss (L2-regularised, L-BFGS), five parameters in all.

    python bench/tune_fusion.py                      # xquad_dev, 6 folds
    python bench/tune_fusion.py --folds 4 --json

Writes ``bench/results/fusion.json`` with the fold figures and the weights fitted on all
the data (scaled so dense = 1), which is what ``qa.rank.WEIGHTS`` holds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa import rank  # noqa: E402
from qa.evaluate import build_temp_index, contains_answer, read_jsonl  # noqa: E402
from qa.retrieve import candidates  # noqa: E402
from qa.train import listwise_loss  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
if not EVAL.exists():
    EVAL = ROOT.parents[1] / "shared" / "eval"


def pools(corpus: Path, questions: Path, n: int = 100):
    """(features [q][cand x f], relevant [q][cand], article of each question)."""
    idx = build_temp_index([str(corpus)], log=lambda s: None)
    gold = read_jsonl(questions)
    X, Y, arts = [], [], []
    with idx.lock:
        for g in gold:
            if g.get("article_id") is None or not g.get("answers"):
                continue
            pool = candidates(g["question"], idx, None, n)
            X.append(np.stack([pool.features[f] for f in rank.FEATURES], 1))
            rel = np.zeros(len(pool), dtype=bool)
            for i in range(len(pool)):
                _, seg, row = pool.row(i)
                art = seg.art_ids[int(seg.row_article[row])]
                rel[i] = art == g["article_id"] and contains_answer(seg.text(row), g["answers"])
            Y.append(rel)
            arts.append(g["article_id"])
    return X, Y, np.array(arts)


def recall(X, Y, w, ks=(1, 5, 10)) -> dict[str, float]:
    hits = dict.fromkeys(ks, 0)
    for x, y in zip(X, Y, strict=True):
        order = np.argsort(-(x @ w), kind="stable")
        for k in ks:
            hits[k] += bool(y[order[:k]].any())
    return {f"recall@{k}": round(hits[k] / max(len(X), 1), 4) for k in ks}


def fit(X, Y, l2: float = 1e-2) -> np.ndarray:
    """Weights minimising the mean softmax cross-entropy of the relevant candidates."""
    from scipy.optimize import minimize

    data = [(x, y / y.sum()) for x, y in zip(X, Y, strict=True) if y.any()]

    def loss(w):
        total, grad = listwise_loss(w, data)
        n = len(data)
        return total / n + l2 * float(w @ w), grad / n + 2 * l2 * w

    w0 = np.zeros(X[0].shape[1])
    w0[0] = 10.0
    return minimize(loss, w0, jac=True, method="L-BFGS-B").x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(EVAL / "corpus" / "xquad_dev.jsonl"))
    ap.add_argument("--questions", default=str(EVAL / "qa" / "xquad_dev.jsonl"))
    ap.add_argument("--folds", type=int, default=6)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    X, Y, arts = pools(Path(args.corpus), Path(args.questions))
    names = list(rank.FEATURES)
    uniq = sorted(set(arts))
    folds = [uniq[i::args.folds] for i in range(args.folds)]
    held: dict[str, float] = {}
    fold_rows = []
    for fo in folds:
        te = np.isin(arts, fo)
        w = fit([x for x, t in zip(X, te, strict=True) if not t],
                [y for y, t in zip(Y, te, strict=True) if not t])
        r = recall([x for x, t in zip(X, te, strict=True) if t],
                   [y for y, t in zip(Y, te, strict=True) if t], w)
        fold_rows.append({"articles": fo, "questions": int(te.sum()), **r,
                          "weights": dict(zip(names, np.round(w / w[0], 3).tolist(),
                                              strict=True))})
        for key, v in r.items():
            held[key] = held.get(key, 0.0) + v * int(te.sum())
    held = {key: round(v / len(X), 4) for key, v in held.items()}
    w_all = fit(X, Y)
    w_all = w_all / w_all[0]
    current = np.array([rank.WEIGHTS.get(f, 0.0) for f in names])
    one = {f: np.eye(len(names))[i] for i, f in enumerate(names)}
    res = {
        "questions": len(X), "folds": args.folds,
        "held_out": held,
        "dense_only": recall(X, Y, one["dense"]),
        "bm25_only": recall(X, Y, one["bm25"]),
        "current_weights_in_sample": recall(X, Y, current),
        "weights_fitted_on_all": dict(zip(names, np.round(w_all, 3).tolist(), strict=True)),
        "fold_details": fold_rows,
    }
    out = ROOT / "bench" / "results" / "fusion.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    if args.json:
        print(json.dumps(res))
        return
    print(f"{len(X)} questions, {args.folds} folds by article (pool: dense + BM25 candidates)")
    print(f"dense only            {res['dense_only']}")
    print(f"BM25 only             {res['bm25_only']}")
    print(f"fused, held-out folds {held}")
    print(f"current WEIGHTS (in-sample) {res['current_weights_in_sample']}")
    print(f"weights fitted on all (dense = 1): {res['weights_fitted_on_all']}")
    print(f"written {out}")


if __name__ == "__main__":
    main()
