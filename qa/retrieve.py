"""Find the sentences that best support a question: hybrid dense + lexical retrieval.

``retrieve(question, k, index)`` returns :class:`~qa.models.Passage` objects, best first:

1. **Candidates** from each segment: the nearest sentences by MiniLM vector (FAISS, see
   :mod:`qa.ann`) and the best by BM25 (:mod:`qa.lexical`), ``max(50, 4k)`` of each.
2. **Features** per candidate: dense cosine, BM25, the same two for its neighbouring
   sentences (context), and whether it holds the kind of answer the question asks for
   (a quantity for "how many", a time for "when", a name for "who") -- see :mod:`qa.rank`.
3. **Fusion**: a weighted sum with weights fitted by cross-validation (``qa.rank.WEIGHTS``).
4. **Near-duplicates** fold: the same sentence carried by several articles (syndicated
   copy, also with small edits) comes back once, with every other article in ``also_in``.

Filters (outlet, date range, article ids) are a row mask applied inside both searches, so
asking for ``k`` passages from one outlet returns ``k`` of that outlet's sentences whenever
it has that many. ``Passage.scores`` holds the per-method breakdown.

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
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from qa import ann, lexical, rank, rerank
from qa.errors import BadQuestion
from qa.index import Index, SegmentInfo, SegmentReader, default_index_path, text_hash
from qa.models import Passage, SourceRef

MAX_QUESTION_CHARS = 2000
CANDIDATES = 50  # per method and segment (at least; see per_segment)
NEAR_COSINE = 0.95  # near-duplicate sentences: this close in vector space ...
NEAR_JACCARD = 0.7  # ... and sharing this share of their words
QUERY_CACHE = 256  # question vectors kept per encoder (a chat turn retrieves more than once)


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

    def mask(self, seg: SegmentReader, live: np.ndarray) -> np.ndarray:
        """The rows of ``seg`` that are live and pass the filters (vectorised)."""
        if not self.active():
            return live
        ok = np.ones(len(seg.articles), dtype=bool)
        if self.article_ids:
            ok &= np.isin(seg.art_ids, list(self.article_ids))
        if self.outlets:
            ok &= np.isin(seg.art_outlets, [o.lower() for o in self.outlets])
        dated = seg.art_dates != ""
        if self.date_from:
            ok &= dated & (seg.art_dates >= self.date_from[:10])
        if self.date_to:
            ok &= dated & (seg.art_dates <= self.date_to[:10])
        return live & ok[seg.row_article]


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
    """An ``allow(info, seg, live)`` row mask for :meth:`Index.search_dense`."""
    if filters is None or not filters.active():
        return None

    def allow(info: SegmentInfo, seg: SegmentReader, live: np.ndarray) -> np.ndarray:
        return filters.mask(seg, live)

    return allow


def near_duplicate(a: str, b: str, cosine: float | None = None) -> bool:
    """Whether two sentences are the same sentence, give or take small edits: equal
    once normalised, or (with their vectors' ``cosine``) at least ``NEAR_COSINE`` apart
    and sharing ``NEAR_JACCARD`` of their words.

    >>> near_duplicate("Five died, AFP said.", "five died afp said")
    True
    >>> near_duplicate("At least 48 people were killed in the strike on Monday.",
    ...                "At least 48 people were killed in the strike Monday.", 0.98)
    True
    """
    return _NearText([a, b]).same(0, 1, cosine)


class _NearText:
    """:func:`near_duplicate` over a fixed list of texts, each normalised once (folding
    compares every candidate with every passage chosen so far)."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        self._norm: dict[int, str] = {}
        self._words: dict[int, frozenset[str]] = {}

    def norm(self, i: int) -> str:
        n = self._norm.get(i)
        if n is None:
            n = self._norm[i] = _norm_text(self.texts[i])
        return n

    def words(self, i: int) -> frozenset[str]:
        w = self._words.get(i)
        if w is None:
            w = self._words[i] = frozenset(self.norm(i).split())
        return w

    def same(self, i: int, j: int, cosine: float | None = None) -> bool:
        """``near_duplicate(texts[i], texts[j], cosine)``: the rule itself."""
        if cosine is not None and cosine < NEAR_COSINE and self.lens[i] != self.lens[j]:
            return False  # equal normalised texts have (near) equal vectors and lengths
        ni, nj = self.norm(i), self.norm(j)
        if ni == nj:
            return bool(ni)
        if cosine is None or cosine < NEAR_COSINE:
            return False
        wi, wj = self.words(i), self.words(j)
        return len(wi & wj) / max(len(wi | wj), 1) >= NEAR_JACCARD


def _source(p: Passage) -> SourceRef:
    return SourceRef(article_id=p.article_id, title=p.title, outlet=p.outlet,
                     published=p.published, url=p.url, start=p.start, end=p.end)


def _add_source(first: Passage, other: Passage | SourceRef,
                seen: dict[int, set[str]] | None = None) -> None:
    """Add ``other`` to ``first.also_in`` unless it is the same article or listed already
    (``seen`` caches the listed ids per passage, so many copies cost linear time)."""
    if other.article_id == first.article_id:
        return
    seen = {} if seen is None else seen
    if id(first) not in seen:
        seen[id(first)] = {s.article_id for s in first.also_in}
    if other.article_id not in seen[id(first)]:
        seen[id(first)].add(other.article_id)
        first.also_in.append(other if isinstance(other, SourceRef) else _source(other))


def dedupe(passages: list[Passage], vectors: np.ndarray | None = None) -> list[Passage]:
    """Fold near-duplicate passages into the best-scoring one, listing the other articles
    in ``also_in``. Order (best first) is kept. With ``vectors`` (one row per passage),
    sentences with small edits fold too (see :func:`near_duplicate`).

    >>> a = Passage(article_id="a", text="Same words.", start=0, end=11, position=0, score=.9)
    >>> b = Passage(article_id="b", text="same words", start=5, end=15, position=2, score=.8)
    >>> [(p.article_id, [s.article_id for s in p.also_in]) for p in dedupe([a, b])]
    [('a', ['b'])]
    """
    out: list[int] = []
    for i, p in enumerate(passages):
        for j in out:
            cos = float(vectors[i] @ vectors[j]) if vectors is not None else None
            if near_duplicate(passages[j].text, p.text, cos):
                _add_source(passages[j], p)
                break
        else:
            out.append(i)
    return [passages[i] for i in out]


_query_vectors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_query_lock = threading.Lock()


def query_vector(encoder, question: str) -> np.ndarray:
    """``encoder``'s vector of ``question``, encoded once: the last ``QUERY_CACHE``
    questions are kept per encoder, so asking again (``qa.answer.ask`` retrieves twice
    per question, a chat repeats itself) skips the model.

    >>> class Ones:
    ...     def encode(self, texts): return np.ones((len(texts), 2), dtype=np.float32)
    >>> enc = Ones()
    >>> query_vector(enc, "Who?") is query_vector(enc, "Who?")
    True
    """
    with _query_lock:
        cache = _query_vectors.get(encoder)
        if cache is None:
            cache = _query_vectors[encoder] = OrderedDict()
        v = cache.get(question)
        if v is not None:
            cache.move_to_end(question)
            return v
    v = encoder.encode([question])[0]
    v.setflags(write=False)  # shared between calls: nobody may change it
    with _query_lock:
        cache[question] = v
        while len(cache) > QUERY_CACHE:
            cache.popitem(last=False)
    return v


@dataclass
class _Candidates:
    """Candidate rows of one segment with their features."""

    info: SegmentInfo
    seg: SegmentReader
    rows: np.ndarray
    vectors: np.ndarray
    features: dict[str, np.ndarray]
    bm25_raw: np.ndarray  # unnormalised BM25 of the rows
    texts: list[str]
    spans: list[tuple[int, int]]  # each row's offsets in its article
    positions: list[int]  # each row's sentence number in its article
    neighbours: dict[str, np.ndarray]  # qa.rerank.NEIGHBOUR cosines, for the reranker


def per_segment(k: int, segments: int) -> int:
    """Candidates per method and segment for ``k`` passages: :data:`CANDIDATES`, or
    ``4 k`` shared out over the segments when that is more (folding near duplicates may
    take many candidates for one passage; ten segments of 50 already give 500).

    >>> per_segment(10, 1), per_segment(20, 1), per_segment(20, 10), per_segment(400, 10)
    (50, 80, 50, 160)
    """
    return max(CANDIDATES, -(-4 * k // max(segments, 1)))


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Rows of the ``n`` highest positive scores (unordered)."""
    nz = np.flatnonzero(scores > 0)
    if len(nz) > n:
        nz = nz[np.argpartition(-scores[nz], n - 1)[:n]]
    return nz


def _segment_candidates(info: SegmentInfo, seg: SegmentReader, live: np.ndarray,
                        mask: np.ndarray, qv: np.ndarray, terms: list[str],
                        stats: lexical.CollectionStats, q: rank.Question,
                        n: int) -> _Candidates | None:
    n_ok = int(mask.sum())
    if n_ok == 0:
        return None
    dense = seg.dense()
    _, found = dense.search(qv[None, :], n, None if n_ok == seg.count else mask)
    rows = found[0][found[0] >= 0]
    bm = seg.lexical().scores(terms, stats, live)
    if n_ok < seg.count:
        bm = np.where(mask, bm, 0.0)
    rows = np.union1d(rows, _top(bm, n)).astype(np.int64)
    # neighbours in the same article (an article's rows are contiguous in a segment)
    art = seg.row_article
    prev = rows - 1
    has_prev = (prev >= 0) & (art[np.maximum(prev, 0)] == art[rows])
    nxt = rows + 1
    has_next = (nxt < seg.count) & (art[np.minimum(nxt, seg.count - 1)] == art[rows])
    vecs = dense.vectors(rows)
    nb_rows = np.concatenate([prev[has_prev], nxt[has_next]])
    nb_vecs = dense.vectors(nb_rows) if len(nb_rows) else np.zeros((0, len(qv)), np.float32)
    nb_sims = ann.similarities(qv, nb_vecs)
    ctx_dense = np.zeros(len(rows), dtype=np.float32)
    ctx_dense[has_prev] += nb_sims[:int(has_prev.sum())]
    ctx_dense[has_next] += nb_sims[int(has_prev.sum()):]
    ctx_dense /= np.maximum(has_prev.astype(np.float32) + has_next, 1.0)
    # each neighbour alone, and the sentence joined with it (cosine of the summed vectors)
    q_s = vecs @ qv
    d_prev = np.zeros(len(rows), dtype=np.float32)
    d_next = np.zeros(len(rows), dtype=np.float32)
    d_prev[has_prev] = nb_sims[:int(has_prev.sum())]
    d_next[has_next] = nb_sims[int(has_prev.sum()):]
    s_prev = np.ones(len(rows), dtype=np.float32)  # |v_s . v_neighbour| (1: no neighbour)
    s_next = np.ones(len(rows), dtype=np.float32)
    if len(nb_rows):
        n_prev = int(has_prev.sum())
        s_prev[has_prev] = np.einsum("ij,ij->i", vecs[has_prev], nb_vecs[:n_prev])
        s_next[has_next] = np.einsum("ij,ij->i", vecs[has_next], nb_vecs[n_prev:])
    with_prev = np.where(has_prev, (q_s + d_prev) / np.sqrt(np.maximum(2 + 2 * s_prev, 1e-6)),
                         q_s)
    with_next = np.where(has_next, (q_s + d_next) / np.sqrt(np.maximum(2 + 2 * s_next, 1e-6)),
                         q_s)
    ctx_bm = rank.CONTEXT_SHARE * (np.where(has_prev, bm[np.maximum(prev, 0)], 0.0)
                                   + np.where(has_next, bm[np.minimum(nxt, seg.count - 1)],
                                              0.0))
    recs = [seg.row(int(r)) for r in rows]  # read once: text for the features, offsets
    texts = [r["text"] for r in recs]        # for listing the row as a copy
    atype = np.array([rank.answer_type(q, t) for t in texts], dtype=np.float32)
    feats = {"dense": q_s, "bm25": bm[rows].astype(np.float32),
             "bm25_context": ctx_bm.astype(np.float32), "dense_context": ctx_dense,
             "answer_type": atype}
    # a sentence rewritten with the name its pronoun subject stands for (qa.decontext):
    # how much closer the rewrite is to the question than the sentence
    gain = np.zeros(len(rows), dtype=np.float32)
    has_ctx, ctx_vecs = seg.context(rows)
    if has_ctx.any():
        gain[has_ctx] = ann.similarities(qv, ctx_vecs) - q_s[has_ctx]
    neighbours = {"dense_prev": d_prev, "dense_next": d_next,
                  "dense_with_prev": with_prev.astype(np.float32),
                  "dense_with_next": with_next.astype(np.float32), "decontext_gain": gain}
    return _Candidates(info, seg, rows, vecs, feats, bm[rows], texts,
                       [(r["start"], r["end"]) for r in recs],
                       [int(r.get("position", 0)) for r in recs], neighbours)


def _source_ref(idx: Index, seg: SegmentReader, row: int,
                span: tuple[int, int] | None = None) -> SourceRef:
    """Where the sentence at ``row`` of ``seg`` sits: its article (metadata from the
    manifest) and offsets (``span`` when known, else read from the row) -- without
    building the whole passage."""
    aid = str(seg.art_ids[seg.row_article[row]])
    title, outlet, published, url = idx.manifest.articles.citation(aid) or ("", None, None,
                                                                           None)
    if span is None:
        r = seg.row(row)
        span = (r["start"], r["end"])
    return SourceRef(article_id=aid, title=title, outlet=outlet, published=published,
                     url=url, start=span[0], end=span[1])


def _copies(idx: Index, p: Passage, masks: dict[str, np.ndarray],
            listed: set[str] | None = None) -> list[SourceRef]:
    """Other live sentences, passing the filters (``masks`` per segment), with exactly
    ``p``'s normalised text, from articles other than ``p``'s and those ``listed``."""
    h = text_hash(p.text)
    out = []
    if not h:
        return out
    listed = listed or set()
    for info, seg, _ in idx.segments:
        rows = seg.rows_with_hash(h)
        if not len(rows) or info.name not in masks:
            continue
        ok = masks[info.name][rows]
        for r in rows[ok]:
            if info.base + int(r) == p.id:
                continue
            aid = str(seg.art_ids[seg.row_article[r]])
            if aid == p.article_id or aid in listed:
                continue  # nothing to add: skip reading the row
            out.append(_source_ref(idx, seg, int(r)))
    return out


@dataclass
class Pool:
    """Every candidate of one question across segments, with its features."""

    cands: list[_Candidates]
    features: dict[str, np.ndarray]  # name -> one value per candidate
    owner: np.ndarray  # candidate -> index into cands
    local: np.ndarray  # candidate -> position within its _Candidates
    vectors: np.ndarray
    idf: dict[str, float] = field(default_factory=dict)  # the question's terms, index-wide

    def __len__(self) -> int:
        return len(self.owner)

    def row(self, i: int) -> tuple[SegmentInfo, SegmentReader, int]:
        c = self.cands[self.owner[i]]
        return c.info, c.seg, int(c.rows[self.local[i]])

    def rerank_candidate(self, i: int, fused: float, rank_: int) -> rerank.Candidate:
        """Candidate ``i`` as :class:`qa.rerank.Candidate`: its text, its neighbours'
        texts (read from the segment), features, fused score and rank."""
        c = self.cands[self.owner[i]]
        j = int(self.local[i])
        row = int(c.rows[j])
        seg = c.seg
        art = seg.row_article[row]

        def text(r: int) -> str:
            return seg.text(r) if 0 <= r < seg.count and seg.row_article[r] == art else ""

        feats = {fn: float(c.features[fn][j]) for fn in rank.FEATURES}
        feats.update({fn: float(v[j]) for fn, v in c.neighbours.items()})
        return rerank.Candidate(text=c.texts[j], prev=text(row - 1), next=text(row + 1),
                                features=feats, fused=fused, rank=rank_,
                                position=c.positions[j], article=str(seg.art_ids[art]))

    def order(self, question: str, fused: np.ndarray,
              reranker: rerank.Reranker | None = None, depth: int = rerank.DEPTH
              ) -> np.ndarray:
        """Candidates best first: the first ``depth`` by ``fused`` reordered by
        ``reranker`` (none: the fused order), then the rest by ``fused``."""
        order = np.argsort(-fused, kind="stable")
        if reranker is None or depth <= 1 or len(order) < 2:
            return order
        head = order[:depth]
        cands = [self.rerank_candidate(int(i), float(fused[i]), r)
                 for r, i in enumerate(head)]
        scores = np.asarray(reranker.rerank(question, cands, self.idf), dtype=np.float64)
        return np.concatenate([head[np.argsort(-scores, kind="stable")], order[depth:]])


def candidates(question: str, idx: Index, f: Filters | None = None,
               n: int = CANDIDATES, masks: dict[str, np.ndarray] | None = None
               ) -> Pool | None:
    """The candidate pool of ``question``: up to ``n`` dense and ``n`` BM25 hits per
    segment, with the features of :mod:`qa.rank` (BM25 normalised by the pool's best).
    ``None`` when no row passes the filters. Callers hold ``idx.lock``."""
    f = f or Filters()
    if masks is None:
        masks = {info.name: f.mask(seg, live) for info, seg, live in idx.segments}
    qv = query_vector(idx.encoder, question)
    terms = lexical.tokenize(question)
    # BM25 with index-wide term statistics (live rows of every segment, filters aside),
    # so a sentence scores the same in a fresh one-article segment as after a merge
    segs = [(info, seg, live) for info, seg, live in idx.segments if seg.count]
    stats = lexical.collection_stats([(seg.lexical(), live) for _, seg, live in segs], terms)
    qa = rank.analyse(question)
    cands = [c for info, seg, live in segs
             for c in [_segment_candidates(info, seg, live, masks[info.name], qv, terms,
                                           stats, qa, n)]
             if c is not None]
    if not cands:
        return None
    bmax = max(float(c.bm25_raw.max(initial=0.0)) for c in cands) or 1.0
    for c in cands:
        c.features["bm25"] = c.features["bm25"] / bmax
        c.features["bm25_context"] = c.features["bm25_context"] / bmax
    feats = {fn: np.concatenate([c.features[fn] for c in cands]) for fn in rank.FEATURES}
    owner = np.concatenate([np.full(len(c.rows), i) for i, c in enumerate(cands)])
    local = np.concatenate([np.arange(len(c.rows)) for c in cands])
    idf = {t: float(lexical.idf(stats.df.get(t, 0), stats.docs)) for t in set(terms)}
    return Pool(cands, feats, owner, local, np.vstack([c.vectors for c in cands]), idf)


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
    weights: dict[str, float] | None = None,
    reranker: rerank.Reranker | None | bool = True,
) -> list[Passage]:
    """The ``k`` sentences that best answer ``question``, best first.

    Args:
        question: free text; empty or over-long questions raise ``BadQuestion``.
        k: how many passages (after folding duplicate sentences), default 5.
        index: index folder (default ``$FACTCHECK_INDEX`` or ``./index``) or an open
            :class:`Index`; opened once and reused.
        filters / outlets / date_from / date_to / article_ids: restrict the search.
        weights: fusion weights per feature (default ``qa.rank.WEIGHTS``); e.g.
            ``{"dense": 1}`` for dense only, ``{"bm25": 1}`` for BM25 only.
        reranker: the second stage over the first ``qa.rerank.DEPTH`` fused candidates:
            ``True`` (default) for :func:`qa.rerank.get_reranker` (the shipped feature
            model, or ``$FACTCHECK_RERANKER``), ``False``/``None`` for the fused order
            alone, or any :class:`qa.rerank.Reranker`.

    Returns:
        ``list[Passage]``, each with ``text``, ``score`` (the fused score: cosine plus
        weighted lexical/context/answer-type evidence; higher is better; the reranked
        head gets the head's fused scores in its new order, so scores still fall),
        ``scores`` (the per-feature breakdown, with ``fused`` its own fused score),
        offsets, article metadata, ``attribution`` and ``also_in`` (other articles
        carrying the same sentence).
    """
    q = clean_question(question)
    idx = open_index(index)
    f = filters or Filters(outlets=outlets, date_from=date_from, date_to=date_to,
                           article_ids=article_ids)
    if k <= 0 or len(idx) == 0:
        return []
    names = rank.FEATURES
    with idx.lock:
        masks = {info.name: f.mask(seg, live) for info, seg, live in idx.segments}
        pool = candidates(q, idx, f, per_segment(k, len(idx.segments)), masks)
        if pool is None:
            return []
        cands, feats, owner, local, vecs = (pool.cands, pool.features, pool.owner,
                                             pool.local, pool.vectors)
        fused = rank.fuse(feats, weights)
        rr = rerank.get_reranker() if reranker is True else (reranker or None)
        order = pool.order(q, fused, rr)
        # the scores handed out: the fused scores, falling, in the (reranked) order
        shown = np.empty_like(fused)
        shown[order] = np.sort(fused)[::-1]
        near = _NearText([t for c in cands for t in c.texts])
        chosen: list[tuple[Passage, int]] = []  # (passage, candidate position)
        seen: dict[int, set[str]] = {}
        # per candidate, the chosen passages it may duplicate, with their cosines: those
        # whose vector is close, or whose length is equal (equal normalised texts); every
        # other pair is no near_duplicate, so it is never compared
        close: dict[int, list[tuple[int, float]]] = {}
        for pos in order:
            n = len(chosen)
            maybe = close.get(int(pos), ())
            if not maybe and n >= k:
                continue
            dup = next((chosen[i][0] for i, cos in maybe
                        if near.same(chosen[i][1], int(pos), cos)), None)
            if dup is None and n >= k:
                continue
            c = cands[owner[pos]]
            row = int(c.rows[local[pos]])
            if dup is not None:  # a copy: list its article (once) with the first
                aid = str(c.seg.art_ids[c.seg.row_article[row]])
                if aid != dup.article_id and aid not in seen.get(id(dup), ()):
                    _add_source(dup, _source_ref(idx, c.seg, row, c.spans[local[pos]]),
                                seen)
                continue
            p = idx.passage(c.info.base + row, float(shown[pos]))
            p.scores = {fn: round(float(feats[fn][pos]), 5) for fn in names}
            p.scores["fused"] = round(float(fused[pos]), 5)
            chosen.append((p, int(pos)))
            cos = ann.similarities(vecs[pos], vecs)
            for other in np.flatnonzero((cos >= NEAR_COSINE) | (near.lens == near.lens[pos])):
                close.setdefault(int(other), []).append((n, float(cos[other])))
        for p, _ in chosen:
            for other in _copies(idx, p, masks, seen.get(id(p))):
                _add_source(p, other, seen)
    return [p for p, _ in chosen]
