"""Recipes for the small models factcheck ships (``qa/data/*.json``), one command each.

    python -m qa.train reader   # answer-span scorer, from ../shared/eval xquad_dev
    python -m qa.train verifier # claim stance model, from ../shared/eval fever_symmetric_dev

The reader is a softmax ranker over each question's candidate spans (scipy) plus boosted trees
(scikit-learn, exported as plain arrays) and a logistic confidence model; the verifier a logistic regression (scikit-learn; both libraries come with
sentence-transformers). Each uses a few dozen generic features; the recipe reports the
**held-out-fold** figures of a grouped k-fold cross-validation (questions of one article never
straddle folds), then refits on everything and writes the weights as JSON (inference needs only numpy). Nothing is looked up per example:
the features are the same for any text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from qa.evaluate import contains_answer, read_jsonl, token_f1


def _find_eval() -> Path:
    """``$FACTCHECK_EVAL``, else ``shared/eval`` beside the checkout (or one level up)."""
    import os

    if os.environ.get("FACTCHECK_EVAL"):
        return Path(os.environ["FACTCHECK_EVAL"])
    root = Path(__file__).resolve().parents[1]
    for up in (root.parent, root.parent.parent):
        if (up / "shared" / "eval").is_dir():
            return up / "shared" / "eval"
    return Path("../shared/eval")


DEFAULT_EVAL = _find_eval()


# --- reader ------------------------------------------------------------------------------------

def reader_examples(gold: list[dict], passages: list[list], reader) -> list[dict]:
    """Featurize every candidate span of every question."""
    from qa.question import analyse
    from qa.reader import fusion_view

    out = []
    for g, ps in zip(gold, passages, strict=True):
        info = analyse(g["question"])
        ps = fusion_view(ps)[0]
        spans, X = reader.featurize(info, ps)
        f1 = np.array([max(token_f1(s.text, a) for a in g["answers"]) for s in spans]
                      ) if spans else np.zeros(0)
        out.append({"g": g, "ps": ps, "spans": spans, "X": X, "f1": f1,
                    "group": g.get("article_id") or g["id"], "kind": info.kind})
    return out


def listwise_loss(w: np.ndarray, data) -> tuple[float, np.ndarray]:
    """Summed softmax cross-entropy over lists and its gradient: ``data`` holds one
    ``(X, t)`` pair per list (candidate features, target distribution over them).

    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); t = np.array([1.0, 0.0])
    >>> round(listwise_loss(np.zeros(2), [(X, t)])[0], 4)  # log 2
    0.6931
    """
    total, grad = 0.0, np.zeros_like(w)
    for X, t in data:
        s = X @ w
        s = s - s.max()
        p = np.exp(s)
        z = p.sum()
        p /= z
        total -= float(t @ (s - np.log(z)))
        grad += X.T @ (p - t)
    return total, grad


def fit_listwise(examples: list[dict], l2: float = 1.0):
    """Weights for a softmax over each question's candidates (targets: token F1 with the
    gold answer), so the best-scoring span per question is the one trained for."""
    from scipy.optimize import minimize

    exs = [e for e in examples if len(e["spans"]) and e["f1"].max() > 0]
    X = np.vstack([e["X"] for e in exs])
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-6] = 1.0
    mean[0], scale[0] = 0.0, 1.0
    Zs = [(e["X"] - mean) / scale for e in exs]
    Ts = [e["f1"] / e["f1"].sum() for e in exs]

    def loss(w):
        total, grad = listwise_loss(w, zip(Zs, Ts, strict=True))
        total += 0.5 * l2 * float((w[1:] ** 2).sum())
        grad[1:] += l2 * w[1:]
        return total, grad

    r = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B",
                 options={"maxiter": 400})
    return r.x, mean, scale


TREES = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 40}
TREE_WEIGHT = 1.0  # the trees' log-odds are added to the softmax score at this weight


def fit_trees(examples: list[dict], **params) -> dict:
    """A boosted-tree ensemble (scikit-learn ``HistGradientBoostingClassifier``) for
    P(candidate F1 >= 0.5) over the same features, as the arrays
    :class:`qa.trees.TreeScorer` reads. The trees see the features unscaled and can combine
    them (a cue that matters only for some kinds of question, or only past a threshold),
    which the linear ranker cannot."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from qa.reader import FEATURES
    from qa.trees import trees_from_sklearn

    exs = [e for e in examples if len(e["spans"])]
    X = np.vstack([e["X"] for e in exs]).astype(np.float64)
    y = (np.concatenate([e["f1"] for e in exs]) >= 0.5).astype(int)
    m = HistGradientBoostingClassifier(random_state=0, **{**TREES, **params}).fit(X, y)
    return trees_from_sklearn(m, list(FEATURES))


