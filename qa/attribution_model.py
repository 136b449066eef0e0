"""The learned part of attribution: a logistic-regression filter over rule candidates, and a
second stage that sees the other candidates of the article.

The dependency rules (:mod:`qa.attribution_rules`) propose a relation for every verb that may
be a cue; this model, trained on ``polnear_train.jsonl`` by ``python -m qa.attribution_train``,
keeps those that look like real attributions (sparse features: the verb's lemma, tense, its
place in the parse, the kind of subject and complement, and their combinations). The second
stage (gradient-boosted trees, scikit-learn's ``HistGradientBoostingClassifier`` at training,
evaluated with numpy by :class:`qa.trees.TreeScorer`) rescores each candidate from its
first-stage probability and its context (:func:`context_rows`): the best rival for the same
content, a candidate whose content holds its cue, the same source in another relation, the
cue class and source kind. Weights
live in ``qa/data/attribution_cues.json``. Without that file every rule candidate whose cue is
in the hand lists is kept: the rule fallback.

Example:
    >>> m = CueModel({"bias": -1.0, "weights": {"lem=say": 3.0}, "threshold": 0.5})
    >>> round(m.prob(["lem=say"]), 3), m.keep(["lem=eat"])
    (0.881, False)
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np

from qa.attribution_lexicon import LEARNED_CUES
from qa.trees import TreeScorer


class CueModel:
    """``p(attribution | features) = sigmoid(bias + sum of feature weights)``."""

    def __init__(self, data: dict):
        self.bias = float(data.get("bias", 0.0))
        self.weights: dict[str, float] = {k: float(v) for k, v in data.get("weights", {}).items()}
        self.threshold = float(data.get("threshold", 0.5))
        self.version = str(data.get("version", "0"))
        stage2 = data.get("stage2")
        self.stage2 = TreeScorer(stage2, CONTEXT_FEATURES) if stage2 else None
        if stage2:
            self.threshold = float(stage2["keep_threshold"])  # kept: decided after stage 2

    def prob(self, features: list[str]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def keep(self, features: list[str]) -> bool:
        return self.prob(features) >= self.threshold

    def rescore(self, cands: list, probs: list[float], sents: list[int]) -> list[float]:
        """Second-stage probabilities of an article's candidates (``Raw``, first-stage
        ``probs``, sentence index of each); the first-stage ones when no second stage ships."""
        if self.stage2 is None or not cands:
            return list(probs)
        z = self.stage2(np.array(context_rows(cands, probs, sents), dtype=np.float64))
        return list(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


CUE_CLASSES = ("speech", "belief", "other", "according", "colon", "noun", "prep")
SOURCE_TYPES = (None, "name", "pronoun", "relative", "np")
CONTEXT_FEATURES = (
    "logit", "rival_p", "rival_other_source_p", "n_rivals", "n_better_rivals", "outer_p",
    "n_outer", "inner_p", "n_inner", "same_source_p", "cue_class", "source_type", "main",
    "prior", "log_content_len", "source_words", "no_source", "named", "via", "content_first")


def _ov(a, b) -> bool:
    return bool(a and b and min(a[1], b[1]) > max(a[0], b[0]))


def context_rows(cands: list, probs: list[float], sents: list[int]) -> list[list[float]]:
    """One row of :data:`CONTEXT_FEATURES` per candidate relation of an article: its
    first-stage logit; rivals (other candidates whose content overlaps its content: the best
    one's probability, the best with another source, how many, how many score higher); outer
    relations (whose content holds its cue) and inner ones (whose cue its content holds);
    the best other relation with the same source; and its own cue class, source kind,
    main-clause flag, cue prior, content length, source length, name, outlet. Only
    candidates of the same or a neighbouring sentence can interact (contents reach at most
    one sentence further at this point)."""
    out = []
    for i, c in enumerate(cands):
        pi = float(probs[i])
        rival, rival_other, outer, inner, same = [], [], [], [], []
        for j, d in enumerate(cands):
            if j == i or abs(sents[j] - sents[i]) > 1:
                continue
            pj = float(probs[j])
            if _ov(c.content, d.content):
                rival.append(pj)
                if d.source != c.source:
                    rival_other.append(pj)
            if d.content and d.content[0] <= c.cue[0] < d.content[1]:
                outer.append(pj)
            if c.content and c.content[0] <= d.cue[0] < c.content[1]:
                inner.append(pj)
            if c.source and d.source == c.source:
                same.append(pj)
        q = min(max(pi, 1e-6), 1 - 1e-6)
        clen = c.content[1] - c.content[0] if c.content else 0
        out.append([
            math.log(q / (1 - q)), max(rival, default=0.0), max(rival_other, default=0.0),
            len(rival), sum(p > pi for p in rival), max(outer, default=0.0), len(outer),
            max(inner, default=0.0), len(inner), max(same, default=0.0),
            CUE_CLASSES.index(c.cue_class) if c.cue_class in CUE_CLASSES else len(CUE_CLASSES),
            SOURCE_TYPES.index(c.source_type) if c.source_type in SOURCE_TYPES else 5,
            float(c.main), float(c.prior), math.log1p(clen),
            len((c.source_text or "").split()), float(c.source is None), float(bool(c.name)),
            float(c.via is not None),
            (float(c.content[0] < c.cue[0]) if c.content else -1.0)])
    return out


@lru_cache(maxsize=1)
def load_model() -> CueModel | None:
    """The trained filter shipped in ``qa/data``, or ``None`` (rule fallback)."""
    try:
        data = json.loads(LEARNED_CUES.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return CueModel(data) if data.get("weights") else None


def _overlaps(a, b) -> bool:
    return bool(a and b and min(a[1], b[1]) > max(a[0], b[0]))


def drop_duplicates(scored: list[tuple[float, object]], key=lambda x: x) -> list[object]:
    """Of relations (``(probability, item)``, ``key(item)`` a relation with ``source`` and
    ``content`` spans) that give the same source for overlapping content ("said ...,
    adding ..." over one clause), keep the likeliest; order is kept.

    >>> from types import SimpleNamespace as R
    >>> a, b = R(source=(0, 4), content=(10, 30)), R(source=(0, 4), content=(20, 40))
    >>> drop_duplicates([(0.9, a), (0.6, b)]) == [a]
    True
    """
    kept: list[tuple[int, object]] = []
    for k, (_, item) in sorted(enumerate(scored), key=lambda kr: -kr[1][0]):
        r = key(item)
        if r.source and any(key(o).source == r.source and _overlaps(key(o).content, r.content)
                            for _, o in kept):
            continue
        kept.append((k, item))
    return [item for _, item in sorted(kept, key=lambda kr: kr[0])]
