"""Attribution with the real spaCy model: the example article's statements, coreference,
outlets, roles, kinds, quote continuation, the rule fallback, the PolNeAR scorer, the eval
command and attributions stored by the index and returned by ``retrieve()``."""

from __future__ import annotations

import json

import pytest

from qa import attribution
from qa.evaluate import score_attribution
from qa.ingest import read_paths
from qa.models import Attribution

from .conftest import SEED, run_cli
from .fakes import HashEncoder


@pytest.fixture(scope="module")
def seed():
    """The example article, its sentences and the attribution of each sentence."""
    art = next(iter(read_paths([SEED])))
    from qa.sentences import split_spans

    spans = split_spans(art.text)
    atts = attribution.attribute_sentences(art.text, spans, "Example Outlet")
    return art.text, spans, atts


def covering(seed, start: str) -> Attribution:
    """The attribution of the sentence that starts with ``start``."""
    text, spans, atts = seed
    for (s, e), a in zip(spans, atts, strict=True):
        if text[s:e].startswith(start):
            return a
    raise AssertionError(f"no sentence starts with {start!r}")


def span_text(seed, span) -> str:
    return seed[0][span[0]:span[1]]


def test_every_sentence_gets_an_attribution(seed):
    text, spans, atts = seed
    assert len(atts) == len(spans) and all(isinstance(a, Attribution) for a in atts)
    a = covering(seed, "The SDF, backed by a USA -led coalition, began the assault")
    assert (a.kind, a.speaker, a.label()) == ("unattributed", "Example Outlet",
                                             "unattributed (Example Outlet)")


def test_bali_to_reuters_last_battle(seed):
    a = covering(seed, "SDF official Mustafa Bali, speaking to Reuters")
    assert (a.speaker, a.role, a.via, a.cue, a.kind) == (
        "Mustafa Bali", "SDF official", "Reuters", "described", "mixed")
    assert span_text(seed, a.source_span) == "SDF official Mustafa Bali"
    assert "the last battle" in span_text(seed, a.content_span)
    assert a.label() == "SDF official Mustafa Bali (to Reuters)"


def test_bali_tweet_is_a_direct_quote(seed):
    a = covering(seed, '"IS counterattack was foiled')
    assert (a.source, a.speaker, a.cue, a.kind, a.via) == (
        "Bali", "Mustafa Bali", "tweeted", "direct", None)
    assert span_text(seed, a.content_span).startswith('"IS counterattack was foiled at 4 am')


def test_usa_official_told_reuters(seed):
    a = covering(seed, "A USA official told Reuters")
    assert (a.speaker, a.via, a.cue, a.kind) == ("A USA official", "Reuters", "told",
                                                 "indirect")
    assert span_text(seed, a.content_span).startswith("that the US military is planning")


def test_according_to_the_observatory(seed):
    a = covering(seed, "At least 48 suspected IS members")
    assert (a.speaker, a.cue, a.role) == ("Syrian Observatory for Human Rights",
                                          "according to", "Britain-based")
    assert span_text(seed, a.content_span) == "At least 48 suspected IS members were among them"


def test_the_observatory_says_resolves_to_its_full_name(seed):
    a = covering(seed, "Since September, more than 1,270 IS militants")
    assert (a.source, a.speaker, a.cue, a.resolved) == (
        "the Observatory", "Syrian Observatory for Human Rights", "says", True)


def test_sdf_commanders_told_cnn(seed):
    a = covering(seed, "SDF commanders have told CNN")
    assert (a.speaker, a.via, a.cue) == ("SDF commanders", "CNN", "have told")


def test_intelligence_officials_told_the_guardian(seed):
    a = covering(seed, "Daesh leader Abu Bakr Al-Baghdadi")
    assert (a.speaker, a.via) == ("senior regional intelligence officials", "the Guardian")
    assert span_text(seed, a.content_span).startswith("Daesh leader Abu Bakr Al-Baghdadi is")


def test_the_sdf_said(seed):
    a = covering(seed, "The SDF said it has not been in communication")
    assert (a.source, a.speaker, a.cue, a.kind) == ("The SDF", "SDF", "said", "indirect")


