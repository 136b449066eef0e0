"""Is a question written in English? The articles, the parser and the reader are English.

A question in another language still retrieves *something* (every sentence has a nearest
neighbour), and the reader would then pick a span from an unrelated passage. So ``ask``
declines such questions up front and says why. The test is cheap and needs no model:

* most letters outside the Latin script (Arabic, Cyrillic, CJK, ...) -> not English;
* two or more function words of another language (spaCy's stop-word lists, words that are
  not also English stop words), and more of them than English function words -> not English.

An opening '¿' or '¡' counts as two such words. A bare keyword query ("Ghouta chemical
attack toll") has no function words at all and counts as English; so does a very short
question in a Latin-script language that uses none of its function words ("Quanti
combattenti restano?") -- it then gets the usual decline when nothing matches.

>>> looks_english("How many fighters remain in the enclave?")
True
>>> looks_english("Ghouta chemical attack toll")
True
>>> looks_english("¿Cuántos combatientes quedan en el enclave?")
False
>>> looks_english("Wie viele Kämpfer sind noch in der Enklave?")
False
>>> looks_english("كم عدد المقاتلين في الجيب؟")
False
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import lru_cache

OTHER_LANGUAGES = ("es", "de", "fr", "it", "pt", "nl")


@lru_cache(maxsize=1)
def _stop_words() -> tuple[frozenset[str], frozenset[str]]:
    """(English function words, other languages' function words that are not English)."""
    from spacy.lang.en.stop_words import STOP_WORDS as english

    other: set[str] = set()
    for lang in OTHER_LANGUAGES:
        other |= importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS
    # short words shared with English names/abbreviations ("la", "de", "el") stay foreign;
    # anything that is also an English function word is not evidence either way
    return frozenset(english), frozenset(other - set(english))


def _latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return latin / len(letters)


def looks_english(question: str) -> bool:
    """True unless ``question`` is clearly in another language (see the module doc)."""
    if _latin_share(question) < 0.5:
        return False
    english, other = _stop_words()
    words = [w for w in re.findall(r"[^\W\d_]+", question.lower()) if len(w) > 1]
    n_en = sum(w in english for w in words)
    # Spanish opens a question with an inverted mark: as good as two function words
    n_other = sum(w in other for w in words) + 2 * bool(re.search("[\u00bf\u00a1]", question))
    return n_other < 2 or n_other <= n_en
