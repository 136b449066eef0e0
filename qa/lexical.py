"""Lexical (BM25) search over the index's segments, with the ``bm25s`` library.

Each segment gets its own BM25 index, built when the segment is written or merged (only
tokenising: nothing is re-embedded) and stored in the segment folder under ``bm25/``,
with each sentence's length in terms (``doclen.npy``). It is loaded memory-mapped, so a
large archive costs little resident memory.

**Term statistics are index-wide.** A segment's BM25 index holds, per term, the rows
that contain it (its postings). At query time :func:`collection_stats` combines, for the
query's terms only, the document frequencies and lengths of every live segment (deleted
rows excluded), and each segment is scored with those: the same sentence gets the same
score whether it sits in a one-article segment just added or in a merged one (unlike
per-segment statistics, where a fresh article's terms have an IDF near zero). The cost is
proportional to the postings of the query terms, which scoring reads anyway.

bm25s stores ``idf * tfc`` per posting (the Lucene variant: ``tfc = tf / (tf + k1 * (1 -
b + b * len / avg_len))``); with the segment's own statistics and the row's length the
term frequency ``tf`` is recovered exactly (it is a whole number), then re-scored with
the index-wide IDF and average length.

Why bm25s: it is a small, well-kept library (numpy/scipy only) whose saved index is a
handful of ``.npy`` files that load with ``mmap``, which fits immutable segments.

Tokens are lower-cased words, English stop words removed, Snowball-stemmed (PyStemmer);
numbers are kept as tokens ("400", "2019").

Example:
    >>> tokenize("The fighters were holed up in 2019")
    ['fighter', 'were', 'hole', 'up', '2019']
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

LEXICAL_DIR = "bm25"
DOCLEN_FILE = "doclen.npy"  # terms per row (the length BM25 normalises by)
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


def stems(words: list[str]) -> list[str]:
    """The Snowball stems of ``words`` (lower-cased already), stop words included, one
    per word: :func:`tokenize`'s terms, aligned with the words.

    >>> stems(["nine", "nations"])
    ['nine', 'nation']
    """
    return _stemmer().stemWords(words) if words else []


def build(texts: list[str], folder: Path) -> None:
    """Build the BM25 index of ``texts`` (one document each) and save it in ``folder``,
    with each document's length in terms (``doclen.npy``)."""
    import bm25s

    docs = [tokenize(t) or [_EMPTY] for t in texts]
    folder.mkdir(parents=True, exist_ok=True)
    if not docs:
        return
    ret = bm25s.BM25(k1=K1, b=B, method="lucene")
    ret.index(docs, show_progress=False)
    ret.save(str(folder), show_progress=False)
    np.save(folder / DOCLEN_FILE, np.asarray([len(d) for d in docs], dtype=np.int32))


