"""Decontextualised sentences (qa.decontext) with the real spaCy parse, and their vectors
through ingest, merge and retrieval."""

import json

import numpy as np
import pytest

from qa import decontext, rank
from qa.errors import IndexMismatch
from qa.index import FORMAT, MANIFEST, Index
from qa.ingest import make_article
from qa.nlp import parse
from qa.retrieve import candidates


def test_pronoun_subject_takes_the_previous_subject():
    out = decontext.rewrite(["Nikola Tesla was born in Smiljan in 1856.",
                             "He died in New York in 1943."])
    assert out == {1: "Nikola Tesla died in New York in 1943."}


def test_possessive_and_opening_phrase():
    out = decontext.rewrite(["The Warsaw Stock Exchange opened in 1817.",
                             "In 1991, it was re-established.",
                             "Its building stands on Ksiazeca Street."])
    assert out[1] == "In 1991, Warsaw Stock Exchange was re-established."
    # the rewritten sentence passes its antecedent on
    assert out[2] == "Warsaw Stock Exchange's building stands on Ksiazeca Street."


def test_they_needs_a_plural_name():
    texts = ["The Denver Broncos beat the Pittsburgh Steelers.", "They then won again."]
    docs = dict(enumerate(parse(texts)))
    names = decontext.mentions(docs[0], texts[0])
    plural = [m for m, p in names if p]
    out = decontext.rewrite(texts, docs)
    if plural:  # the tagger marks "Broncos" NNPS: "They" takes a plural name
        assert out[1].startswith(plural[0])
    else:
        assert out == {}


def test_left_alone():
    # an expletive "it", a subject that is no pronoun, no name before, the first sentence
    assert decontext.rewrite(["Marie Curie studied in Paris.",
                              "It is likely that she met Pierre there."]) == {}
    assert decontext.rewrite(["Marie Curie studied in Paris.",
                              "The city had many laboratories."]) == {}
    assert decontext.rewrite(["the rain fell all day.", "It flooded the valley."]) == {}
    assert decontext.rewrite(["He arrived late."]) == {}


def test_candidate_filter():
    assert decontext.candidate("He left.") and decontext.candidate("However, his plan failed.")
    assert not decontext.candidate("Engineers said that he had left.")
    # permissive (a pronoun after an opening phrase): the parse decides; here "he" is the
    # subject of the main verb "said"
    assert decontext.candidate("The plan failed, he said.")
    assert decontext.rewrite(["Tom Ray drew the plan.", "The plan failed, he said."]) == {
        1: "The plan failed, Tom Ray said."}


def test_given_parses_are_not_parsed_again():
    texts = ["Ada Lovelace wrote the first program.", "Babbage admired it.",
             "She died in 1852."]
    done = dict(enumerate(parse(texts[:1])))
    asked: list[str] = []

    def counting(ts):
        asked.extend(ts)
        return parse(ts)

    docs = dict(done)
    out = decontext.rewrite(texts, docs, counting)
    assert asked == texts[1:] and set(docs) == {0, 1, 2}
    assert out == {2: "Ada Lovelace died in 1852."}


@pytest.fixture
def idx(tmp_path, encoder):
    return Index.create(tmp_path / "index", encoder=encoder)


TEXT = ("Nikola Tesla moved to New York in 1884. He received a patent for the induction "
        "motor in 1888. The motor ran on alternating current.")


def test_ingest_stores_context_vectors_and_retrieval_reads_them(idx, encoder):
    idx.add([make_article(id="t", title="Tesla", text=TEXT)])
    [(_, seg, _)] = idx.segments
    assert seg.row(1)["context"].startswith("Nikola Tesla received a patent")
    has, vecs = seg.context(np.arange(seg.count))
    assert has.tolist() == [False, True, False]
    want = encoder.encode([seg.row(1)["context"]])[0]
    assert float(vecs[0] @ want) > 0.999
    q = "What did Nikola Tesla receive in 1888?"
    with idx.lock:
        pool = candidates(q, idx)
        fused = rank.fuse(pool.features)
        cands = {pool.rerank_candidate(i, float(fused[i]), 0).position:
                 pool.rerank_candidate(i, float(fused[i]), 0) for i in range(len(pool))}
    qv = encoder.encode([q])[0]
    gain = float(want @ qv) - float(encoder.encode([seg.text(1)])[0] @ qv)
    assert cands[1].features["decontext_gain"] == pytest.approx(gain, abs=2e-3)
    assert gain > 0  # the name brings the sentence closer to the question
    assert cands[0].features["decontext_gain"] == 0.0


def test_merge_keeps_context_vectors(idx):
    for i in range(10):
        idx.add([make_article(id=f"a{i}", title=f"T{i}",
                              text=f"Maria Lopez led convoy {i}. She reached camp {i * 7}.")])
    assert len(idx.manifest.segments) == 1 and idx.check() == []
    [(_, seg, _)] = idx.segments
    has, vecs = seg.context(np.arange(seg.count))
    assert has.tolist() == [False, True] * 10 and len(vecs) == 10
    for r in np.flatnonzero(has):
        assert seg.row(int(r))["context"].startswith("Maria Lopez reached camp")


def test_older_format_says_rebuild(idx, encoder):
    idx.add([make_article(id="a", title="T", text="Some text.")])
    m = json.loads((idx.path / MANIFEST).read_text())
    m["format"] = FORMAT - 1
    (idx.path / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(IndexMismatch) as e:
        Index.open(idx.path, encoder=encoder)
    assert "rebuild" in str(e.value)
