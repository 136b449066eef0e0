"""ask(): short answers with attributed citations, abstention, figures side by side."""

from __future__ import annotations

import json

import pytest

from qa.answer import answer_passages, ask
from qa.errors import BadQuestion
from qa.models import Article, Attribution, Passage
from qa.reader import Span
from qa.sources import according_to, origin
from tests.conftest import ROOT, SEED

SEED_DEV = ROOT.parent / "shared" / "eval" / "qa" / "seed_dev.jsonl"
if not SEED_DEV.exists():
    SEED_DEV = ROOT.parent.parent / "shared" / "eval" / "qa" / "seed_dev.jsonl"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, encoder):
    from qa.index import Index
    from qa.ingest import read_paths

    idx = Index.create(tmp_path_factory.mktemp("seed") / "index", encoder=encoder)
    idx.add(read_paths([SEED]))
    return idx


def _seed_questions():
    if SEED_DEV.exists():
        return [json.loads(line) for line in SEED_DEV.read_text().splitlines() if line.strip()]
    return [  # the same three questions, should the shared eval folder be absent
        {"question": "How many fighters remain in the enclave?", "answers": ["400 to 600"]},
        {"question": "Who described the assault as the last battle?",
         "answers": ["Mustafa Bali", "SDF official Mustafa Bali"]},
        {"question": "When is the US military planning to leave Syria?",
         "answers": ["by the end of April", "the end of April"]},
    ]


@pytest.mark.slow
@pytest.mark.parametrize("g", _seed_questions(), ids=lambda g: g["question"][:30])
def test_seed_questions_answered_from_the_right_sentence(seed_index, g):
    a = ask(g["question"], index=seed_index)
    assert not a.abstained
    assert a.answer in g["answers"]
    first = a.citations[0]
    s, e = first.answer_span
    assert first.passage.text[s:e] == a.answer
    assert "[1]" in a.reply
    if g.get("evidence"):
        assert first.passage.text == g["evidence"][0]


@pytest.mark.slow
@pytest.mark.parametrize("q", [
    "What is the capital of Australia?",
    "How many civilians were killed in Aleppo?",
    "How many children died in the chemical attack on Douma?",
])
def test_questions_the_article_cannot_answer_are_declined(seed_index, q):
    a = ask(q, index=seed_index)
    assert a.abstained and a.answer is None
    assert a.reply.startswith("The articles do not say")
    assert a.citations and all(c.answer_span is None for c in a.citations)  # closest passages


@pytest.mark.slow
def test_claims_get_verdicts_with_reasons(seed_index):
    a = ask("IS still has 1,000 fighters in the enclave", index=seed_index)
    assert a.kind == "claim" and a.verdict is not None
    assert a.verdict.label in ("REFUTED", "CONFLICTING")
    assert "1,000" in a.verdict.reason and "400 to 600" in a.verdict.reason
    assert any(c.stance == "refutes" and "400 to 600" in c.passage.text for c in a.citations)
    b = ask("Did the SDF agree a ceasefire?", index=seed_index)
    assert b.verdict.label == "REFUTED" and "negat" in b.verdict.reason
    c = ask("The Australian navy sank three ships near Perth", index=seed_index)
    assert c.verdict.label == "NOT_ENOUGH_INFO" and c.abstained


@pytest.mark.slow
def test_bad_questions_raise(seed_index):
    with pytest.raises(BadQuestion):
        ask("   ", index=seed_index)


# --- reported speech, with hand-made attributions (no index, no model) -------------------------

def _p(text, outlet="Reuters", att=None, score=0.6, aid="a", published="2019-02-10"):
    return Passage(article_id=aid, text=text, start=0, end=len(text), position=0, score=score,
                   outlet=outlet, title=f"{outlet} story", published=published,
                   attribution=att)


BALI = Attribution(source="Bali", speaker="Mustafa Bali", role="SDF official", via="Reuters",
                   kind="indirect", source_span=(0, 4))


class OneSpanReader:
    """A fake plug-in reader: always the first figure-like word of the first passage."""

    def __init__(self):
        self.calls = 0

    def read(self, question, passages):
        self.calls += 1
        t = passages[0].text
        i = t.index("400")
        return [Span(passage=0, start=i, end=i + 10, text=t[i:i + 10], score=0.9,
                     features={"type_match": 1.0, "names_cover": 1.0})]


def test_reported_speech_is_credited_not_stated_as_fact():
    p = _p("Bali said 400 to 600 jihadists were estimated to be holed up in the enclave.",
           att=BALI)
    a = answer_passages("How many fighters remain in the enclave?", [p], reader=OneSpanReader())
    assert a.answer == "400 to 600"
    assert a.reply.startswith("400 to 600 fighters remain in the enclave, according to SDF "
                              "official Mustafa Bali (speaking to Reuters) [1]")


def test_plugged_in_reader_is_used():
    r = OneSpanReader()
    p = _p("Officials said 400 to 600 fighters remain.")
    a = answer_passages("How many fighters remain?", [p], reader=r)
    assert r.calls == 1 and a.citations[0].answer_span == (15, 25)


@pytest.mark.slow
def test_who_said_is_answered_from_the_attribution():
    p = _p("Bali, speaking to Reuters, described the assault as \"the last battle\".", att=BALI)
    a = answer_passages("Who described the assault as the last battle?", [p])
    assert a.kind == "speaker" and a.answer == "Bali"
    assert a.reply.startswith("SDF official Mustafa Bali (speaking to Reuters) [1]")


def test_origin_of_syndicated_monitor_reports():
    a = _p("At least 43 people were killed, the Syrian Observatory for Human Rights said.")
    b = _p("The Observatory said 43 people died.", outlet="AFP")
    c = _p("Shelling killed 31 people.", outlet="SANA")
    assert origin(a) == origin(b) == "Syrian Observatory for Human Rights"
    assert origin(c) == "SANA" and according_to(c) == "reported by SANA"


