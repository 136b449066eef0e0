"""Second-stage reranking: reorder the best fused candidates of :mod:`qa.retrieve`.

Fusion (:mod:`qa.rank`) scores every candidate from a few cheap signals; the reranker
looks again, more closely, at only the first ``DEPTH`` of them (the "cross-encoder" role):

* :class:`FeatureReranker` (the default) describes each candidate by the fusion features
  and its fused score and rank, plus features read from the words of the sentence and its
  neighbours: IDF-weighted coverage of the question's (stemmed) terms, the longest run of
  question terms in the question's order, question bigrams found, how tightly the matched
  terms sit together, the rarest question term missing, the question's names found, and
  whether the sentence holds a candidate of the kind of answer asked for (a figure, a
  date, a name, a place; per kind) that the question does not already contain, and how
  much closer to the question the sentence's decontextualised rewrite is (its pronoun
  subject replaced by the name it stands for, :mod:`qa.decontext`). A linear
  listwise (softmax) model scores them; its weights ship in ``qa/data/rerank.json``
  (recipe: ``python bench/tune_rerank.py``, cross-validated by article on xquad_dev).
  No parse at query time: only tokenising the candidates' texts.
* :class:`CrossEncoderReranker` wraps a local cross-encoder model folder
  (``sentence_transformers.CrossEncoder``; nothing is downloaded), for users who have one:
  ``FACTCHECK_RERANKER=/path/to/model``. ``FACTCHECK_RERANKER=none`` turns reranking off.

Any object with ``rerank(question, candidates) -> scores`` (the :class:`Reranker`
protocol) can be passed to :func:`qa.retrieve.retrieve` as ``reranker=``.

Example:
    >>> c = [Candidate(text="The dam burst.", fused=0.6, rank=0),
    ...      Candidate(text="In 1931 the dam on the river burst.", fused=0.5, rank=1)]
    >>> s = FeatureReranker().rerank("When did the dam on the river burst?", c)
    >>> int(np.argmax(s))
    1
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from qa import lexical
from qa.errors import ModelMissing
from qa.question import kind_of

log = logging.getLogger(__name__)

DATA = Path(__file__).with_name("data")
RERANK_WEIGHTS = DATA / "rerank.json"
DEPTH = 20  # candidates reranked per question (the rest keep their fused order)
ENV = "FACTCHECK_RERANKER"
VERSION = 1

KINDS = ("quantity", "date", "person", "place", "clause")
_KIND_GROUP = {"quantity": "quantity", "date": "date", "person": "person",
               "speaker": "person", "organisation": "person", "place": "place",
               "clause": "clause", "claim": "clause"}

# base features (from fusion, and the neighbours' cosines from retrieval) followed by the
# word features of :func:`features`
NEIGHBOUR = ("dense_prev", "dense_next", "dense_with_prev", "dense_with_next",
             "decontext_gain")
BASE = ("dense", "bm25", "bm25_context", "dense_context", "answer_type", *NEIGHBOUR)
FEATURES = (
    *BASE, "fused", "fused_gap", "rank_log", "rank0",
    "cover", "cover_context", "cover_count", "missing_max", "run", "bigrams", "window",
    "names", "names_missing", "length", "first", "art_gap", "art_share", "art_top",
    "anaphor_start", "anaphor", "number_near",
    *(f"type_{k}" for k in KINDS), *(f"novel_{k}" for k in KINDS),
)

_WORD = re.compile(r"\w+")
_CAP = re.compile(r"\b[A-Z][\w'-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'-]*)*")
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|"
    r"thousands|million|millions|billion|billions|dozen|dozens|half|percent)\b", re.I)
_DATE = re.compile(
    r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b|\b\d{1,2}(?:st|nd|rd|th) century\b|\b(?:January|"
    r"February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_PLACE_CUE = re.compile(r"\b(?:in|at|from|near|to|into|across|of)\s+(?:the\s+)?[A-Z]\w+")
_ANAPHOR_START = frozenset(["he", "she", "it", "they", "this", "these", "those", "his", "her",
                            "its", "their", "such"])
_ANAPHOR = re.compile(r"\b(?:these|this|those|such|the latter|the former)\s+[a-z]+", re.I)
_FUNCTION_TEXT = (
    "a an the and or but of in on at to for by with from as is was are were be been it its "
    "he she they we i you this that these those his her their our who whom whose which what "
    "when where why how if in after before during while since")
_FUNCTION = frozenset(_FUNCTION_TEXT.split(" "))


@dataclass
class Candidate:
    """What the reranker sees of one fused candidate sentence."""

    text: str
    prev: str = ""  # the sentences before and after it in its article ("" at the edges)
    next: str = ""
    features: dict[str, float] = field(default_factory=dict)  # qa.rank features
    fused: float = 0.0  # fused score and rank (0 = best) among the candidates
    rank: int = 0
    position: int = 0  # sentence number in its article
    article: str = ""  # its article's id (candidates of one article support each other)


@runtime_checkable
class Reranker(Protocol):
    """Scores candidates for a question: higher is better, one score per candidate."""

    def rerank(self, question: str, candidates: list[Candidate],
               idf: dict[str, float] | None = None) -> np.ndarray:
        ...


@dataclass(frozen=True)
class _Text:
    """What the features need of one sentence, computed once per text (cached: the same
    sentences come back as candidates and as neighbours)."""

    terms: tuple[str, ...]  # qa.lexical.tokenize
    lower: str
    first: str  # first word, lower case
    anaphor: bool
    # per answer kind, each match's lower-cased words (novelty depends on the question)
    matches: dict[str, tuple[tuple[str, ...], ...]]
    words: tuple[str, ...]  # every word (lower case) and its stem, aligned
    stems: tuple[str, ...]


_KIND_PATTERNS = {"quantity": (_NUMBER, 0), "date": (_DATE, 0), "person": (_CAP, 1),
                  "place": (_PLACE_CUE, 0)}


@lru_cache(maxsize=50_000)
def _text(text: str) -> _Text:
    words = tuple(w.lower() for w in _WORD.findall(text))
    matches = {k: tuple(tuple(w.lower() for w in _WORD.findall(m.group(0)))
                        for m in pat.finditer(text, start))
               for k, (pat, start) in _KIND_PATTERNS.items()}
    return _Text(tuple(lexical.tokenize(text)), text.lower(),
                 text.split(maxsplit=1)[0].lower().strip(",.;:") if text.strip() else "",
                 bool(_ANAPHOR.search(text)), matches, words,
                 tuple(lexical.stems(list(words))))


def _novel(t: _Text, kind: str, qwords: frozenset[str]) -> int:
    """How many of ``t``'s candidates of ``kind`` have a word the question lacks."""
    return sum(any(w not in qwords and w not in _FUNCTION for w in ws)
               for ws in t.matches[kind])


