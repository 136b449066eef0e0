"""Sentence splitting: offsets, quotes, abbreviations, datelines, missing punctuation."""

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.sentences import split, split_spans


def test_abbreviations_and_initials_do_not_split():
    text = ("Gen. Joseph Votel told Sen. Graham that the U.S. military would stay. "
            "Donald J. Trump disagreed. Mr. Bali said the U.N. agreed.")
    assert split(text) == [
        "Gen. Joseph Votel told Sen. Graham that the U.S. military would stay.",
        "Donald J. Trump disagreed.",
        "Mr. Bali said the U.N. agreed.",
    ]


def test_acronym_at_sentence_end_splits_before_an_opener():
    assert split("Troops returned to the U.S. The war went on.") == [
        "Troops returned to the U.S.", "The war went on."]


def test_quotation_with_inner_sentences_stays_whole():
    text = ('"This is a tragedy. It is an outrage. And if deliberate it is a war crime," '
            "said UNICEF director Anthony Lake. Next sentence here.")
    out = split(text)
    assert out[0].startswith('"This is a tragedy.') and out[0].endswith("Anthony Lake.")
    assert out[1] == "Next sentence here."


def test_unclosed_quote_does_not_swallow_the_article():
    # FA-KES drops closing quotes: the open quote must not glue everything together
    body = '"The direct bombing of another hospital is an outrage said an official. ' + \
        " ".join(f"Sentence number {i} reports more fighting in the north." for i in range(20))
    out = split(body)
    assert len(out) >= 10
    assert max(len(s) for s in out) <= 800


def test_run_on_text_without_punctuation_is_cut():
    words = " ".join(["the fighters moved north and the civilians fled south"] * 30)
    spans = split_spans(words, max_chars=200)
    assert len(spans) > 1
    assert all(e - s <= 200 for s, e in spans)


def test_newlines_are_boundaries_and_dateline_kept_in_sentence():
    text = "BEIRUT (Reuters) - Syrian forces advanced on Sunday.\nRelated news"
    assert split(text) == ["BEIRUT (Reuters) - Syrian forces advanced on Sunday.", "Related news"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list('ab .!?"\n“”US') + ["Gen. ", "Mr. ", "U.S. ", "The "]),
                max_size=120).map("".join))
def test_offsets_are_exact_ordered_and_cover_all_text(text):
    spans = split_spans(text)
    prev = 0
    for s, e in spans:
        assert prev <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        prev = e
    covered = "".join(text[s:e] for s, e in spans)
    assert "".join(covered.split()) == "".join(text.split())
