"""Lexical (BM25) search over one segment's sentences, with the ``bm25s`` library.

Each segment gets its own BM25 index, built when the segment is written or merged (only
tokenising: nothing is re-embedded) and stored in the segment folder under ``bm25/``.
It is loaded memory-mapped, so a large archive costs little resident memory. Term
statistics (document frequencies, average length) are segment-local, as in Elasticsearch
by default; segments are merged as the index grows, so the statistics converge.

Why bm25s: it is a small, well-kept library (numpy/scipy only) whose saved index is a
handful of ``.npy`` files that load with ``mmap``, which fits immutable segments; its
scores come back for every document at once, so filters are a mask on that array.

Tokens are lower-cased words, English stop words removed, Snowball-stemmed (PyStemmer);
numbers are kept as tokens ("400", "2019").

Example:
    >>> tokenize("The fighters were holed up in 2019")
    ['fighter', 'were', 'hole', 'up', '2019']
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

LEXICAL_DIR = "bm25"
K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w+", re.UNICODE)
_EMPTY = "\x00empty"  # stands in for a sentence with no indexable word


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Index terms of ``text``: lower-cased words without stop words, stemmed.

    >>> tokenize("Rescuers said 30 people were killed")
    ['rescuer', 'said', '30', 'peopl', 'were', 'kill']
    """
    sw = _stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in sw and w != "_"]
    return _stemmer().stemWords(words) if words else []


def build(texts: list[str], folder: Path) -> None:
    """Build the BM25 index of ``texts`` (one document each) and save it in ``folder``."""
    import bm25s

    docs = [tokenize(t) or [_EMPTY] for t in texts]
    ret = bm25s.BM25(k1=K1, b=B)
    if docs:
        ret.index(docs, show_progress=False)
    folder.mkdir(parents=True, exist_ok=True)
    if docs:
        ret.save(str(folder), show_progress=False)


def files(folder: Path) -> list[str]:
    """Names of the files that make up a saved lexical index (for checksums)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


class LexicalIndex:
    """A loaded (memory-mapped) BM25 index of one segment.

    ``scores(terms)`` returns one float32 score per row (0 where no term matches).
    """

    def __init__(self, folder: Path, count: int):
        self.count = count
        self._bm25 = None
        if count:
            import bm25s

            self._bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every row of the segment for the query ``terms`` (tokenised)."""
        if self._bm25 is None:
            return np.zeros(self.count, dtype=np.float32)
        ids = self._bm25.get_tokens_ids(terms)
        if not ids:
            return np.zeros(self.count, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