def test_400_to_600_is_mustafa_bali_to_reuters(seed):
    # the seed gold: speaker Mustafa Bali, outlet Reuters (introduced as speaking to it)
    a = covering(seed, "Bali said 400 to 600 jihadists")
    assert (a.source, a.speaker, a.role, a.via, a.resolved) == (
        "Bali", "Mustafa Bali", "SDF official", "Reuters", True)


def test_role_of_us_president(seed):
    a = covering(seed, "Kurdish-led forces spearheading the offensive")
    assert (a.speaker, a.role, a.cue) == ("Donald Trump", "US President", "predicted")


def test_pronoun_with_another_person_named_in_between_stays_unresolved(seed):
    a = covering(seed, '"Rest assured')
    assert (a.source, a.speaker, a.resolved, a.kind) == ("he", None, False, "direct")


def test_stances_are_not_attributions_in_the_index(seed):
    # "Trump wants ..." states a fact about Trump in the outlet's voice
    assert covering(seed, "Trump wants to withdraw").kind == "unattributed"
    assert covering(seed, "Votel is one of many").kind == "unattributed"


def test_pronoun_resolved_when_clear_and_via_carried():
    text = ('Mustafa Bali spoke to Reuters on Sunday. "We will win," he said. '
            "Fighting went on in Baghouz.")
    rels = attribution.extract(text)
    he = next(r for r in rels if r.source == "he")
    assert (he.speaker, he.resolved, he.via, he.kind) == ("Mustafa Bali", True, "Reuters",
                                                         "direct")


def test_they_and_it_resolve_to_plural_and_organisation_speakers():
    text = ("Senior SDF commanders told CNN the town had fallen. They said the fighting was "
            "over. The Syrian Observatory for Human Rights reported 20 deaths. It said more "
            "bodies were found.")
    rels = {r.source: r for r in attribution.extract(text)}
    assert rels["They"].speaker == "Senior SDF commanders"
    assert rels["It"].speaker == "Syrian Observatory for Human Rights"


def test_quote_continued_in_next_sentence():
    text = ('"We have surrounded the town," Bali said on Sunday. "The end is near for the '
            'group." Other news followed.')
    from qa.sentences import split_spans

    spans = split_spans(text)
    atts = attribution.attribute_sentences(text, spans, "AFP")
    assert [a.speaker for a in atts] == ["Bali", "Bali", "AFP"]
    assert atts[1].kind == "direct" and atts[1].content_span[1] >= spans[1][1] - 1


def test_kinds_direct_indirect_mixed():
    rels = attribution.extract(
        'The minister said the talks had failed. He described the offer as "an insult". '
        '"We will not sign," the minister said.')
    assert [r.kind for r in rels if r.cue in ("said", "described")] == [
        "indirect", "mixed", "direct"]


def test_rule_fallback_without_weights(monkeypatch, seed):
    monkeypatch.setattr(attribution, "load_model", lambda: None)
    text, spans, _ = seed
    atts = attribution.attribute_sentences(text, spans, None)
    by_start = {text[s:e][:20]: a for (s, e), a in zip(spans, atts, strict=True)}
    assert by_start["Bali said 400 to 600"].speaker == "Mustafa Bali"
    assert by_start["A USA official told "].via == "Reuters"
    assert by_start["Since September, mor"].speaker == "Syrian Observatory for Human Rights"


def test_empty_and_plain_text():
    assert attribution.extract("") == []
    assert attribution.attribute_sentences("", [], "X") == []
    [a] = attribution.attribute_sentences("Rain fell.", [(0, 10)], None)
    assert a.kind == "unattributed" and a.speaker is None


# --- scoring -------------------------------------------------------------------------------------

def _doc(*rels):
    return {"id": "d", "attributions": [dict(zip(("source", "source_span", "content_span"), r,
                                                  strict=True)) for r in rels]}


def test_scorer_overlap_one_to_one_and_pronouns():
    gold = _doc(("Bali", [0, 4], [10, 20]), ("he", [40, 42], [50, 60]), ("X", [70, 71],
                                                                         [80, 90]))
    pred = _doc(("Bali", [0, 4], [12, 30]),       # right
                ("Bali", [0, 4], [15, 18]),       # a second match for the same gold: wrong
                ("Bali", [100, 104], [55, 58]),   # the pronoun's speaker named: right
                ("Y", [72, 73], [85, 86]))        # content matches, source does not
    s = score_attribution([pred], [gold])
    assert (s["source_precision"], s["source_recall"]) == (0.5, round(2 / 3, 4))
    assert s["relation_recall"] == 1.0