def _run(q: list[str], s: tuple[str, ...]) -> int:
    """Length of the longest run of consecutive question terms found consecutively.

    >>> _run(["a", "b", "c"], ("x", "b", "c", "a"))
    2
    """
    where: dict[str, list[int]] = {}
    for i, t in enumerate(q):
        where.setdefault(t, []).append(i)
    best, prev = 0, {}
    for t in s:
        cur = {i: prev.get(i - 1, 0) + 1 for i in where.get(t, ())}
        if cur:
            best = max(best, max(cur.values()))
        prev = cur
    return best


def _window(qset: set[str], s: list[str]) -> float:
    """Matched distinct question terms over the shortest stretch of ``s`` that holds them
    all (1.0 when they sit side by side, 0 when none is there)."""
    pos = [(i, t) for i, t in enumerate(s) if t in qset]
    need = len({t for _, t in pos})
    if not need:
        return 0.0
    best, have, lo = len(s), {}, 0
    for i, t in pos:
        have[t] = have.get(t, 0) + 1
        while len(have) == need:
            best = min(best, i - pos[lo][0] + 1)
            tl = pos[lo][1]
            have[tl] -= 1
            if not have[tl]:
                del have[tl]
            lo += 1
    return need / max(best, 1)


def _number_near(t: _Text, qset: set[str], qwords: frozenset[str], reach: int = 3) -> float:
    """1.0 when a number the question lacks stands within ``reach`` words before a
    question term ("nine nations" for "How many nations ...")."""
    for i, w in enumerate(t.words):
        if (w not in qwords and _NUMBER.fullmatch(w)
                and any(st in qset for st in t.stems[i + 1:i + 1 + reach])):
            return 1.0
    return 0.0


