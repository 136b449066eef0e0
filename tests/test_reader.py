"""The feature reader's question-structure and meaning features."""

import json

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


def test_wh_word_features():
    col = {w: FEATURES.index(f"wh_{w}") for w in ("why", "what", "where")}
    for q, w in (("Why did Luther stay at the castle?", "why"),
                 ("What did Luther write?", "what")):
        spans, X = FeatureReader(encoder=False).featurize(analyse(q), [_passage()])
        assert spans and np.all(X[:, col[w]] == 1)
        assert all(np.all(X[:, c] == 0) for k, c in col.items() if k != w)


def _fake_examples(n: int = 120, seed: int = 0) -> list[dict]:
    """Questions of 8 candidates each, whose right candidate is the one with the largest
    ``window`` -- but only when ``kind_date`` is set; otherwise the one with the largest
    ``sim_q``: an interaction a linear score over the two cues cannot express."""
    rng = np.random.RandomState(seed)
    cw, cs, ck = (FEATURES.index(k) for k in ("window", "sim_q", "kind_date"))
    out = []
    for i in range(n):
        X = rng.rand(8, len(FEATURES)).astype(np.float32)
        X[:, 0] = 1.0
        X[:, ck] = float(i % 2)
        right = int(np.argmax(X[:, cw] if i % 2 else X[:, cs]))
        f1 = np.zeros(8)
        f1[right] = 1.0
        out.append({"spans": [object()] * 8, "X": X, "f1": f1, "group": str(i // 4),
                    "kind": "clause"})
    return out


def test_tree_scorer_reproduces_sklearn():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from qa.trees import TreeScorer, trees_from_sklearn

    exs = _fake_examples(60)
    X = np.vstack([e["X"] for e in exs]).astype(np.float64)
    y = np.concatenate([e["f1"] for e in exs]).astype(int)
    m = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=7, random_state=0).fit(X, y)
    t = TreeScorer(trees_from_sklearn(m, list(FEATURES)), FEATURES)
    assert np.allclose(t(X.astype(np.float32)), m.decision_function(X), atol=1e-5)


def test_trees_learn_an_interaction_the_linear_ranker_misses():
    from qa.train import fit_reader

    train, test = _fake_examples(160, seed=1), _fake_examples(80, seed=2)

    def hits(weights):
        r = FeatureReader(weights=weights, encoder=False)
        return sum(int(np.argmax(r.scores(e["X"])) == int(np.argmax(e["f1"]))) for e in test)

    linear = hits(fit_reader(train, tree_weight=0.0))
    both = hits(fit_reader(train, tree_weight=1.0))
    assert both >= linear + len(test) // 8  # at least one in eight more picked right


def test_reader_json_with_trees_round_trips():
    from qa.train import dump_weights, fit_reader

    w = fit_reader(_fake_examples(40), tree_weight=0.5)
    back = json.loads(dump_weights(w))
    assert back == json.loads(json.dumps(w))
    X = _fake_examples(3, seed=5)[0]["X"]
    assert np.allclose(FeatureReader(weights=back, encoder=False).scores(X),
                       FeatureReader(weights=w, encoder=False).scores(X))


def _phrases(text: str) -> dict[str, str]:
    from qa.nlp import get_nlp
    from qa.reader import phrase_candidates

    doc = get_nlp()(text)
    kinds = ("PP", "VP", "CL", "COORD", "NUMN", "ADJ", "CORE")
    return {doc.text[s:e]: lab for (s, e), lab in phrase_candidates(doc, kinds=kinds).items()}


def test_phrase_candidates_cover_verb_phrases_clauses_and_coordination():
    got = _phrases("The settlers often married outside their immediate French communities.")
    assert got.get("married outside their immediate French communities") == "VP"
    assert got.get("immediate French communities") == "CORE"  # without "their"
    got = _phrases("Tesla partnered with two businessmen, Robert Lane and Benjamin Vail.")
    assert "Robert Lane and Benjamin Vail" in got
    got = _phrases("Priestley is given priority because his work was published first.")
    assert "his work was published first" in got  # the clause without "because"
    assert "because his work was published first" in got


def test_phrase_candidates_reach_the_reader():
    text = "Priestley is given priority because his work was published first."
    p = Passage(article_id="a", text=text, start=0, end=len(text), position=0, score=0.6)
    spans, _ = FeatureReader(encoder=False).featurize(
        analyse("Why is Priestley given priority?"), [p])
    assert "his work was published first" in {sp.text for sp in spans}