# --- differing figures between outlets (two small articles written for this test) --------------

ARTICLES = [
    Article.from_text(
        "Government shelling kills 43 in Qalamoun town",
        "Government shelling of the rebel-held town of Yabroud in Qalamoun killed 43 people on "
        "Tuesday, the Syrian Observatory for Human Rights said. The Britain-based monitor said "
        "children were among the dead.", outlet="Reuters", published="2016-07-05", id="r1"),
    Article.from_text(
        "Dozens dead as shells hit Yabroud",
        "At least 31 people were killed when government shelling hit the rebel-held town of "
        "Yabroud in Qalamoun, a local civil defence official told Al Jazeera. Rescue workers "
        "were still searching the rubble.", outlet="Al Jazeera", published="2016-07-06",
        id="aj1"),
    Article.from_text(
        "Shelling on Yabroud",
        "The Syrian Observatory for Human Rights said 43 people were killed by the government "
        "shelling of the rebel-held town of Yabroud in Qalamoun.", outlet="AFP",
        published="2016-07-05", id="afp1"),
]


@pytest.fixture(scope="module")
def conflict_index(tmp_path_factory, encoder):
    from qa.index import Index

    idx = Index.create(tmp_path_factory.mktemp("conflict") / "index", encoder=encoder)
    idx.add(ARTICLES)
    return idx


@pytest.mark.slow
def test_differing_tolls_shown_side_by_side_with_their_sources(conflict_index):
    a = ask("How many people were killed in the government shelling of the rebel-held town "
            "in Qalamoun?", index=conflict_index)
    assert not a.abstained and a.conflict
    by_value = {f.value.lower(): f for f in a.figures}
    assert "43" in by_value and "at least 31" in by_value
    f43 = by_value["43"]
    # two outlets repeating the Observatory: one origin, not two corroborations
    assert f43.sources == ["Syrian Observatory for Human Rights"]
    assert set(f43.outlets) == {"Reuters", "AFP"} and "2016-07-05" in f43.dates
    assert "Al Jazeera" in by_value["at least 31"].outlets
    cited = {c.n: c.passage for c in a.citations}
    for f in a.figures:
        assert all(f.value in cited[n].text for n in f.citations)
    assert "43" in a.reply and "31" in a.reply and "Syrian Observatory" in a.reply


@pytest.mark.slow
@pytest.mark.parametrize("g", [g for g in _seed_questions() if g.get("speaker")],
                         ids=lambda g: g["question"][:30])
def test_seed_speaker_and_outlet_from_the_real_attribution(seed_index, g):
    """Active once qa.attribution is in the package (the index then attributes sentences)."""
    pytest.importorskip("qa.attribution")
    from qa.evaluate import qa_prediction

    pred = qa_prediction({"id": "x", **g}, seed_index)
    first = pred["citations"][0]
    assert first["speaker"] == g["speaker"] and first["outlet"] == g["outlet"]
    assert pred["answer"] in g["answers"]


# --- figures only side by side when they answer the same question ------------------------------

DIFFERENT_EVENTS = [
    Article.from_text(
        "Car bomb hits market",
        "A car bomb killed 12 people at a crowded market on Friday, a local official said. "
        "The car bomb at the market also wounded 40 people.", outlet="Reuters",
        published="2016-03-04", id="cb1"),
    Article.from_text(
        "Air strike on hospital",
        "An air strike on a hospital killed 35 people on Sunday, rescue workers told AFP.",
        outlet="AFP", published="2016-03-06", id="hs1"),
]


@pytest.fixture(scope="module")
def different_events_index(tmp_path_factory, encoder):
    from qa.index import Index

    idx = Index.create(tmp_path_factory.mktemp("events") / "index", encoder=encoder)
    idx.add(DIFFERENT_EVENTS)
    return idx


@pytest.mark.slow
def test_figures_of_other_events_or_other_counts_are_not_a_disagreement(
        different_events_index):
    a = ask("How many people were killed by the car bomb at the market?",
            index=different_events_index)
    assert a.answer == "12"
    # the hospital strike is another event, the 40 were wounded, not killed: no table
    assert not a.conflict and a.figures == []
    assert "disagree" not in a.reply and "different figures" not in a.reply
    assert "Low confidence" not in a.reply and a.confidence >= 0.3


@pytest.mark.slow
def test_enclave_question_over_the_bundled_articles_has_one_answer(examples_index):
    a = ask("How many fighters remain in the enclave?", index=examples_index)
    assert a.answer == "400 to 600" and not a.abstained
    assert not a.conflict and a.figures == []
    assert "disagree" not in a.reply and "Low confidence" not in a.reply
    assert a.confidence >= 0.3


@pytest.mark.slow
def test_ghouta_tolls_still_differ_over_the_bundled_articles(examples_index):
    a = ask("How many people were killed in the Ghouta chemical attack in August 2013?",
            index=examples_index)
    assert a.conflict and len(a.figures) >= 2
    values = {f.value.lower() for f in a.figures}
    assert "at least 640" in values and "hundreds" in values


@pytest.mark.slow
@pytest.mark.parametrize("q", ["¿Cuántos combatientes quedan en el enclave?",
                               "Wie viele Kämpfer sind noch in der Enklave?",
                               "كم عدد المقاتلين في الجيب؟"])
def test_a_question_in_another_language_is_declined_saying_why(seed_index, q):
    # before: the Spanish question was "answered" with a span of the nearest passage
    a = ask(q, index=seed_index)
    assert a.abstained and a.answer is None and not a.citations
    assert a.reply.startswith("The question does not look like English")
    assert a.declined == "not_english"