def test_scorer_counts_missing_documents_as_misses():
    gold = _doc(("Bali", [0, 4], [10, 20]))
    assert score_attribution([], [gold])["source_recall"] == 0.0


# --- the eval command, and the index ----------------------------------------------------------

@pytest.mark.slow
def test_eval_attribution_cli(tmp_path):
    text = "Mustafa Bali told Reuters that the battle had begun. The town is quiet."
    docs = tmp_path / "docs.jsonl"
    gold = {"id": "d1", "text": text, "attributions": [{
        "source": "Mustafa Bali", "cue": "told", "content": "the battle had begun",
        "source_span": [0, 12], "cue_span": [13, 17], "content_span": [31, 51]}]}
    docs.write_text(json.dumps(gold) + "\n" + json.dumps({"id": "d2", "text": "No one."}) + "\n")
    out = tmp_path / "pred.jsonl"
    r = run_cli("eval", "attribution", "--docs", str(docs), "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    scores = json.loads(r.stdout)
    assert scores["source_f1"] == 1.0 and scores["documents"] == 2
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["id"] for x in rows] == ["d1", "d2"] and rows[1]["attributions"] == []
    [rel] = rows[0]["attributions"]
    assert {"source", "cue", "content", "source_span", "cue_span", "content_span"} <= set(rel)
    assert text[slice(*rel["source_span"])] == rel["source"] == "Mustafa Bali"
    assert text[slice(*rel["cue_span"])] == "told"

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"no": "text"}\n')
    r = run_cli("eval", "attribution", "--docs", str(bad), "--out", str(out))
    assert r.returncode == 2 and "line 1" in r.stderr and "Traceback" not in r.stderr


def test_index_stores_attributions_that_retrieve_returns(tmp_path):
    from qa.index import Index
    from qa.retrieve import retrieve

    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    idx.add(read_paths([SEED]))
    assert idx.info()["attribution"] == attribution.VERSION
    assert idx.info()["attribution_current"]
    [p] = retrieve("Bali said 400 to 600 jihadists were estimated to be holed up", k=1,
                   index=idx)
    assert p.text.startswith("Bali said 400 to 600")
    assert (p.attribution.speaker, p.attribution.via) == ("Mustafa Bali", "Reuters")
    [q] = retrieve("The SDF, backed by a USA-led coalition, began the assault on Saturday",
                   k=1, index=idx)
    assert q.attribution.kind == "unattributed"


@pytest.mark.slow
def test_stale_attribution_asks_for_rebuild(tmp_path):
    ix = tmp_path / "ix"
    r = run_cli("add", str(SEED), "--index", str(ix))
    assert r.returncode == 0, r.stderr
    m = ix / "manifest.json"
    data = json.loads(m.read_text())
    data["attribution"] = None  # as written before attribution existed
    m.write_text(json.dumps(data))
    r = run_cli("info", "--index", str(ix))
    assert "run 'factcheck rebuild'" in r.stdout
    r = run_cli("search", "How many fighters remain?", "--index", str(ix), "-k", "1")
    assert r.returncode == 0 and "factcheck rebuild" in r.stderr
    assert r.stderr.strip().count("\n") == 0
    assert run_cli("rebuild", "--index", str(ix)).returncode == 0
    r = run_cli("search", "How many fighters remain in the enclave?", "--index", str(ix),
                "-k", "1")
    assert "factcheck rebuild" not in r.stderr
    assert "source: SDF official Mustafa Bali (to Reuters)" in r.stdout


def test_appositive_name_and_role_and_document_sources():
    rels = attribution.extract(
        "The head of the Observatory, Rami Abdel Rahman, said 20 people died. "
        "Mustafa Bali, an SDF spokesman, said the town fell. "
        "At least 20 died, according to figures from the Syrian Observatory for Human Rights.")
    got = [(r.speaker, r.role) for r in rels]
    assert got == [("Rami Abdel Rahman", "head of the Observatory"),
                   ("Mustafa Bali", "SDF spokesman"),
                   ("Syrian Observatory for Human Rights", None)]


