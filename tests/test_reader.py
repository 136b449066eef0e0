"""The feature reader's question-structure and meaning features."""

import numpy as np

from qa.models import Passage
from qa.question import analyse
from qa.reader import FEATURES, FeatureReader

TEXT = "Luther wrote most of the statement in Latin while he stayed at the castle."


def _passage() -> Passage:
    return Passage(article_id="a", text=TEXT, start=0, end=len(TEXT), position=0, score=0.6)


def test_wh_distance_to_question_words():
    info = analyse("What did Marlee Matlin translate?")
    assert info.wh_dist["translat"] == 1  # "what" is the object of "translate"
    assert info.wh_dist["matlin"] == 2  # the subject, through the verb


def test_meaning_features_prefer_the_asked_noun(encoder):
    info = analyse("In what language was most of the statement written?")
    spans, X = FeatureReader(encoder=encoder).featurize(info, [_passage()])
    col = FEATURES.index("sim_focus")
    sim = {sp.text: float(x[col]) for sp, x in zip(spans, X, strict=True)}
    assert sim["Latin"] > sim["Luther"]
    assert max(X[:, FEATURES.index("sim_focus_gap")]) == 0.0


def test_no_encoder_leaves_meaning_features_at_zero():
    info = analyse("In what language was most of the statement written?")
    spans, X = FeatureReader(encoder=False).featurize(info, [_passage()])
    assert spans
    cols = [FEATURES.index(k) for k in ("sim_q", "sim_focus")]
    assert np.all(X[:, cols] == 0)
