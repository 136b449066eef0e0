"""The second-stage reranker: its interface, the shipped feature model, plugging in another."""

import numpy as np

from qa import rerank
from qa.rerank import Candidate, FeatureReranker, NoReranker, Reranker


class Reverse:
    """A fake reranker: prefers the candidate the fusion ranked last."""

    def rerank(self, question, candidates, idf=None):
        return np.array([c.rank for c in candidates], dtype=np.float32)


def test_fake_reranker_reorders_the_head_only(tmp_path):
    from qa.index import Index
    from qa.ingest import make_article
    from qa.retrieve import retrieve
    from tests.fakes import HashEncoder

    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    # thirty sentences distinct enough that none folds into another (near duplicates do)
    words = ["".join(chr(97 + (i * 7 + j * 3) % 26) for j in range(6)) for i in range(30)]
    text = " ".join(f"Sentence {i} mentions the dam, {w} and burst {i}." for i, w in enumerate(words))
    idx.add([make_article(title="T", text=text)])
    fused = retrieve("dam burst", k=30, index=idx, reranker=False)
    rev = retrieve("dam burst", k=30, index=idx, reranker=Reverse())
    d = rerank.DEPTH
    assert [p.text for p in rev[:d]] == [p.text for p in fused[:d]][::-1]
    assert [p.text for p in rev[d:]] == [p.text for p in fused[d:]]
    assert [p.score for p in rev] == sorted((p.score for p in rev), reverse=True)


def test_feature_reranker_prefers_the_sentence_with_the_asked_kind():
    cands = [Candidate(text="The dam on the river burst.", fused=0.6, rank=0),
             Candidate(text="The dam on the river burst in 1931.", fused=0.55, rank=1)]
    s = FeatureReranker().rerank("When did the dam on the river burst?", cands)
    assert s.shape == (2,) and s[1] > s[0]
    assert isinstance(FeatureReranker(), Reranker)


def test_without_weights_the_fused_order_is_kept(tmp_path):
    cands = [Candidate(text="b", fused=0.2, rank=1), Candidate(text="a", fused=0.9, rank=0)]
    s = FeatureReranker(tmp_path / "missing.json").rerank("a?", cands)
    assert s[1] > s[0]
    assert list(NoReranker().rerank("a?", cands)) == [0.0, -1.0]


def test_environment_selects_the_reranker(monkeypatch, tmp_path):
    monkeypatch.setenv(rerank.ENV, "none")
    assert isinstance(rerank.get_reranker(), NoReranker)
    monkeypatch.setenv(rerank.ENV, str(tmp_path))  # a folder: a local cross-encoder
    assert isinstance(rerank.get_reranker(), rerank.CrossEncoderReranker)
    monkeypatch.delenv(rerank.ENV)
    assert isinstance(rerank.get_reranker(), FeatureReranker)