def test_interview_outlets():
    rels = attribution.extract(
        "Ahmed Saleh said in an interview with the BBC that the siege was over. "
        "The general said to Al Jazeera that more troops would come. "
        "The mayor told his aides the water had run out.")
    assert [r.via for r in rels] == ["the BBC", "Al Jazeera", None]


# --- clean speaker labels on unpunctuated news text (FA-KES drops most commas) -----------------

def _who(text: str) -> list[tuple[str | None, str | None, str | None]]:
    return [(r.source, r.speaker, r.role) for r in attribution.extract(text)]


def test_relative_clause_is_cut_off_the_source():
    got = _who("The monitoring group which relies on activists inside Syria said the attack "
               "killed 50 fighters. An activist who spoke on condition of anonymity said 20 "
               "people died.")
    assert got == [("The monitoring group", "The monitoring group", None),
                   ("An activist", "An activist", None)]


def test_description_resolves_to_the_name_the_article_gives_it():
    got = _who("At least 20 people died in Aleppo the Syrian Observatory for Human Rights a "
               "Britain-based monitoring group said. The monitoring group which relies on "
               "activists inside Syria said the attack killed 50 fighters. The Syrian "
               "Coalition condemned the attack. The coalition said the regime was to blame.")
    assert [g[1] for g in got] == ["Syrian Observatory for Human Rights"] * 2 + [
        "Syrian Coalition"] * 2


def test_unclear_description_stays_as_written():
    # two monitors are named: "the monitor" could be either, so it is not resolved
    got = _who("The Syrian Observatory for Human Rights a Britain-based monitor said 20 died. "
               "The Syrian Network for Human Rights a France-based monitor said 30 died. "
               "The monitor said the toll would rise.")
    assert got[2][1] == "The monitor"


def test_the_source_takes_its_fuller_first_description():
    got = _who("A source in Jaish al-Islam told The New Arab that fighters were on alert. "
               "The source added that more died.")
    assert got == [("A source in Jaish al-Islam", "A source in Jaish al-Islam", None),
                   ("The source", "A source in Jaish al-Islam", None)]


def test_words_glued_to_a_name_without_commas():
    got = _who("On Saturday Abdel Rahman said the opposition was focusing its efforts. "
               "Syrian President Bashar al-Assad says the war has shifted. "
               "Speaking to AFP on Wednesday Homs governor Talal al-Barazi reported the attacks. "
               "Airstrikes over the weekend killed 13 people MSF said on Monday. "
               "Rebel fire killed 1102 people said the Observatory adding that 234 were "
               "children. "
               "A total of 70 fighters died according to Russian Defense Ministry spokesman "
               "Maj. Gen. Igor Konashenkov.")
    speakers = [g[1] for g in got]
    assert speakers[:5] == ["Abdel Rahman", "Bashar al-Assad", "Talal al-Barazi", "MSF",
                            "Observatory"]
    assert got[1][2] == "Syrian President"
    assert ("Igor Konashenkov", "Russian Defense Ministry spokesman Maj. Gen.") in [
        (g[1], g[2]) for g in got]


def test_headline_capitals_are_not_taken_for_a_full_name():
    got = _who("Syrian Coalition Declares Idlib Disaster Area amid Deadly Aerial Campaign. "
               "The Syrian Coalition has declared the province a disaster area. "
               "The Coalition has urged relief groups to stay on alert.")
    assert {g[1] for g in got} == {"Syrian Coalition"}


def test_name_then_role_and_organisation_then_name_without_commas():
    got = _who("Rami Abdel Rahman head of the Syrian Observatory for Human Rights said 20 died. "
               "Kurdish National Council Mustafa Sino said the talks failed. "
               "Syrian opposition forces on Sunday said they took the town. "
               "The Britain-based Syrian Observatory for Human Rights said 20 died.")
    assert [(g[1], g[2]) for g in got] == [
        ("Rami Abdel Rahman", "head of the Syrian Observatory for Human Rights"),
        ("Mustafa Sino", "Kurdish National Council"),
        ("Syrian opposition forces", None),
        ("Syrian Observatory for Human Rights", "Britain-based")]


