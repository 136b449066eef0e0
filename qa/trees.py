"""Boosted-tree ensembles evaluated with numpy, for models fitted with scikit-learn.

Training uses scikit-learn's ``HistGradientBoostingClassifier``; :func:`trees_from_sklearn`
exports it as plain arrays (stored in the JSON weights) and :class:`TreeScorer` walks them at
run time, so scikit-learn is not needed to answer. Used by the reader (``qa.reader``) and by
attribution's second stage (``qa.attribution_model``).

Example:
    >>> t = TreeScorer({"features": ["len"], "baseline": 0.5, "roots": [0],
    ...                 "feature": [0, -1, -1], "threshold": [1.0, 0, 0],
    ...                 "left": [1, 0, 0], "right": [2, 0, 0], "value": [0, -1.0, 2.0]},
    ...                ["bias", "len"])
    >>> t(np.array([[1.0, 0.0], [1.0, 3.0]])).tolist()
    [-0.5, 2.5]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class TreeScorer:
    """The log-odds of a boosted-tree ensemble, evaluated with numpy: every tree is a run of
    nodes in flat arrays (``feature`` -1 marks a leaf; a row goes left when
    ``X[feature] <= threshold``), all trees walked at once.

    ``d["features"]`` names the features the trees were fitted on; ``columns`` names the
    columns of the ``X`` it is called with (a tree node on a feature ``columns`` lacks reads
    column 0).
    """

    def __init__(self, d: dict, columns: Sequence[str]):
        cols = [columns.index(k) if k in columns else 0 for k in d["features"]]
        feat = np.asarray(d["feature"], dtype=np.int64)
        self.col = np.where(feat >= 0, np.asarray(cols)[np.maximum(feat, 0)], -1)
        self.threshold = np.asarray(d["threshold"], dtype=np.float64)
        self.left = np.asarray(d["left"], dtype=np.int64)
        self.right = np.asarray(d["right"], dtype=np.int64)
        self.value = np.asarray(d["value"], dtype=np.float64)
        self.roots = np.asarray(d["roots"], dtype=np.int64)
        self.baseline = float(d.get("baseline", 0.0))

    def __call__(self, X: np.ndarray) -> np.ndarray:
        if not len(X) or not len(self.roots):
            return np.full(len(X), self.baseline)
        node = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        rows = np.arange(len(X))[:, None]
        while True:
            c = self.col[node]
            inner = c >= 0
            if not inner.any():
                break
            x = X[rows, np.where(inner, c, 0)]
            nxt = np.where(x <= self.threshold[node], self.left[node], self.right[node])
            node = np.where(inner, nxt, node)
        return self.baseline + self.value[node].sum(1)


def trees_from_sklearn(model, features: list[str], digits: int | None = None) -> dict:
    """A fitted scikit-learn ``HistGradientBoostingClassifier`` (binary, numeric features)
    as the plain arrays :class:`TreeScorer` reads (leaf values rounded to ``digits`` when
    given, to keep a weights file small)."""
    out: dict = {"features": list(features),
                 "baseline": float(np.ravel(model._baseline_prediction)[0]),
                 "roots": [], "feature": [], "threshold": [], "left": [], "right": [],
                 "value": []}
    for (pred,) in model._predictors:
        nodes = pred.nodes
        off = len(out["feature"])
        out["roots"].append(off)
        for nd in nodes:
            leaf = bool(nd["is_leaf"])
            value = float(nd["value"]) if leaf else 0.0
            out["feature"].append(-1 if leaf else int(nd["feature_idx"]))
            out["threshold"].append(0.0 if leaf else float(nd["num_threshold"]))
            out["left"].append(0 if leaf else off + int(nd["left"]))
            out["right"].append(0 if leaf else off + int(nd["right"]))
            out["value"].append(round(value, digits) if digits is not None else value)
    return out