def _weights(w, mean, scale, trees: dict | None, tree_weight: float) -> dict:
    from qa.reader import FEATURES

    return {"features": list(FEATURES),
            "weights": dict(zip(FEATURES, map(float, w), strict=True)),
            "mean": dict(zip(FEATURES, map(float, mean), strict=True)),
            "scale": dict(zip(FEATURES, map(float, scale), strict=True)),
            "trees": trees, "tree_weight": tree_weight}


def _best(ex, scorer):
    """Scores of the candidates that can be the answer (as :meth:`FeatureReader.read`
    filters them), the index of the best among all candidates, and the mask."""
    from qa.reader import answer_mask

    z = scorer.scores(ex["X"])
    keep = answer_mask(ex.get("kind", ""), ex["X"])
    b = int(np.argmax(np.where(keep, z, -np.inf)))
    return z, b, keep


def fit_reader(examples: list[dict], l2: float = 1.0, tree_weight: float = TREE_WEIGHT
               ) -> dict:
    """The scoring part of ``reader.json`` fitted on ``examples``: the softmax ranker and,
    when ``tree_weight`` > 0, the tree ensemble added to it."""
    w, mean, scale = fit_listwise(examples, l2)
    trees = fit_trees(examples) if tree_weight > 0 else None
    return _weights(w, mean, scale, trees, tree_weight)


def train_reader(examples: list[dict], folds: int = 5, l2: float = 1.0,
                 tree_weight: float = TREE_WEIGHT) -> tuple[dict, dict]:
    """Grouped k-fold CV figures and the weights refit on all examples."""
    from sklearn.linear_model import LogisticRegression

    from qa.reader import CONF_FEATURES, FeatureReader, confidence_features

    groups = sorted({ex["group"] for ex in examples})
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    held = []  # (f1, cite, conf features) per held-out question
    for k in range(folds):
        tr = [ex for ex in examples if fold_of[ex["group"]] != k]
        te = [ex for ex in examples if fold_of[ex["group"]] == k]
        scorer = FeatureReader(weights=fit_reader(tr, l2, tree_weight), encoder=False)
        for ex in te:
            if not len(ex["spans"]):
                held.append((0.0, False, None))
                continue
            z, b, keep = _best(ex, scorer)
            cite = contains_answer(ex["ps"][ex["spans"][b].passage].text, ex["g"]["answers"])
            held.append((float(ex["f1"][b]), cite, confidence_features(z[keep],
                                                                       ex["X"][keep])))
    n = len(held)
    heldout = {"f1": round(sum(h[0] for h in held) / n, 4),
               "first_citation_has_answer": round(sum(h[1] for h in held) / n, 4)}
    # confidence: P(the chosen span is right), fitted on the held-out predictions
    C = np.array([h[2] for h in held if h[2] is not None])
    y = np.array([h[0] >= 0.5 for h in held if h[2] is not None], dtype=int)
    conf = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False).fit(C, y)
    weights = fit_reader(examples, l2, tree_weight)
    weights.update({"confidence": dict(zip(CONF_FEATURES, map(float, conf.coef_[0]),
                                           strict=True)),
                    "heldout": heldout, "folds": folds, "l2": l2,
                    "trained_on": f"{len(examples)} questions",
                    "model": "softmax ranker over each question's candidates + "
                             f"{tree_weight} x boosted-tree log-odds ({TREES})"})
    probs = conf.predict_proba(C)[:, 1]
    for t in (0.05, 0.1, 0.15, 0.2):
        heldout[f"declined_at_{t}"] = round(float((probs < t).mean()), 4)
    return weights, heldout


def _retrieve_all(corpus: list[str], gold: list[dict], k: int = 10):
    from qa.evaluate import build_temp_index
    from qa.retrieve import retrieve

    idx = build_temp_index(corpus, log=lambda s: print(s, file=sys.stderr))
    return idx, [retrieve(g["question"], k=k, index=idx) for g in gold]


def cmd_reader(args) -> int:
    from qa.reader import READER_WEIGHTS, FeatureReader

    gold = [g for g in read_jsonl(args.questions) if g.get("answers")]
    idx, passages = _retrieve_all(args.corpus, gold)
    reader = FeatureReader(weights={"weights": {}},
                           context=lambda a: idx.article(a).text)
    examples = reader_examples(gold, passages, reader)
    weights, heldout = train_reader(examples, folds=args.folds, l2=args.l2,
                                    tree_weight=args.tree_weight)
    print(json.dumps({"heldout": heldout}))
    out = Path(args.out or READER_WEIGHTS)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_weights(weights), "utf-8")
    print(f"wrote {out}")
    return 0


