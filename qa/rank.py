"""Rank fusion: how dense, lexical, context and answer-type evidence combine into one score.

A candidate sentence is described by a handful of features, each on a comparable scale:

* ``dense``: cosine between the question and the sentence (MiniLM);
* ``bm25``: the sentence's BM25 score divided by the best BM25 score among the candidates;
* ``bm25_context``: the same for the neighbouring sentences of the same article (half
  weight each), so "His patents earned him money" is found for "What did Tesla receive?";
* ``dense_context``: mean cosine between the question and those neighbours;
* ``answer_type``: +1 when the question asks for a kind of answer (a quantity, a time, a
  name) and the sentence holds one that the question does not already contain, -1 when it
  holds none, 0 when the question asks for no particular kind.

The fused score is ``sum(WEIGHTS[f] * feature)``. The five weights were fitted once with a
listwise (softmax) loss, cross-validated by article on ``xquad_dev``; ``bench/tune_fusion.py``
reproduces the fit and reports the held-out-fold recall. Dense has weight 1, so the score
reads as "cosine plus evidence".

Example:
    >>> q = analyse("How many fighters remain in the enclave?")
    >>> q.kind
    'quantity'
    >>> answer_type(q, "Bali said 400 to 600 fighters remain."), answer_type(q, "They remain.")
    (1.0, -1.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

FEATURES = ("dense", "bm25", "bm25_context", "dense_context", "answer_type")
# fitted by bench/tune_fusion.py (cross-validated by article on xquad_dev); see module doc
WEIGHTS = {"dense": 1.0, "bm25": 1.323, "bm25_context": 0.373, "dense_context": 0.535,
           "answer_type": 0.281}
CONTEXT_SHARE = 0.5  # weight of each neighbour in the context features

_NUMBER_TEXT = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred hundreds thousand thousands million millions billion billions "
    "dozen dozens half quarter third")
_MONTH_TEXT = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday "
    "friday saturday sunday")
_FUNCTION_TEXT = (
    "a an the and or but of in on at to for by with from as is was are were be been it its "
    "he she they we i you this that these those his her their our who whom whose which what "
    "when where why how")
_NUMBER_WORDS = frozenset(_NUMBER_TEXT.split())
_MONTHS = frozenset(_MONTH_TEXT.split())
_FUNCTION = frozenset(_FUNCTION_TEXT.split())

_QUANTITY = re.compile(
    r"\bhow (many|much|long|far|old|large|big|high|tall|wide|deep|heavy|often|fast)\b|"
    r"\bwhat (percentage|percent|proportion|fraction|number|amount|share)\b", re.I)
_TIME = re.compile(
    r"\bwhen\b|\b(what|which|in what|in which) (year|date|day|month|century|decade|time|"
    r"period|era|season)\b", re.I)
_NAME = re.compile(
    r"\b(who|whom|whose|where)\b|\b(what|which) (\w+ )?(company|organi[sz]ation|group|team|"
    r"name|person|man|woman|country|city|state|town|region|place|university|party|agency|"
    r"newspaper|network|army|force|militia|king|leader|official|minister|president)\b",
    re.I)
_WORD = re.compile(r"\w+")
_QUANTITY_TOKEN = re.compile(
    r"\b\w*\d\w*\b|\b(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b",
    re.I)
_TIME_TOKEN = re.compile(
    r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b|\b(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\b", re.I)
_NAME_TOKEN = re.compile(r"\b[A-Z]\w*")
_CENTURY = re.compile(r"\b\d{1,2}(st|nd|rd|th) century\b", re.I)


@dataclass
class Question:
    """What retrieval needs to know about a question beyond its words."""

    text: str
    kind: str | None  # "quantity", "time", "name" or None
    words: frozenset[str] = field(default_factory=frozenset)  # lower-cased


def analyse(question: str) -> Question:
    """The expected answer kind of ``question`` (or ``None``) and its words.

    >>> analyse("When was the treaty signed?").kind, analyse("Who said it?").kind
    ('time', 'name')
    >>> analyse("Why did they leave?").kind is None
    True
    """
    kind = None
    if _QUANTITY.search(question):
        kind = "quantity"
    elif _TIME.search(question):
        kind = "time"
    elif _NAME.search(question):
        kind = "name"
    return Question(question, kind, frozenset(w.lower() for w in _WORD.findall(question)))


def answer_type(q: Question, text: str) -> float:
    """+1 when ``text`` holds an answer of the kind ``q`` asks for that ``q`` does not
    already contain, -1 when it holds none, 0 when ``q`` asks for no particular kind."""
    if q.kind is None:
        return 0.0
    if q.kind == "quantity":
        ok = any(w.lower() not in q.words for w in _QUANTITY_TOKEN.findall(text))
    elif q.kind == "time":
        ok = (any(w.lower() not in q.words for w in _TIME_TOKEN.findall(text))
              or bool(_CENTURY.search(text)))
    else:  # a name: a capitalised word, not the sentence's first, not in the question
        ok = any(w.lower() not in q.words and w.lower() not in _FUNCTION
                 for w in _NAME_TOKEN.findall(text, 1))
    return 1.0 if ok else -1.0


def fuse(features: dict[str, np.ndarray], weights: dict[str, float] | None = None
         ) -> np.ndarray:
    """The fused score of each candidate: ``sum(weights[f] * features[f])``.

    >>> fuse({"dense": np.array([0.5, 0.4]), "bm25": np.array([0.0, 1.0])},
    ...      {"dense": 1.0, "bm25": 0.5}).round(2).tolist()  # doctest: +ELLIPSIS
    [0.5, 0.8999...]
    """
    w = WEIGHTS if weights is None else weights
    out = None
    for name, value in features.items():
        term = w.get(name, 0.0) * np.asarray(value, dtype=np.float32)
        out = term if out is None else out + term
    return out if out is not None else np.zeros(0, dtype=np.float32)
