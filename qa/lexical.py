"""Lexical (BM25) search over one segment's sentences, with the ``bm25s`` library.

Each segment gets its own BM25 index, built when the segment is written or merged (only
tokenising: nothing is re-embedded) and stored in the segment folder under ``bm25/``.
It is loaded memory-mapped, so a large archive costs little resident memory. Average
lengths are segment-local; document frequencies are summed over the live segments at query
time (``scores(terms, stats)``), as Lucene does, so a term weighs the same in a one-article
segment just added as in the archive.

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
import math
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

    def doc_freqs(self, terms: list[str]) -> dict[str, int]:
        """How many rows of this segment contain each of ``terms`` (those it has)."""
        if self._bm25 is None:
            return {}
        indptr = self._bm25.scores["indptr"]
        vocab = self._bm25.vocab_dict
        return {t: int(indptr[vocab[t] + 1] - indptr[vocab[t]]) for t in set(terms)
                if t in vocab}

    def scores(self, terms: list[str], stats: tuple[int, dict[str, int]] | None = None
               ) -> np.ndarray:
        """BM25 score of every row of the segment for the query ``terms`` (tokenised).

        ``stats=(rows, doc_freqs)`` of the whole index make each term weigh by its
        index-wide IDF instead of this segment's (as Lucene does across segments), so a
        small new segment - one uploaded article - scores on the same scale as the rest.
        """
        if self._bm25 is None:
            return np.zeros(self.count, dtype=np.float32)
        ids = self._bm25.get_tokens_ids(terms)
        if not ids:
            return np.zeros(self.count, dtype=np.float32)
        if stats is None:
            return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
        n_all, df_all = stats
        local = self.doc_freqs(terms)
        out = np.zeros(self.count, dtype=np.float32)
        for t in terms:
            if t not in local:
                continue
            s = self._bm25.get_scores_from_ids([self._bm25.vocab_dict[t]])
            ratio = _idf(df_all.get(t, local[t]), n_all) / _idf(local[t], self.count)
            out += np.asarray(s, dtype=np.float32) * np.float32(ratio)
        return out


def _idf(df: int, n: int) -> float:
    """BM25's IDF as bm25s computes it (the Lucene variant)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
