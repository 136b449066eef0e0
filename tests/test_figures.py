"""Which figures stand side by side: only those answering the same question (qa.figures)."""

from __future__ import annotations

from qa.figures import collect_figures, counted, other_date
from qa.models import Passage
from qa.nlp import get_nlp
from qa.quantities import find_quantities
from qa.question import analyse, stem


def _p(text, aid, outlet="Reuters", score=1.0, published="2016-07-05"):
    return Passage(article_id=aid, text=text, start=0, end=len(text), position=0,
                   score=score, outlet=outlet, title=f"{outlet} story", published=published)


def _figures(question, passages):
    first = passages[0]
    q = find_quantities(first.text)[0]
    return collect_figures(analyse(question), passages, anchor=(q.start, q.end))


def test_counted_noun_and_verb_from_the_parse():
    nlp = get_nlp()
    for text, noun in [("Bali said 400 to 600 jihadists were holed up.", "jihadists"),
                       ("Daesh said three of its fighters carried out an attack.", "fighters"),
                       ("Hundreds of people were killed.", "people"),
                       ("The attack killed 43 on Tuesday.", None)]:
        got = counted(nlp(text), find_quantities(text)[0])
        assert got.noun == (stem(noun) if noun else None), text
    assert counted(nlp("The attack killed 43 on Tuesday."),
                   find_quantities("The attack killed 43")[0]).verb == "kill"


def test_differing_tolls_for_one_attack_are_kept():
    figs = _figures("How many people were killed in the government shelling of the town?", [
        _p("Government shelling of the town killed 43 people, the Observatory said.", "a"),
        _p("At least 31 people were killed when government shelling hit the town.", "b",
           outlet="Al Jazeera", score=0.8)])
    assert [f.value for f in figs] == ["43", "At least 31"]


def test_other_events_other_counts_and_weak_passages_are_left_out():
    q = "How many fighters remain in the enclave?"
    figs = _figures(q, [
        _p("Bali said 400 to 600 jihadists were holed up in the enclave.", "a", score=2.0),
        _p("The group said three of its fighters attacked a police station.", "b", score=1.5),
        _p("Aid workers said 3,000 civilians remain in the enclave.", "c", score=1.8),
        _p("About 900 fighters remain in the enclave.", "d", score=0.5)])  # weak retrieval
    assert [f.value for f in figs] == ["400 to 600"]
    figs = _figures(q, [
        _p("Bali said 400 to 600 jihadists were holed up in the enclave.", "a", score=2.0),
        _p("About 900 jihadists remain in the enclave, a commander said.", "d", score=1.6)])
    assert [f.value for f in figs] == ["400 to 600", "About 900"]


def test_a_sentence_naming_another_month_is_another_event():
    figs = _figures("How many people were killed in the August 2013 chemical attack?", [
        _p("The chemical attack on August 21 killed more than 1400 people.", "a",
           published="2013-08-22"),
        _p("It is the worst chemical attack since the March 19 attack, when at least 30 "
           "people were killed.", "b", published="2013-08-22", score=0.9),
        _p("U.N. officials said the chemical attack killed 1300 people.", "c",
           published="2013-08-22", score=0.9)])
    assert [f.value for f in figs] == ["more than 1400", "1300"]
    assert other_date(analyse("How many died in August 2013?"), "in March 2013")


def test_an_undated_question_keeps_figures_of_other_events_apart():
    """'the Ghouta attack' names several attacks: figures from articles published months
    apart are not set beside the answer as a disagreement; a figure for the date the
    answer's sentence gives (August 2013) is."""
    from qa.question import QuestionInfo, content_terms

    q = "How many people were killed in the Ghouta attack?"
    info = QuestionInfo(q, "quantity", focus="people", terms=content_terms(q), verb="kill")

    def passage(aid, text, day, score):
        return Passage(article_id=aid, text=text, start=0, end=len(text), position=0,
                       outlet=aid, published=day, score=score)

    answer = passage("a", "At least 58 people were killed in the Ghouta attack on Tuesday.",
                     "2017-04-04", 1.0)
    later = passage("b", "At least 127 people were killed in the Ghouta attack.",
                    "2017-11-16", 0.9)
    same_week = passage("c", "The Ghouta attack killed 70 people, rescuers said.",
                        "2017-04-06", 0.9)
    figs = collect_figures(info, [answer, later, same_week], anchor=(0, 11))
    assert {f.value for f in figs} == {"At least 58", "70"}
