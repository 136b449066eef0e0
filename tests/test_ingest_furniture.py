"""Page furniture and datelines around an article body (qa/furniture.py), no model."""

import pytest

from qa.furniture import clean_body, strip_dateline
from qa.ingest import make_article, read_paths
from qa.models import Article
from qa.sentences import split_spans

from .conftest import FAKES, SEED


@pytest.mark.parametrize("text, dateline", [
    ("BEIRUT (Reuters) - Rebels shelled the old city on Monday.", "BEIRUT (Reuters) -"),
    ("Beirut, 3 May (AFP) \u2014 Rebels shelled the old city.", "Beirut, 3 May (AFP) \u2014"),
    ("Aleppo SANA-Terrorists fired shells on the city.", "Aleppo SANA-"),
    ("Damascus, SANA - Terrorists fired shells on the city.", "Damascus, SANA -"),
    ("GENEVA, May 3 - Talks resumed after a pause.", "GENEVA, May 3 -"),
    ("MOSCOW October 1 (RIA Novosti) - A double attack hit the city.",
     "MOSCOW October 1 (RIA Novosti) -"),
    ("ROME At least ten people were hurt in the storm.", "ROME"),
])
def test_leading_dateline_is_split_off(text, dateline):
    body, found = strip_dateline(text)
    assert found == dateline
    assert body == text[len(text) - len(body):] and not body.startswith(dateline)


def test_dateline_after_a_subtitle_sentence():
    text = "Ten died in a blast, officials said. LONDON (Wire) - A bomb went off at noon."
    assert strip_dateline(text) == (
        "Ten died in a blast, officials said. A bomb went off at noon.", "LONDON (Wire) -")


@pytest.mark.parametrize("text", [
    "Damascus hosted talks on Monday, officials said.",
    "Beirut Port workers said the blast was heard for miles.",
    "UNICEF Executive Director Anthony Lake called the strikes an outrage.",
    "Aleppo residents said the Observatory for Human Rights (SOHR) counted 12 dead.",
    "Homs - the third city - was quiet on Sunday.",
])
def test_sentence_starting_with_a_place_or_an_acronym_is_kept(text):
    assert strip_dateline(text) == (text, None)
    assert clean_body(text) == text


def test_trailing_furniture_goes():
    body = ("Rebels shelled the city on Monday, the monitor said. Ten people died. "
            "The shelling went on into the night and hit the market and two schools. "
            "Related News Storm hits coast | Markets fall Category News Elections "
            "Copyright 2018 Some Site. Contact Us Privacy Policy")
    assert clean_body(body) == body[:body.index(" Related")]
    assert clean_body("A long first sentence about the attack on the town. Second one. "
                      "Read Also") == "A long first sentence about the attack on the town. Second one."
    assert clean_body("The council met on Tuesday to discuss the aid. It voted. "
                      "(Source: Council) Twitter") == (
        "The council met on Tuesday to discuss the aid. It voted. (Source: Council)")


def test_inline_related_box_before_more_story_is_kept():
    body = ("The minister spoke on Wednesday about the plan for the region and its costs. "
            "Related Coverage Talks stall in Geneva Aid convoy arrives The minister said "
            "the plan would work, the agency reported.")
    assert clean_body(body) == body


def test_tag_list_at_the_top_goes_but_the_story_stays():
    body = ("Rebels say they took the town. Tags Syria Idlib rebels ceasefire At least 12 "
            "people were killed on Monday, a monitor said.")
    assert clean_body(body) == (
        "Rebels say they took the town. At least 12 people were killed on Monday, a monitor said.")
    # the story resumes with words of the subtitle (capitalised tag pairs do not count)
    body = ("British scientists found sarin in the samples. Tags Syria Chemical Attack British "
            "scientists said sarin was used, the envoy said.")
    assert clean_body(body) == ("British scientists found sarin in the samples. British "
                                "scientists said sarin was used, the envoy said.")
    # an all-keyword tag list ending in a full stop
    assert clean_body("Rebels took the town. Tags Syria truce sniper fire. Rebels said so.") == (
        "Rebels took the town. Rebels said so.")
    # no clear point where the story resumes: the text is left as it is
    unclear = "Lead. Tags Syria Kurdish regime warplanes bombed positions near the city."
    assert clean_body(unclear) == unclear


def test_make_article_offsets_index_the_stored_text():
    a = make_article(title="Blast in the old city - World - Some Site",
                     text="Blast in the old city AFP Sunday 6 Apr 2014 BEIRUT (Wire) - At least 5 died, "
                          "a monitor said. Police came. Tags Syria blast Homs")
    assert a.text == "At least 5 died, a monitor said. Police came."
    assert a.published == "2014-04-06"
    assert [a.text[s:e] for s, e in split_spans(a.text)] == [
        "At least 5 died, a monitor said.", "Police came."]


def test_bundled_corpus_loses_little():
    """On FA-KES, cleaning changes few sentences and never empties an article."""
    arts = [a for a in read_paths([FAKES]) if isinstance(a, Article)]
    assert len(arts) == 160 and all(a.text.strip() for a in arts)
    texts = " ".join(a.text for a in arts)
    for junk in ("Related News", "Read Also", "Community standards", "Category News",
                 "Our Standards:", "(Reuters) -", "SANA-"):
        assert junk not in texts, junk
    # real content near the furniture stays
    assert "Lavrov said the reports" in texts  # after an inline "Related Coverage" box
    assert "12 Daesh terrorists were killed" in texts  # a count next to page counters


def test_seed_article_keeps_its_sentences():
    [seed] = [a for a in read_paths([SEED]) if isinstance(a, Article)]
    assert not seed.text.endswith("Related news")
    assert seed.text.startswith("USA -backed and Kurdish-led Syrian forces")
