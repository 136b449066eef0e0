"""The learned part of attribution: a logistic-regression filter over rule candidates.

The dependency rules (:mod:`qa.attribution_rules`) propose a relation for every verb that may
be a cue; this model, trained on ``polnear_train.jsonl`` by ``python -m qa.attribution_train``,
keeps those that look like real attributions (sparse features: the verb's lemma, tense, its
place in the parse, the kind of subject and complement, and their combinations). Weights live
in ``qa/data/attribution_cues.json`` (a few hundred kB of JSON). Without that file every rule
candidate whose cue is in the hand lists is kept: the rule fallback.

Example:
    >>> m = CueModel({"bias": -1.0, "weights": {"lem=say": 3.0}, "threshold": 0.5})
    >>> round(m.prob(["lem=say"]), 3), m.keep(["lem=eat"])
    (0.881, False)
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

from qa.attribution_lexicon import LEARNED_CUES


class CueModel:
    """``p(attribution | features) = sigmoid(bias + sum of feature weights)``."""

    def __init__(self, data: dict):
        self.bias = float(data.get("bias", 0.0))
        self.weights: dict[str, float] = {k: float(v) for k, v in data.get("weights", {}).items()}
        self.threshold = float(data.get("threshold", 0.5))
        self.version = str(data.get("version", "0"))

    def prob(self, features: list[str]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def keep(self, features: list[str]) -> bool:
        return self.prob(features) >= self.threshold


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
