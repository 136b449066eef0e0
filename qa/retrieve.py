"""Find the sentences that best support a question.

``retrieve(question, k, index)`` returns :class:`~qa.models.Passage` objects, best first.
Filters (outlet, date range, article ids) are applied inside the vector search, so asking
for ``k`` passages from one outlet returns ``k`` of that outlet's sentences whenever it has
that many. The same sentence carried by several articles (syndicated copy) comes back once,
with the other articles in ``also_in``.

Example:
    >>> from qa import retrieve
    >>> ps = retrieve("How many fighters remain in the enclave?", k=3)   # doctest: +SKIP
    >>> ps[0].text                                                      # doctest: +SKIP
    'Bali said 400 to 600 jihadists were estimated to be holed up in the enclave, ...'
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from qa.errors import BadQuestion
from qa.index import Index, SegmentInfo, SegmentReader, default_index_path
from qa.models import Passage, SourceRef

MAX_QUESTION_CHARS = 2000


class Filters(BaseModel):
    """Restrict retrieval: outlets (case-insensitive), ISO dates (inclusive), article ids."""

    outlets: list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    article_ids: list[str] | None = None

    def active(self) -> bool:
        return bool(self.outlets or self.date_from or self.date_to or self.article_ids)

    def article_ok(self, article_id: str, outlet: str | None, published: str | None) -> bool:
        if self.article_ids and article_id not in self.article_ids:
            return False
        if self.outlets and (outlet or "").lower() not in {o.lower() for o in self.outlets}:
            return False
        if self.date_from and not (published and published[:10] >= self.date_from):
            return False
        return not (self.date_to and not (published and published[:10] <= self.date_to))


def clean_question(question: str) -> str:
    """Strip control characters and surplus space; reject what cannot be a question.

    >>> clean_question("  How many\\x00 fighters?  ")
    'How many fighters?'
    """
    if not isinstance(question, str):
        raise BadQuestion("the question must be text")
    if len(question) > MAX_QUESTION_CHARS * 50:
        raise BadQuestion(
            f"the question is {len(question):,} characters long; ask in under "
            f"{MAX_QUESTION_CHARS:,} characters")
    q = re.sub(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]+", " ", question)
    q = re.sub(r"\s+", " ", q).strip()
    if not q:
        raise BadQuestion("the question is empty; ask something, e.g. "
                          "'How many fighters remain in the enclave?'")
    if len(q) > MAX_QUESTION_CHARS:
        raise BadQuestion(
            f"the question is {len(q):,} characters long; ask in under "
            f"{MAX_QUESTION_CHARS:,} characters")
    if not any(c.isalnum() for c in q):
        raise BadQuestion("the question has no words in it; ask in words, e.g. "
                          "'Who described the assault as the last battle?'")
    return q


_cache: dict[str, Index] = {}
_cache_lock = threading.Lock()


def open_index(index: str | os.PathLike | Index | None = None) -> Index:
    """An :class:`Index` for ``index`` (a path, an open Index, or the default path),
    opened once per process and refreshed when another process has committed."""
    if isinstance(index, Index):
        index.refresh()
        return index
    path = Path(index) if index is not None else default_index_path()
    key = str(path.resolve())
    with _cache_lock:
        idx = _cache.get(key)
        if idx is None:
            idx = _cache[key] = Index.open(path)
        else:
            idx.refresh()
    return idx


def _norm_text(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _allow(filters: Filters | None):
    if filters is None or not filters.active():
        return None

    def allow(info: SegmentInfo, seg: SegmentReader, live: np.ndarray) -> np.ndarray:
        ok = np.fromiter((filters.article_ok(a.id, a.outlet, a.published)
                          for a in seg.articles), dtype=bool, count=len(seg.articles))
        return live & ok[seg.row_article]

    return allow


def dedupe(passages: list[Passage]) -> list[Passage]:
    """Fold passages with the same normalised text into the best-scoring one, listing the
    other articles in ``also_in``. Order (best first) is kept.

    >>> a = Passage(article_id="a", text="Same words.", start=0, end=11, position=0, score=.9)
    >>> b = Passage(article_id="b", text="same words", start=5, end=15, position=2, score=.8)
    >>> [(p.article_id, [s.article_id for s in p.also_in]) for p in dedupe([a, b])]
    [('a', ['b'])]
    """
    out: list[Passage] = []
    seen: dict[str, Passage] = {}
    for p in passages:
        key = _norm_text(p.text)
        first = seen.get(key)
        if first is not None and key:
            if p.article_id != first.article_id and all(
                    s.article_id != p.article_id for s in first.also_in):
                first.also_in.append(SourceRef(
                    article_id=p.article_id, title=p.title, outlet=p.outlet,
                    published=p.published, url=p.url, start=p.start, end=p.end))
            continue
        seen[key] = p
        out.append(p)
    return out


def retrieve(
    question: str,
    k: int = 5,
    index: str | os.PathLike | Index | None = None,
    *,
    filters: Filters | None = None,
    outlets: list[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    article_ids: list[str] | None = None,
) -> list[Passage]:
    """The ``k`` sentences that best answer ``question``, best first.

    Args:
        question: free text; empty or over-long questions raise ``BadQuestion``.
        k: how many passages (after folding duplicate sentences), default 5.
        index: index folder (default ``$FACTCHECK_INDEX`` or ``./index``) or an open
            :class:`Index`; opened once and reused.
        filters / outlets / date_from / date_to / article_ids: restrict the search.

    Returns:
        ``list[Passage]``, each with ``text``, ``score`` (cosine, higher is better),
        offsets, article metadata and ``attribution``.
    """
    q = clean_question(question)
    idx = open_index(index)
    f = filters or Filters(outlets=outlets, date_from=date_from, date_to=date_to,
                           article_ids=article_ids)
    if k <= 0 or len(idx) == 0:
        return []
    qv = idx.encoder.encode([q])
    fetch = min(max(k * 3, k + 10), len(idx))
    with idx.lock:
        hits = idx.search_dense(qv, fetch, allow=_allow(f))[0]
        passages = [idx.passage(gid, score) for gid, score in hits]
    return dedupe(passages)[:k]