def features(question: str, candidates: list[Candidate],
             idf: dict[str, float] | None = None) -> np.ndarray:
    """The feature matrix (candidates x :data:`FEATURES`) of ``candidates``.

    ``idf`` maps the question's index terms (:func:`qa.lexical.tokenize`) to their IDF in
    the index; terms left out count 1.

    >>> X = features("When did the dam burst?", [Candidate(text="The dam burst in 1931.")])
    >>> X.shape == (1, len(FEATURES)), float(X[0, FEATURES.index("type_date")])
    (True, 1.0)
    """
    idf = idf or {}
    qt = lexical.tokenize(question)
    qset = set(qt)
    w = {t: max(idf.get(t, 1.0), 1e-3) for t in qset}
    wsum = sum(w.values()) or 1.0
    wmax = max(w.values(), default=1.0)
    qbigrams = set(zip(qt, qt[1:], strict=False))
    qwords = frozenset(x.lower() for x in _WORD.findall(question))
    qnames = {m.group(0).lower() for m in _CAP.finditer(question, 1)
              if m.group(0).lower() not in _FUNCTION}
    group = _KIND_GROUP.get(kind_of(question), "clause")
    best_fused = max((c.fused for c in candidates), default=0.0)
    art_best: dict[str, float] = {}
    art_n: dict[str, int] = {}
    for c in candidates:
        art_best[c.article] = max(art_best.get(c.article, -1e9), c.fused)
        art_n[c.article] = art_n.get(c.article, 0) + 1
    art_order = sorted(art_best, key=lambda a: -art_best[a])
    X = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
    col = {f: i for i, f in enumerate(FEATURES)}
    for r, c in enumerate(candidates):
        tx = _text(c.text)
        st = tx.terms
        sset = set(st)
        cset = sset | set(_text(c.prev).terms) | set(_text(c.next).terms)
        found = qset & sset
        row = X[r]
        for f in BASE:
            row[col[f]] = c.features.get(f, 0.0)
        row[col["fused"]] = c.fused
        row[col["fused_gap"]] = c.fused - best_fused
        row[col["rank_log"]] = math.log1p(c.rank)
        row[col["rank0"]] = float(c.rank == 0)
        row[col["cover"]] = sum(w[t] for t in found) / wsum
        row[col["cover_context"]] = sum(w[t] for t in qset & cset) / wsum
        row[col["cover_count"]] = len(found) / max(len(qset), 1)
        row[col["missing_max"]] = max((w[t] for t in qset - sset), default=0.0) / wmax
        row[col["run"]] = _run(qt, st) / max(len(qt), 1) if found else 0.0
        row[col["bigrams"]] = (len(qbigrams & set(zip(st, st[1:], strict=False)))
                               / max(len(qbigrams), 1))
        row[col["window"]] = _window(qset, st)
        hit = sum(n in tx.lower for n in qnames)
        row[col["names"]] = hit / max(len(qnames), 1)
        row[col["names_missing"]] = float(bool(qnames) and hit < len(qnames))
        row[col["length"]] = math.log1p(len(st))
        row[col["first"]] = float(c.position == 0)
        row[col["anaphor_start"]] = float(tx.first in _ANAPHOR_START)
        row[col["anaphor"]] = float(tx.anaphor)
        if group == "quantity":
            row[col["number_near"]] = _number_near(tx, qset, qwords)
        row[col["art_gap"]] = art_best[c.article] - best_fused
        row[col["art_share"]] = art_n[c.article] / len(candidates)
        row[col["art_top"]] = float(art_order[0] == c.article)
        novel = {k: _novel(tx, k, qwords) for k in _KIND_PATTERNS}
        novel["clause"] = 0
        row[col[f"type_{group}"]] = float(novel[group] > 0) if group != "clause" else 1.0
        for k in KINDS:
            row[col[f"novel_{k}"]] = math.log1p(novel[k])
    return X


class FeatureReranker:
    """A linear listwise model over :func:`features`, weights from ``path`` (default
    ``qa/data/rerank.json``); without weights it keeps the fused order."""

    def __init__(self, path: str | os.PathLike | None = None,
                 weights: dict | None = None):
        w = weights
        if w is None:
            p = Path(path) if path is not None else RERANK_WEIGHTS
            w = json.loads(p.read_text("utf-8")) if p.exists() else None
        if w is None:
            w = {"weights": {"fused": 1.0}}
        self.w = np.array([w["weights"].get(f, 0.0) for f in FEATURES], dtype=np.float32)
        self.mean = np.array([w.get("mean", {}).get(f, 0.0) for f in FEATURES], np.float32)
        self.scale = np.array([w.get("scale", {}).get(f, 1.0) for f in FEATURES],
                              np.float32)

    def rerank(self, question: str, candidates: list[Candidate],
               idf: dict[str, float] | None = None) -> np.ndarray:
        """One score per candidate (higher is better)."""
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        X = features(question, candidates, idf)
        return ((X - self.mean) / self.scale) @ self.w


class CrossEncoderReranker:
    """A local cross-encoder model folder (``sentence_transformers.CrossEncoder``),
    loaded lazily from disk only. Scores (question, sentence) pairs."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.is_dir():
            raise ModelMissing(f"{ENV}={path}: no such model folder; point it at a "
                                    "local cross-encoder, or set it to 'none'")
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import CrossEncoder

                self._model = CrossEncoder(str(self.path), device="cpu",
                                           local_files_only=True)
        return self._model

    def rerank(self, question: str, candidates: list[Candidate],
               idf: dict[str, float] | None = None) -> np.ndarray:
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        scores = self._load().predict([(question, c.text) for c in candidates],
                                      show_progress_bar=False)
        return np.asarray(scores, dtype=np.float32).reshape(len(candidates))


class NoReranker:
    """Keeps the fused order."""

    def rerank(self, question: str, candidates: list[Candidate],
               idf: dict[str, float] | None = None) -> np.ndarray:
        return -np.arange(len(candidates), dtype=np.float32)


_default: Reranker | None = None
_default_key: str | None = None
_default_lock = threading.Lock()


def get_reranker() -> Reranker:
    """The reranker ``$FACTCHECK_RERANKER`` names: a local cross-encoder folder, ``none``
    for no reranking, or unset for :class:`FeatureReranker` (loaded once)."""
    global _default, _default_key
    key = os.environ.get(ENV, "").strip()
    with _default_lock:
        if _default is None or key != _default_key:
            if not key:
                _default = FeatureReranker()
            elif key.lower() in ("none", "off", "0"):
                _default = NoReranker()
            else:
                _default = CrossEncoderReranker(key)
            _default_key = key
        return _default