def dump_weights(weights: dict) -> str:
    """``reader.json`` text: one entry a line, the tree arrays each on one line."""
    trees = weights.get("trees")
    head = json.dumps({k: v for k, v in weights.items() if k != "trees"}, indent=1)
    if not trees:
        return head + "\n"
    body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in trees.items())
    return head[:-2] + ',\n "trees": {\n' + body + "\n }\n}\n"


def claim_groups(claims: list[dict]) -> list[int]:
    """Group claims that share a claim or an evidence text (FEVER-Symmetric pairs them), so
    a fold never sees one half of a pair while testing on the other."""
    parent = list(range(len(claims)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    seen: dict[str, int] = {}
    for i, c in enumerate(claims):
        for key in ["c:" + c["claim"].lower()] + ["e:" + e.lower() for e in c["evidence"]]:
            if key in seen:
                parent[find(i)] = find(seen[key])
            else:
                seen[key] = i
    return [find(i) for i in range(len(claims))]


def train_verifier(claims: list[dict], folds: int = 5, C: float = 0.05):
    """Grouped k-fold accuracy of the stance model and its weights refit on all claims."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from qa.verify import FEATURES, FeatureVerifier, adjust, expand

    claims = [c for c in claims if c["label"] in ("SUPPORTED", "REFUTED") and c["evidence"]]
    v = FeatureVerifier(weights={"weights": {}})
    feats = [pf["features"] for c in claims for pf in v.featurize(c["claim"],
                                                                   c["evidence"][:1])]
    X = np.array([[f[k] for k in FEATURES] for f in feats])
    y = np.array([c["label"] == "SUPPORTED" for c in claims], dtype=int)
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-6] = 1.0
    E = expand((X - mean) / scale)
    groups = claim_groups(claims)
    correct = correct_model = 0
    for tr, te in GroupKFold(folds).split(E, y, groups):
        m = LogisticRegression(C=C, max_iter=5000).fit(E[tr], y[tr])
        probs = m.predict_proba(E[te])[:, 1]
        correct_model += int(((probs >= 0.5) == y[te]).sum())
        final = np.array([adjust(float(pr), feats[i]) for pr, i in zip(probs, te, strict=True)])
        correct += int(((final >= 0.5) == y[te]).sum())
    heldout = {"accuracy": round(correct / len(y), 4),
               "accuracy_model_only": round(correct_model / len(y), 4),
               "claims": len(y), "folds": folds}
    m = LogisticRegression(C=C, max_iter=5000).fit(E, y)
    weights = {"features": list(FEATURES), "weights": {},
               "mean": dict(zip(FEATURES, map(float, mean), strict=True)),
               "scale": dict(zip(FEATURES, map(float, scale), strict=True)),
               "coef": [float(x) for x in m.coef_[0]], "intercept": float(m.intercept_[0]),
               "heldout": heldout, "C": C, "model": "logistic over features and their "
               "pairwise products"}
    return weights, heldout


def cmd_verifier(args) -> int:
    from qa.verify import VERIFIER_WEIGHTS

    weights, heldout = train_verifier(read_jsonl(args.claims), folds=args.folds, C=args.C)
    print(json.dumps({"heldout": heldout}))
    out = Path(args.out or VERIFIER_WEIGHTS)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(weights) + "\n", "utf-8")
    print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m qa.train", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    r = sub.add_parser("reader", help="the answer-span scorer (qa/data/reader.json)")
    r.add_argument("--corpus", action="append",
                   default=None, help="articles (default: shared/eval xquad_dev corpus)")
    r.add_argument("--questions", default=str(DEFAULT_EVAL / "qa" / "xquad_dev.jsonl"))
    r.add_argument("--folds", type=int, default=5)
    r.add_argument("--l2", type=float, default=1.0)
    r.add_argument("--tree-weight", type=float, default=TREE_WEIGHT,
                   help="weight of the boosted trees' log-odds (0: the softmax ranker alone)")
    r.add_argument("--out", default=None)
    r.set_defaults(func=cmd_reader)
    v = sub.add_parser("verifier", help="the claim stance model (qa/data/verifier.json)")
    v.add_argument("--claims", default=str(DEFAULT_EVAL / "claims" / "fever_symmetric_dev.jsonl"))
    v.add_argument("--folds", type=int, default=5)
    v.add_argument("-C", type=float, default=0.05)
    v.add_argument("--out", default=None)
    v.set_defaults(func=cmd_verifier)
    args = p.parse_args(argv)
    if args.what == "reader" and not args.corpus:
        args.corpus = [str(DEFAULT_EVAL / "corpus" / "xquad_dev.jsonl")]
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