def _rels(text):
    return [(a.source, a.cue, text[a.content_span[0]:a.content_span[1]] if a.content_span
             else None) for a in attribution.extract(text)]


def test_quotation_in_the_next_sentence_after_a_colon():
    text = 'Cruz spoke at length. He continued:\n\n"You look at the questions, they are unfair."'
    src, cue, content = next(r for r in _rels(text) if r[1] == "continued")
    assert (src, content.strip('"')) == ("He", "You look at the questions, they are unfair.")


def test_quotation_is_the_content_of_a_cue_without_a_clause():
    # NYT-style '' quotes; the circumstance "in Iowa" is not what was said
    assert ("she", "said", "''Wow, what a great idea,''") in _rels(
        "''Wow, what a great idea,'' she said in Iowa earlier this year.")
    assert ("Obama", "saying", "Too many") in [
        (s, c, (t or "").strip("“”.")) for s, c, t in
        _rels("Obama punctuated his list by saying “Too many.”")]


def test_source_of_a_purpose_clause_and_a_learned_prepositional_cue():
    assert ("The senators", "to applaud", "the decision") in _rels(
        "The senators went on Twitter to applaud the decision.")
    # "in" + "poll" is a cue learned from PolNeAR train (p:in|poll), not a hand rule
    assert ("a new NBC News poll", "In", "Clinton leads Trump by five points") in _rels(
        "In a new NBC News poll released Monday, Clinton leads Trump by five points.")


def _rule_rels(text):
    """Every relation the dependency rules propose for one sentence, before the filter."""
    from qa.attribution_rules import sentence_relations

    doc = next(iter(attribution._parse([text])))
    return [(r.source_text, r.cue_text.lower(),
             text[r.content[0]:r.content[1]] if r.content else None)
            for r in sentence_relations(doc)]


def test_passive_agent_holds_the_passive_subject():
    text = "Her view is shared by Sen. Elizabeth Warren and other liberal lawmakers."
    assert ("Sen. Elizabeth Warren and other liberal lawmakers", "is shared",
            "Her view") in _rule_rels(text)


def test_title_case_headline_is_parsed_with_its_cue_lower_cased():
    from qa.attribution_lexicon import recase_headline

    head = "Pence Endorses Paul Ryan With Trump’s Blessing"
    assert recase_headline(head) == "Pence endorses Paul Ryan with Trump’s Blessing"
    assert recase_headline("Pence endorsed Paul Ryan.") == "Pence endorsed Paul Ryan."
    assert any(s == "Pence" and c == "endorses" for s, c, _ in _rule_rels(head))


def test_statement_noun_completing_a_verb_takes_the_verb_subject():
    rels = _rule_rels("Sanders voiced strong support for the nuclear deal on Tuesday.")
    assert any(s == "Sanders" and c == "support" and "the nuclear deal" in (t or "")
               for s, c, t in rels)


@pytest.mark.parametrize("weights", [True, False])
def test_content_clause_of_a_statement_noun_takes_the_nouns_source(weights, monkeypatch):
    if not weights:  # the rule fallback too
        monkeypatch.setattr(attribution, "load_model", lambda: None)
    # the figure is the activists' claim, not the world leaders' response to it
    from qa.sentences import split_spans

    text = ("World leaders have responded to the claim by activists in the Damascus suburbs "
            "that at least 640 people were killed in the attack. "
            "Officials dismissed Amnesty's claim that prisoners were tortured. "
            "Ministers rejected the activists' claim that 640 people died. "
            "The government said the talks had failed.")
    spans = split_spans(text)
    atts = attribution.attribute_sentences(text, spans, "AFP")
    assert atts[0].source.startswith("activists") and atts[0].cue == "claim"
    s, e = atts[0].content_span
    assert text[s:e].startswith("that at least 640 people were killed")
    assert (atts[1].source, atts[1].cue) == ("Amnesty", "claim")
    assert atts[2].source == "the activists"
    assert (atts[3].source, atts[3].cue) == ("The government", "said")  # no noun: unchanged