def files(folder: Path) -> list[str]:
    """Names of the files that make up a saved lexical index (for checksums)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def idf(df: np.ndarray | float, docs: int) -> np.ndarray | float:
    """BM25 inverse document frequency (Lucene's, never negative), as bm25s computes it.

    >>> round(float(idf(1, 1000)), 3), round(float(idf(1, 1)), 3)
    (6.503, 0.288)
    """
    return np.log1p((docs - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class CollectionStats:
    """Index-wide BM25 statistics for the terms of one query: live documents, their
    average length, and each term's document frequency across all live segments."""

    docs: int
    avg_len: float
    df: dict[str, int]


def collection_stats(parts: Iterable[tuple[LexicalIndex, np.ndarray]], terms: list[str]
                     ) -> CollectionStats:
    """Combine the statistics of segments ``parts`` (each ``(index, live row mask)``)
    for ``terms``: what one BM25 index over all their live rows would hold.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> build(["Two villages flooded", "The dam burst"], d / "a")
    >>> build(["Villages near the dam"], d / "b")
    >>> a, b = LexicalIndex(d / "a", 2), LexicalIndex(d / "b", 1)
    >>> collection_stats([(a, np.ones(2, bool)), (b, np.ones(1, bool))], ["villag", "dam"])
    ... # doctest: +ELLIPSIS
    CollectionStats(docs=3, avg_len=2.66..., df={'villag': 2, 'dam': 2})
    """
    uniq = list(dict.fromkeys(terms))
    docs, total = 0, 0
    df = dict.fromkeys(uniq, 0)
    for lex, live in parts:
        n, length = lex.live_totals(live)
        docs += n
        total += length
        for t in uniq:
            df[t] += lex.doc_freq(t, live)
    return CollectionStats(docs, total / docs if docs else 0.0, df)


class LexicalIndex:
    """A loaded (memory-mapped) BM25 index of one segment.

    ``scores(terms, stats)`` returns one float32 score per row (0 where no term matches),
    scored with the index-wide ``stats`` (:func:`collection_stats`; the segment's own
    when omitted). ``texts`` (a callable yielding the rows' texts) is only needed for
    segments written before ``doclen.npy`` existed: their lengths are re-counted once.
    """

    def __init__(self, folder: Path, count: int,
                 texts: Callable[[], Iterator[str]] | None = None):
        self.count = count
        self._bm25 = None
        # (live mask, (live rows, their total length)): one tuple, replaced whole
        self._live_cache: tuple[np.ndarray | None, tuple[int, int]] = (None, (0, 0))
        self.doclen = np.zeros(0, dtype=np.int32)
        if not count:
            return
        import bm25s

        self._bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        params = self._bm25
        if (params.method, params.k1, params.b) != ("lucene", K1, B):
            raise ValueError(f"BM25 index built with {params.method} k1={params.k1} "
                             f"b={params.b}; expected lucene k1={K1} b={B}")
        if (folder / DOCLEN_FILE).exists():
            self.doclen = np.load(folder / DOCLEN_FILE, mmap_mode="r")
        elif texts is not None:
            log.info("re-counting sentence lengths of %s (written before doclen.npy)", folder)
            self.doclen = np.asarray([len(tokenize(t) or [_EMPTY]) for t in texts()],
                                     dtype=np.int32)
        else:
            raise ValueError(f"{folder / DOCLEN_FILE} missing")
        if len(self.doclen) != count:
            raise ValueError(f"{len(self.doclen)} lengths for {count} rows")
        sc = self._bm25.scores
        self._data, self._rows, self._ptr = sc["data"], sc["indices"], sc["indptr"]
        self._vocab = self._bm25.vocab_dict
        # the statistics bm25s scored with when the segment was written (all its rows)
        self._built_docs = int(sc["num_docs"])
        self._built_avg = float(np.asarray(self.doclen, dtype=np.float64).mean())

    def _span(self, term: str) -> tuple[int, int] | None:
        tid = self._vocab.get(term) if self._bm25 is not None else None
        if tid is None:
            return None
        return int(self._ptr[tid]), int(self._ptr[tid + 1])

    def live_totals(self, live: np.ndarray) -> tuple[int, int]:
        """``(live rows, their total length)``, cached per live mask."""
        ref, totals = self._live_cache
        if ref is not live:
            n = int(live.sum())
            total = int(np.asarray(self.doclen, dtype=np.int64)[live].sum()) if n else 0
            totals = (n, total)
            self._live_cache = (live, totals)
        return totals

    def doc_freq(self, term: str, live: np.ndarray) -> int:
        """How many live rows contain ``term``."""
        span = self._span(term)
        if span is None:
            return 0
        a, b = span
        if self.live_totals(live)[0] == self.count:
            return b - a
        return int(live[self._rows[a:b]].sum())

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, term frequencies)`` of ``term`` in this segment (deleted rows too)."""
        span = self._span(term)
        if span is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        a, b = span
        rows = np.asarray(self._rows[a:b], dtype=np.int64)
        stored = np.asarray(self._data[a:b], dtype=np.float64)
        # stored = idf_built * tf / (tf + norm_built): solve for tf (a whole number)
        u = stored / np.float32(idf(b - a, self._built_docs))
        norm = K1 * (1 - B + B * self.doclen[rows] / self._built_avg)
        tf = np.rint(u * norm / np.maximum(1 - u, 1e-9))
        return rows, np.maximum(tf, 1.0)

    def scores(self, terms: list[str], stats: CollectionStats | None = None,
               live: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every row of the segment for the query ``terms`` (tokenised),
        with the index-wide ``stats`` (default: this segment's live rows alone)."""
        out = np.zeros(self.count, dtype=np.float32)
        if self._bm25 is None or not terms:
            return out
        if stats is None:
            live = np.ones(self.count, dtype=bool) if live is None else live
            stats = collection_stats([(self, live)], terms)
        for term, qtf in Counter(terms).items():
            df = stats.df.get(term, 0)
            if not df:
                continue
            rows, tf = self.postings(term)
            if not len(rows):
                continue
            norm = K1 * (1 - B + B * self.doclen[rows] / stats.avg_len)
            out[rows] += (qtf * idf(df, stats.docs) * tf / (tf + norm)).astype(np.float32)
        return out
