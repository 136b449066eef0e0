"""Claim verdicts: stances, reasons, aggregation, the cross-encoder plug-in."""

from __future__ import annotations

import numpy as np
import pytest

from qa.models import Passage
from qa.verify import (
    CrossEncoderVerifier,
    FeatureVerifier,
    Stance,
    claim_text,
    judge,
    pair_features,
)


def _p(text, i=0):
    return Passage(article_id=f"a{i}", text=text, start=0, end=len(text), position=i)


class FixedVerifier:
    """A fake verifier returning the stances it is given."""

    def __init__(self, stances):
        self._s = stances

    def stances(self, claim, evidence):
        return self._s[: len(evidence)]


def test_pair_features_see_numbers_and_negation():
    f = pair_features("IS still has 1,000 fighters in the enclave",
                      "Bali said 400 to 600 jihadists were holed up in the enclave.")
    assert f["features"]["num_mismatch"] == 1 and f["facts"]["numbers"] == ("1,000",
                                                                            "400 to 600")
    g = pair_features("the SDF agreed the ceasefire",
                      "The SDF said it has not agreed the ceasefire with IS.")
    assert g["features"]["neg_xor"] == 1 and g["features"]["cover"] == 1.0


def test_claim_text_turns_yes_no_questions_into_statements():
    assert claim_text("Did the SDF agree a ceasefire?") == "the SDF agree a ceasefire"


def test_judge_aggregates_stances():
    ps = [_p("x", 0), _p("y", 1), _p("z", 2)]
    sup, ref = Stance("supports", 0.95, 0.9, "same"), Stance("refutes", 0.05, 0.9, "numbers")
    neu = Stance("neutral", 0.5, 0.1, "not about it")
    assert judge("c", ps, FixedVerifier([sup, neu, neu]))[0].label == "SUPPORTED"
    v, st = judge("c", ps, FixedVerifier([neu, ref, neu]))
    assert v.label == "REFUTED" and v.reason == "numbers" and st[0][1][1] == "refutes"
    assert judge("c", ps, FixedVerifier([sup, ref, neu]))[0].label == "CONFLICTING"
    assert judge("c", ps, FixedVerifier([neu, neu, neu]))[0].label == "NOT_ENOUGH_INFO"


@pytest.mark.slow
def test_feature_verifier_with_the_real_encoder(encoder):
    v = FeatureVerifier(encoder=encoder)
    s = v.stances("IS still has 1,000 fighters in the enclave",
                  ["Bali said 400 to 600 jihadists were holed up in the enclave.",
                   "The weather in Paris was mild on Sunday."])
    assert s[0].stance == "refutes" and "1,000" in s[0].reason
    assert s[1].stance == "neutral"


class FakeCrossEncoder:
    """Stands in for sentence_transformers.CrossEncoder (no NLI model ships offline)."""

    def __init__(self):
        self.pairs = []

    def predict(self, pairs, apply_softmax=True):
        self.pairs += pairs
        # contradiction, entailment, neutral
        return np.array([[0.8, 0.1, 0.1] if "not" in e else [0.1, 0.8, 0.1]
                         for e, _ in pairs])


def test_cross_encoder_plug_in_maps_labels_to_stances():
    m = FakeCrossEncoder()
    v = CrossEncoderVerifier("unused", labels=["contradiction", "entailment", "neutral"],
                             model=m)
    s = v.stances("the SDF agreed the ceasefire", ["The SDF has not agreed it.",
                                                   "The SDF agreed the ceasefire."])
    assert [x.stance for x in s] == ["refutes", "supports"]
    assert m.pairs[0] == ("The SDF has not agreed it.", "the SDF agreed the ceasefire")


def test_missing_plug_in_folder_is_one_clear_error(monkeypatch, tmp_path):
    from qa.errors import FactcheckError
    from qa.reader import get_reader
    from qa.verify import get_verifier

    monkeypatch.setenv("FACTCHECK_VERIFIER", str(tmp_path / "nope"))
    with pytest.raises(FactcheckError, match="FACTCHECK_VERIFIER"):
        get_verifier()
    monkeypatch.setenv("FACTCHECK_READER", str(tmp_path / "nope"))
    with pytest.raises(FactcheckError, match="FACTCHECK_READER"):
        get_reader()
