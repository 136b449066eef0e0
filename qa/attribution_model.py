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
