"""Readers: pick the short answer span, verbatim, out of retrieved passages.

A :class:`Reader` takes the question (analysed, :class:`~qa.question.QuestionInfo`) and the
retrieved passages and returns :class:`Span` candidates, best first, each an offset range
within one passage's text and a score in [0, 1].

* :class:`FeatureReader` (the default) needs no QA model: it parses the few best passages
  with spaCy, proposes entities, figures (:mod:`qa.quantities`) and noun phrases, describes
  each with a handful of features (answer type matches the question, question words near
  it, candidate repeats the question, retrieval score, tree distance to the question's words
  against the wh-word's in the question, sentence-encoder similarity to the question and to
  the noun asked about, ...) and scores them with a small softmax model whose weights ship in ``qa/data/reader.json`` (recipe: ``python -m
  qa.train reader``; trained on the dev questions with cross-validation).
* :class:`HFReader` wraps a local Hugging Face extractive-QA model folder
  (``AutoModelForQuestionAnswering``), for users who have one: ``FACTCHECK_READER=/path``.

Example:
    >>> from qa.models import Passage
    >>> from qa.question import analyse                              # doctest: +SKIP
    >>> p = Passage(article_id="a", text="Bali said 400 to 600 jihadists remain.",
    ...             start=0, end=38, position=0, score=0.6)
    >>> spans = FeatureReader().read(analyse("How many fighters remain?"), [p])
    ...                                                               # doctest: +SKIP
    >>> spans[0].text                                                 # doctest: +SKIP
    '400 to 600'
"""

from __future__ import annotations

import bisect
import json
import math
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from qa.models import Passage
from qa.quantities import find_quantities
from qa.question import STOP, QuestionInfo, stem
from qa.trees import TreeScorer

DATA = Path(__file__).with_name("data")
READER_WEIGHTS = DATA / "reader.json"

# which spaCy entity labels answer which question kind
KIND_LABELS = {
    "quantity": {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"},
    "person": {"PERSON", "ORG", "NORP"},
    "speaker": {"PERSON", "ORG", "NORP"},
    "organisation": {"ORG", "NORP", "PERSON", "GPE"},
    "date": {"DATE", "TIME"},
    "place": {"GPE", "LOC", "FAC"},
}
LABEL_GROUP = {"PERSON": 0, "ORG": 1, "NORP": 1, "GPE": 2, "LOC": 2, "FAC": 2, "DATE": 3,
               "TIME": 3, "CARDINAL": 4, "QUANTITY": 4, "MONEY": 4, "PERCENT": 4,
               "ORDINAL": 5, "EVENT": 6, "WORK_OF_ART": 6, "LAW": 6, "PRODUCT": 6,
               "LANGUAGE": 6}
KINDS = ("quantity", "person", "organisation", "date", "place", "clause", "speaker")
# kinds whose answer must be of the asked type: only such candidates are answers (and the
# confidence is that of the best figure / date, not of some other phrase)
TYPED = ("quantity", "date")


@dataclass
class Span:
    """A candidate answer: ``[start, end)`` within ``passages[passage].text``."""

    passage: int
    start: int
    end: int
    text: str
    score: float = 0.0
    label: str | None = None  # entity label or "QTY"/"NP"
    features: dict = field(default_factory=dict)


@runtime_checkable
class Reader(Protocol):
    """Anything that proposes answer spans for a question over passages, best first."""

    def read(self, question: QuestionInfo, passages: list[Passage]) -> list[Span]:
        ...


# --- parsing (cached) --------------------------------------------------------------------------

class _LRU:
    """A thread-safe LRU cache keyed by text, filled in batches: :meth:`many` computes only
    the missing keys, with one call of ``compute(missing) -> values``.

    >>> c = _LRU(size=2)
    >>> c.many(["a", "b"], lambda ks: [k.upper() for k in ks]), c.cached("a")
    (['A', 'B'], 'A')
    """

    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, key: str):
        """The value of ``key`` when it is in the cache, else None."""
        with self._lock:
            return self._d.get(key)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()

    def many(self, keys: list[str], compute) -> list:
        with self._lock:
            missing = [k for k in dict.fromkeys(keys) if k not in self._d]
        if missing:
            values = list(compute(missing))
            with self._lock:
                for k, v in zip(missing, values, strict=True):
                    self._d[k] = v
                while len(self._d) > self.size:
                    self._d.popitem(last=False)
        with self._lock:
            out = []
            for k in keys:
                self._d.move_to_end(k)
                out.append(self._d[k])
            return out


class _DocCache(_LRU):
    """spaCy docs keyed by text, shared by readers in one process."""

    def __init__(self, size: int = 4096):
        super().__init__(size)

    def docs(self, texts: list[str]) -> list:
        from qa.nlp import get_nlp

        return self.many(texts, lambda missing: get_nlp().pipe(missing, batch_size=16))


DOCS = _DocCache()


# --- candidates and features -------------------------------------------------------------------

def candidates(doc, kind: str) -> list[tuple[int, int, str]]:
    """Candidate answer spans ``(start_char, end_char, label)`` in one parsed sentence."""
    out: dict[tuple[int, int], str] = {}
    text = doc.text
    for q in find_quantities(text, years=kind == "date"):
        out[(q.start, q.end)] = "QTY"
    for e in doc.ents:
        key = (e.start_char, e.end_char)
        # a figure's hedge is kept whole; the entity may cut it
        if e.label_ in ("CARDINAL",) and any(s <= key[0] and key[1] <= t for s, t in out):
            continue
        out[key] = e.label_
    for nc in doc.noun_chunks:
        toks = [t for t in nc if t.pos_ != "DET" or t.i != nc.start]
        if not toks:
            continue
        s, e = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        out.setdefault((s, e), "NP")
    if kind in ("clause", "place", "organisation", "person"):
        for t in doc:
            if t.pos_ in ("NOUN", "PROPN") and t.dep_ in ("pobj", "dobj", "attr", "nsubj",
                                                          "nsubjpass", "appos", "conj"):
                sub = list(t.subtree)
                if 2 <= len(sub) <= 10:
                    first = sub[0] if sub[0].pos_ != "DET" else (sub[1] if len(sub) > 1
                                                                 else sub[0])
                    s, e = first.idx, sub[-1].idx + len(sub[-1].text)
                    if text[s:e].strip() and text[e - 1] not in ",;(":
                        out.setdefault((s, e), "SUB")
    for (s, e), lab in phrase_candidates(doc).items():
        out.setdefault((s, e), lab)
    clean = {}
    for (s, e), lab in out.items():
        s, e = tidy(text, s, e)
        if e > s:
            clean.setdefault((s, e), lab)
    return [(s, e, lab) for (s, e), lab in clean.items()]


_MOD_DEPS = ("amod", "compound", "nmod", "nummod", "poss", "npadvmod", "quantmod")
# a verb's right-hand dependents that belong to its phrase ("married outside their ...")
_VP_DEPS = ("dobj", "prep", "advmod", "acomp", "xcomp", "attr", "oprd", "dative", "prt",
            "npadvmod", "agent", "ccomp")
_CLAUSE_DEPS = ("advcl", "ccomp", "xcomp", "csubj", "csubjpass", "pcomp")


# the phrase kinds the reader proposes: prepositional and verb phrases and stripped noun
# chunks raise the best candidate's F1 too, but as many distractors cost held-out F1
PHRASES = ("CL", "COORD", "NUMN", "ADJ")


def phrase_candidates(doc, max_len: int = 16, kinds=PHRASES) -> dict[tuple[int, int], str]:
    """Phrase-level candidates beside entities and noun chunks, from the parse alone (only
    the ``kinds`` asked for; the reader asks for :data:`PHRASES`):

    * ``PP``: a prepositional phrase ("for Lutheran views", "between P and PSPACE");
    * ``VP``: a verb with its negation/auxiliaries and right-hand complements, whole and up
      to its first complement ("married outside their immediate French communities");
    * ``CL``: a subordinate clause, with and without its opening conjunction ("because his
      work was published first" / "his work was published first", "to coordinate ...");
    * ``COORD``: coordinated noun phrases ("Robert Lane and Benjamin Vail");
    * ``NUMN``: a number with the noun it counts ("515 million years", "ten years");
    * ``ADJ``: a predicative adjective ("are not monophyletic");
    * ``CORE``: a noun chunk without a leading possessive or adjectives ("their adjacency
      matrices" -> "adjacency matrices", "traditional visor helmet" -> "visor helmet").

    >>> from qa.nlp import get_nlp                                     # doctest: +SKIP
    >>> d = get_nlp()("They often married outside their French communities.")  # doctest: +SKIP
    >>> sorted(d.text[s:e] for (s, e), lab in phrase_candidates(d).items()
    ...        if lab == "VP")                                         # doctest: +SKIP
    ['married outside their French communities']
    """
    out: dict[tuple[int, int], str] = {}
    toks = list(doc)

    def add(a: int, b: int, lab: str) -> None:  # tokens a..b inclusive
        if lab in kinds and 0 <= a <= b < len(toks) and b - a < max_len:
            out.setdefault((toks[a].idx, toks[b].idx + len(toks[b].text)), lab)

    chunk_of: dict[int, tuple[int, int]] = {}
    for nc in doc.noun_chunks:
        for t in nc:
            chunk_of[t.i] = (nc.start, nc.end - 1)
        if "CORE" not in kinds:
            continue
        a, b = nc.start, nc.end - 1
        while a < b and (toks[a].pos_ == "DET" or toks[a].tag_ == "PRP$"
                         or toks[a].dep_ == "poss"):
            a += 1
        if (a, b) != (nc.start, nc.end - 1) and toks[a - 1].tag_ == "PRP$":
            add(a, b, "CORE")
        c = b
        while c > a and toks[c - 1].dep_ == "compound":
            c -= 1
        if c > a:
            add(c, b, "CORE")
    for t in toks:
        dep, pos = t.dep_, t.pos_
        if "PP" in kinds and dep == "prep" and any(c.dep_ in ("pobj", "pcomp") for c in t.children):
            add(t.i, t.right_edge.i, "PP")
        if "VP" in kinds and pos in ("VERB", "AUX") and dep not in ("amod", "compound", "aux",
                                                                    "auxpass"):
            left = [c for c in t.lefts if c.dep_ in ("aux", "auxpass", "neg")
                    and c.i >= t.i - 3]
            a = left[0].i if left else t.i
            right = [c for c in t.rights if c.dep_ in _VP_DEPS]
            if right:
                add(a, right[0].right_edge.i, "VP")
                add(a, right[-1].right_edge.i, "VP")
        if dep in _CLAUSE_DEPS and pos in ("VERB", "AUX"):
            a, b = t.left_edge.i, t.right_edge.i
            add(a, b, "CL")
            if toks[a].dep_ == "mark" and a < b:
                add(a + 1, b, "CL")
        if pos in ("NOUN", "PROPN") and t.i in chunk_of:
            conj = [c for c in t.rights if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN")
                    and c.i in chunk_of]
            if conj:
                a = chunk_of[t.i][0]
                last = conj[-1]
                while True:
                    more = [c for c in last.rights if c.dep_ == "conj" and c.i in chunk_of]
                    if not more:
                        break
                    last = more[-1]
                add(a, chunk_of[last.i][1], "COORD")
        if dep == "nummod" and t.head.i > t.i:
            add(t.i, t.head.i, "NUMN")
            add(t.left_edge.i, t.head.i, "NUMN")
        if pos == "ADJ" and dep in ("acomp", "attr", "oprd", "conj", "ccomp", "xcomp"):
            add(t.i, t.i, "ADJ")
    return out


def question_candidates(info: QuestionInfo, dv: DocView, base: list[tuple[int, int, str]]
                        ) -> list[tuple[int, int, str]]:
    """Candidates that depend on the question's words, added to :func:`candidates`:

    * ``MOD``: the modifiers in front of a noun the question names ("what type of surveys"
      -> "geophysical" in "geophysical surveys");
    * ``TRIM``: a candidate with the question's own words cut from its edges ("early part
      of Luther's career" -> "early" for "What part of Luther's career ...?").
    """
    keys = set(info.terms)
    for w in (info.focus, info.focus_of):
        if w:
            keys.add(stem(w))
    text = dv.text
    out: dict[tuple[int, int], str] = {}
    n = len(dv.head)
    for t in range(n):
        if dv.stems[t] not in keys or dv.pos[t] not in ("NOUN", "PROPN"):
            continue
        mods = [c for c in range(dv.left[t], t) if dv.head[c] == t and dv.dep[c] in _MOD_DEPS]
        if not mods:
            continue
        a = dv.left[mods[0]]
        if dv.pos[a] == "DET":
            a += 1
        if a < t and not any(dv.stems[i] in keys for i in range(a, t)):
            s, e = tidy(text, dv.starts[a], dv.ends[t - 1])
            if e > s:
                out[(s, e)] = "MOD"
    for s0, e0, lab in base:
        ts, te = dv.tok_range(s0, e0)
        a, b, cut = ts, te, False
        while a < b and (dv.stems[a] in keys or not dv.content[a]):
            cut |= dv.stems[a] in keys
            a += 1
        while b > a and (dv.stems[b - 1] in keys or not dv.content[b - 1]):
            cut |= dv.stems[b - 1] in keys
            b -= 1
        if cut and a < b and (a, b) != (ts, te):
            s, e = tidy(text, dv.starts[a], dv.ends[b - 1])
            if e > s and (s, e) not in out:
                out[(s, e)] = "TRIM:" + lab
    have = {(s, e) for s, e, _ in base}
    return [(s, e, lab) for (s, e), lab in out.items() if (s, e) not in have]


_OPEN, _CLOSE = "([{", ")]}"


def tidy(text: str, s: int, e: int) -> tuple[int, int]:
    """``[s, e)`` without edge punctuation, a trailing possessive, or a bracket or quotation
    mark left open by the cut ("Theatre (1922-26" -> "Theatre", 'archetypal "mad scientist'
    -> "mad scientist").

    >>> t = 'The Wojciech Theatre (1922–26), was an archetypal "mad scientist".'
    >>> [t[slice(*tidy(t, a, b))] for a, b in ((4, 29), (42, 64), (4, 20))]
    ['Wojciech Theatre', 'mad scientist', 'Wojciech Theatre']
    """
    for _ in range(3):
        s0, e0 = s, e
        while s < e and text[s] in " ,;:\"'“”‘’-":
            s += 1
        while e > s and text[e - 1] in " ,;:\"'“”‘’.-":
            e -= 1
        if text[max(s, e - 2):e] in ("'s", "’s") and e - s > 2:
            e -= 2
        span = text[s:e]
        for o, c in zip(_OPEN, _CLOSE, strict=True):
            if span.count(o) > span.count(c):  # "Theatre (1922–26": cut before the open one
                e = s + span.rindex(o)
            elif span.count(c) > span.count(o):  # "6 in) narrow gauge": cut after the close
                s = s + span.index(c) + 1
            span = text[s:e]
        for qm in ('"', "“", "”"):
            n = span.count('"') if qm == '"' else span.count("“") + span.count("”")
            if n % 2 == 1:
                i = max(span.rfind(qm), 0)
                # keep the longer side of the stray quotation mark
                s, e = (s + i + 1, e) if len(span) - i > i else (s, s + i)
                span = text[s:e]
        if (s, e) == (s0, e0):
            break
    return s, e


FEATURES = (
    "bias", "type_match", "type_other_entity", "is_qty", "is_np", "is_sub", "q_overlap",
    "window", "near", "sent_cover", "dense", "rank0", "focus_in", "focus_next",
    "len", "len_long", "head_in_q", "subj", "obj", "pobj", "pronoun", "names_cover",
    "kind_quantity", "kind_date", "kind_person", "kind_place", "kind_clause",
    "qty_has_hedge", "ent_any", "names_sent", "best_cover", "cover_gap",
    "dense_gap_next", "attached_qhead", "same_role", "prep_match", "in_paren", "tense_match",
    "tree_near", "tree_d1", "tree_d2", "focus_head", "focus_of_in", "trimmed", "starts_adp",
    "ends_function", "has_verb", "has_comma", "propn_share", "root_noun", "root_propn",
    "root_num", "root_adj", "root_verb", "bm25", "after_q",
    "link_appos", "link_relcl", "sib_share", "arg_of_q", "role_match", "role_sib",
    "path_agree", "path_exact", "path_far", "top_window", "top_tree", "top_path",
    "sim_q", "sim_q_gap", "sim_focus", "sim_focus_gap",
)
_TYPE_MATCH = FEATURES.index("type_match")
_LABS = ("person", "org", "place", "date", "num", "np", "sub", "mod", "pp", "vp", "cl",
         "coord", "numn", "adj", "core", "other")
_KGROUPS = ("quantity", "person", "date", "place", "clause")
# the question's wh-word: the kinds lump "why", "how" and "what" questions together as
# clauses, and the trees can pair the word with the candidate's label and parse cues
_WH_WORDS = ("what", "which", "who", "when", "where", "why", "how")
FEATURES = FEATURES + tuple(f"lab_{a}" for a in _LABS) + tuple(
    f"x_{k}_{a}" for k in _KGROUPS for a in _LABS) + tuple(f"wh_{w}" for w in _WH_WORDS)


def _lab(label: str) -> str:
    return {"PERSON": "person", "ORG": "org", "NORP": "org", "GPE": "place", "LOC": "place",
            "FAC": "place", "DATE": "date", "TIME": "date", "CARDINAL": "num", "QTY": "num",
            "QUANTITY": "num", "MONEY": "num", "PERCENT": "num", "NP": "np",
            "SUB": "sub", "MOD": "mod", "PP": "pp", "VP": "vp", "CL": "cl",
            "COORD": "coord", "NUMN": "numn", "ADJ": "adj", "CORE": "core"}.get(label.removeprefix("TRIM:"), "other")


def _kgroup(kind: str) -> str:
    return {"organisation": "person", "speaker": "person", "claim": "clause"}.get(kind, kind)


class DocView:
    """Plain lists of what the features read from a parsed sentence (spaCy token objects
    are made afresh on every access, so reading them once keeps scoring cheap)."""

    def __init__(self, doc):
        self.doc = doc
        self.text = doc.text
        self.starts = [t.idx for t in doc]
        self.ends = [t.idx + len(t.text) for t in doc]
        self.lower = [t.lower_ for t in doc]
        self.stems = [stem(t.text) for t in doc]
        self.content = [not t.is_punct and t.lower_ not in STOP for t in doc]
        self.pos = [t.pos_ for t in doc]
        self.dep = [t.dep_ for t in doc]
        self.tag = [t.tag_ for t in doc]
        self.head = [t.head.i for t in doc]
        self.aux_tags = [{c.tag_ for c in t.children if c.dep_ in ("aux", "auxpass")}
                         for t in doc]
        self.left = [t.left_edge.i for t in doc]
        self.right = [t.right_edge.i for t in doc]
        self.cands: dict[str, list[tuple[int, int, str]]] = {}
        self._dist: list[list[int]] | None = None
        self._children: list[list[int]] | None = None

    def children(self, i: int) -> list[int]:
        if self._children is None:
            self._children = [[] for _ in self.head]
            for j, h in enumerate(self.head):
                if h != j:
                    self._children[h].append(j)
        return self._children[i]

    def dist(self) -> list[list[int]]:
        """Distances between tokens in the dependency tree (edges, all pairs; computed
        once per sentence)."""
        if self._dist is None:
            n = len(self.head)
            adj: list[list[int]] = [[] for _ in range(n)]
            for i, h in enumerate(self.head):
                if h != i:
                    adj[i].append(h)
                    adj[h].append(i)
            far = n + 1
            out = []
            for src in range(n):
                d = [far] * n
                d[src] = 0
                frontier = [src]
                while frontier:
                    nxt = []
                    for u in frontier:
                        for v in adj[u]:
                            if d[v] == far:
                                d[v] = d[u] + 1
                                nxt.append(v)
                    frontier = nxt
                out.append(d)
            self._dist = out
        return self._dist

    def tok_range(self, s: int, e: int) -> tuple[int, int]:
        ts = max(0, bisect.bisect_right(self.starts, s) - 1)
        if ts < len(self.ends) and self.ends[ts] <= s:
            ts += 1
        te = bisect.bisect_left(self.starts, e)
        return ts, max(te, ts)

    def root(self, ts: int, te: int) -> int | None:
        for i in range(ts, te):
            h = self.head[i]
            if h == i or not ts <= h < te:
                return i
        return None


_VIEWS: OrderedDict[str, DocView] = OrderedDict()
_VIEWS_LOCK = threading.Lock()


def _view(text: str, doc) -> DocView:
    with _VIEWS_LOCK:
        dv = _VIEWS.get(text)
        if dv is not None and dv.doc is doc:
            _VIEWS.move_to_end(text)
            return dv
    dv = DocView(doc)
    with _VIEWS_LOCK:
        _VIEWS[text] = dv
        while len(_VIEWS) > DOCS.size:
            _VIEWS.popitem(last=False)
    return dv


def _features(info: QuestionInfo, dv: DocView, s: int, e: int, label: str, dense: float,
              rank: int, sent_cover: float, names_cover: float, q_pos: list[int],
              extra: dict) -> np.ndarray:
    trimmed = label.startswith("TRIM:")
    label = label.removeprefix("TRIM:")
    ts, te = dv.tok_range(s, e)
    cand_stems = [dv.stems[i] for i in range(ts, te) if dv.content[i]]
    q_overlap = (sum(1 for x in cand_stems if x in info.terms) / len(cand_stems)
                 if cand_stems else 1.0)
    outside = [i for i in q_pos if i < ts or i >= te]
    dist = min(min(abs(i - ts), abs(i - (te - 1))) for i in outside) if outside else 30
    win = {dv.stems[i] for i in outside if abs(i - ts) <= 8 or abs(i - te) <= 8}
    window = len(win) / max(len(info.terms), 1)
    focus = stem(info.focus) if info.focus else None
    focus_in = float(bool(focus and focus in cand_stems))
    focus_next = float(bool(focus and focus in dv.stems[te:te + 3]))
    head = dv.root(ts, te)
    hh = dv.head[head] if head is not None else None
    head_in_q = float(head is not None and dv.stems[hh] in info.terms
                      and not ts <= hh < te)
    dep = dv.dep[head] if head is not None else ""
    kind = info.kind if info.kind != "speaker" else "person"
    want = KIND_LABELS.get(kind, set())
    is_ent = label in LABEL_GROUP
    type_match = float(label in want or (label == "QTY" and kind == "quantity"))
    n = te - ts
    attached = same_role = prep_match = 0.0
    if head is not None:
        h = hh
        if dv.dep[h] == "prep" and dep == "pobj":
            if info.wh_prep and dv.lower[h] == info.wh_prep:
                prep_match = 1.0
            h = dv.head[h]
        if info.wh_head and dv.stems[h] == info.wh_head and not ts <= h < te:
            attached = 1.0
            role = {"nsubjpass": "nsubj", "attr": "dobj"}.get
            same_role = float(role(dep, dep) == role(info.wh_dep or "", info.wh_dep or ""))
    tense_match = 0.5
    if head is not None:
        v = head
        while dv.pos[v] not in ("VERB", "AUX") and dv.head[v] != v:
            v = dv.head[v]
        if dv.pos[v] in ("VERB", "AUX"):
            tags = {dv.tag[v]} | dv.aux_tags[v]
            past = "VBD" in tags or ("VBN" in tags and "VBZ" not in tags and "VBP" not in tags)
            tense_match = float(past == info.past)
    in_paren = float(s > 0 and dv.text[max(0, s - 2):s].strip() in ("(", "-LRB-"))
    tree = 30
    if head is not None and outside:
        row = dv.dist()[head]
        tree = min(row[i] for i in outside)
    nearest = min(outside, key=lambda i: min(abs(i - ts), abs(i - (te - 1))), default=None)
    rpos = dv.pos[head] if head is not None else ""
    link_appos = link_relcl = sib_share = arg_of_q = role_match = 0.0
    if head is not None and outside:
        qset = set(outside)

        def q_in(a: int, b: int) -> int:
            return sum(1 for i in outside if a <= i <= b and not ts <= i < te)

        for c in dv.children(head):
            if ts <= c < te or dv.dep[c] not in ("appos", "relcl", "acl"):
                continue
            if q_in(dv.left[c], dv.right[c]):
                if dv.dep[c] == "appos":
                    link_appos = 1.0
                else:
                    link_relcl = 1.0
        h = hh
        if dep == "appos" and h in qset:
            link_appos = 1.0
        if h != head:
            if h in qset or (dv.dep[h] == "prep" and dv.head[h] in qset):
                arg_of_q = 1.0
            sib = sum(q_in(dv.left[c], dv.right[c]) for c in dv.children(h)
                      if c != head and not ts <= c < te)
            sib_share = sib / len(outside)
        role = {"nsubjpass": "nsubj", "attr": "dobj", "oprd": "dobj", "csubj": "nsubj"}.get
        role_match = float(bool(info.wh_dep) and role(dep, dep) == role(info.wh_dep,
                                                                         info.wh_dep))
    path_agree = path_exact = path_far = 0.0
    if head is not None and info.wh_dist:
        row = dv.dist()[head]
        for st, dq in info.wh_dist.items():
            dp = min((row[i] for i in outside if dv.stems[i] == st), default=None)
            if dp is None:
                continue
            path_agree += 1.0 / (1.0 + abs(dp - dq))
            path_exact += float(dp == dq)
            path_far += float(dp > dq + 1)
        k = len(info.wh_dist)
        path_agree, path_exact, path_far = path_agree / k, path_exact / k, path_far / k
    toks = range(ts, te)
    f = {
        "bias": 1.0, "type_match": type_match,
        "type_other_entity": float(is_ent and not type_match),
        "is_qty": float(label == "QTY"), "is_np": float(label == "NP"),
        "is_sub": float(label == "SUB"), "q_overlap": q_overlap, "window": window,
        "near": 1.0 / (1.0 + dist), "sent_cover": sent_cover, "dense": dense,
        "rank0": float(rank == 0), "focus_in": focus_in, "focus_next": focus_next,
        "len": math.log1p(n), "len_long": float(n > 6), "head_in_q": head_in_q,
        "subj": float(dep.startswith("nsubj")), "obj": float(dep in ("dobj", "attr")),
        "pobj": float(dep == "pobj"),
        "pronoun": float(n == 1 and dv.pos[ts] == "PRON"),
        "names_cover": names_cover,
        "kind_quantity": float(kind == "quantity"), "kind_date": float(kind == "date"),
        "kind_person": float(kind in ("person", "organisation")),
        "kind_place": float(kind == "place"), "kind_clause": float(kind == "clause"),
        "qty_has_hedge": float(label == "QTY" and any(dv.pos[i] in ("ADV", "ADP", "ADJ")
                                                       for i in range(ts, te))),
        "ent_any": float(is_ent), "attached_qhead": attached, "same_role": same_role,
        "prep_match": prep_match, "in_paren": in_paren, "tense_match": tense_match,
        "tree_near": 1.0 / (1.0 + tree), "tree_d1": float(tree == 1),
        "tree_d2": float(tree == 2),
        "focus_head": float(head is not None and bool(
            {dv.stems[head]} & {stem(w) for w in (info.focus, info.focus_of) if w})),
        "focus_of_in": float(bool(info.focus_of and stem(info.focus_of) in cand_stems)),
        "trimmed": float(trimmed), "starts_adp": float(n > 0 and dv.pos[ts] in ("ADP", "CCONJ",
                                                                                  "SCONJ")),
        "ends_function": float(n > 0 and dv.pos[te - 1] in ("ADP", "CCONJ", "DET", "AUX",
                                                            "PART")),
        "has_verb": float(any(dv.pos[i] == "VERB" for i in toks)),
        "has_comma": float("," in dv.text[s:e]),
        "propn_share": sum(dv.pos[i] == "PROPN" for i in toks) / max(n, 1),
        "root_noun": float(rpos == "NOUN"), "root_propn": float(rpos == "PROPN"),
        "root_num": float(rpos == "NUM"), "root_adj": float(rpos == "ADJ"),
        "root_verb": float(rpos in ("VERB", "AUX")),
        "after_q": 0.0 if nearest is None else (1.0 if ts > nearest else -1.0),
        "link_appos": link_appos, "link_relcl": link_relcl, "sib_share": sib_share,
        "arg_of_q": arg_of_q, "role_match": role_match,
        "role_sib": role_match * float(sib_share > 0 or arg_of_q > 0),
        "path_agree": path_agree, "path_exact": path_exact, "path_far": path_far,
        **extra,
    }
    lab, kg = _lab(label), _kgroup(info.kind)
    if info.wh in _WH_WORDS:
        f[f"wh_{info.wh}"] = 1.0
    f[f"lab_{lab}"] = 1.0
    f[f"x_{kg}_{lab}"] = 1.0
    return np.array([f.get(k, 0.0) for k in FEATURES], dtype=np.float32)


@lru_cache(maxsize=512)
def _name_words(text: str) -> frozenset[str]:
    """Words of ``text`` (possessives split off) and their stems, for finding names."""
    ws = re.findall(r"\w+(?:[-.]\w+)*", text.lower())
    return frozenset(ws) | frozenset(stem(w) for w in ws)


def names_coverage(info: QuestionInfo, text: str, strict: bool = False) -> float:
    """Share of the question's names (proper nouns, entities) found in ``text``.

    >>> from qa.question import QuestionInfo
    >>> names_coverage(QuestionInfo("q", "place", names=["Australia"]), "Sydney is big")
    0.0
    """
    if not info.names:
        return 1.0
    words = _name_words(text)
    hit = 0
    for n in info.names:
        toks = re.findall(r"\w+(?:[-.]\w+)*", n.lower())
        parts = [w for w in toks if w not in STOP and w not in ("s",)] or toks
        found = [p in words or stem(p) in words for p in parts]
        if parts and (all(found) if strict else any(found)):
            hit += 1
    return hit / len(info.names)


def sentence_cover(info: QuestionInfo, doc) -> float:
    if not info.terms:
        return 0.0
    stems = {stem(t.text) for t in doc}
    return len(info.terms & stems) / len(info.terms)


# --- the default reader ------------------------------------------------------------------------

def fusion_view(passages: list[Passage]) -> tuple[list[Passage], list[int]]:
    """The passages as the feature reader was fitted to see them: in the order of their
    fusion score, each scored by it (``scores["fused"]``), and where each came from.

    Retrieval's second stage (:mod:`qa.rerank`) reorders the first candidates and hands out
    falling scores in its order; the reader's rank and score-gap features describe the
    sentence's own first-stage evidence, so it reads that. Span ``passage`` numbers refer to
    the view; ``order[i]`` is view passage ``i``'s position in ``passages``.

    >>> def p(text, score, fused):
    ...     return Passage(article_id=text, sentence_id=0, text=text, start=0, end=2,
    ...                    position=0, score=score, scores={"fused": fused})
    >>> view, order = fusion_view([p("A.", 0.9, 0.2), p("B.", 0.8, 0.5)])
    >>> [p.text for p in view], [p.score for p in view], order
    (['B.', 'A.'], [0.5, 0.2], [1, 0])
    """
    fused = [p.scores.get("fused", p.score) for p in passages]
    order = sorted(range(len(passages)), key=lambda i: -fused[i])
    return [passages[i].model_copy(update={"score": fused[i]}) for i in order], order


class FeatureReader:
    """Scores candidate spans with a logistic model over parse/entity/overlap features.

    Args:
        weights: path to a ``reader.json`` (default: the shipped one) or a dict.
        passages: how many of the best passages to parse (default 5; parsing costs
            ~10 ms a sentence, so this bounds the latency; 5 reads as well as 6 on the
            held-out folds of xquad_dev).
        context: optional ``article_id -> text`` function, used to check that names in the
            question occur in a passage's article.
        encoder: the sentence encoder for the meaning features (default: the process-wide
            MiniLM of :func:`qa.encoder.get_encoder`; ``False``: none, the features stay 0).
    """

    def __init__(self, weights: str | os.PathLike | dict | None = None, passages: int = 5,
                 context=None, encoder=None):
        w = weights if isinstance(weights, dict) else load_weights(weights or READER_WEIGHTS)
        self.w = np.array([w["weights"].get(k, 0.0) for k in FEATURES], dtype=np.float32)
        self.mean = np.array([w.get("mean", {}).get(k, 0.0) for k in FEATURES], np.float32)
        self.scale = np.array([w.get("scale", {}).get(k, 1.0) for k in FEATURES], np.float32)
        self.conf = np.array([w.get("confidence", {}).get(k, 0.0) for k in CONF_FEATURES])
        self.trees = TreeScorer(w["trees"], FEATURES) if w.get("trees") else None
        self.tree_weight = float(w.get("tree_weight", 1.0))
        self.n_passages = passages
        self.context = context
        self.encoder = encoder

    def featurize(self, info: QuestionInfo, passages: list[Passage]
                  ) -> tuple[list[Span], np.ndarray]:
        """Every candidate span of the first ``passages`` and its feature matrix."""
        ps = passages[: self.n_passages]
        docs = DOCS.docs([p.text for p in ps])
        spans: list[Span] = []
        rows: list[np.ndarray] = []
        top = ps[0].score if ps else 0.0
        covers = [sentence_cover(info, d) for d in docs]
        best = max(covers, default=0.0)
        for r, (p, doc) in enumerate(zip(ps, docs, strict=True)):
            cover = covers[r]
            nxt = ps[r + 1].score if r + 1 < len(ps) else p.score
            extra = {"names_sent": names_coverage(info, p.text),
                     "best_cover": float(cover >= best), "cover_gap": cover - best,
                     "dense_gap_next": p.score - nxt}
            ctx = p.text
            if self.context is not None and info.names and names_coverage(info, ctx) < 1:
                ctx = p.title + " " + (self.context(p.article_id) or "")
            nc = names_coverage(info, ctx)
            dv = _view(p.text, doc)
            q_pos = [i for i, (c, st) in enumerate(zip(dv.content, dv.stems, strict=True))
                     if c and st in info.terms]
            cands = dv.cands.get(info.kind)
            if cands is None:
                cands = dv.cands[info.kind] = candidates(doc, info.kind)
            cands = cands + question_candidates(info, dv, cands)
            extra["bm25"] = float(p.scores.get("bm25", 0.0))
            for s, e, lab in cands:
                f = _features(info, dv, s, e, lab, p.score - top, r, cover, nc, q_pos, extra)
                spans.append(Span(passage=r, start=s, end=e, text=p.text[s:e],
                                  label=lab.removeprefix("TRIM:")))
                rows.append(f)
        X = np.vstack(rows) if rows else np.zeros((0, len(FEATURES)), np.float32)
        _relative(spans, X)
        _similarity(info, spans, X, self._encoder())
        return spans, X

    def _encoder(self):
        """The sentence encoder for the meaning features (the process-wide one, loaded on
        first use; None when ``encoder=False``)."""
        if self.encoder is None:
            from qa.encoder import get_encoder

            self.encoder = get_encoder()
        return self.encoder or None

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Each candidate's score (a row of ``X``): the linear model plus, when the weights
        have one, ``tree_weight`` times the tree ensemble's log-odds."""
        z = ((X - self.mean) / self.scale) @ self.w
        if self.trees is not None:
            z = z + self.tree_weight * self.trees(X)
        return z

    def read(self, question: QuestionInfo, passages: list[Passage]) -> list[Span]:
        spans, X = self.featurize(question, passages)
        if not spans:
            return []
        keep = answer_mask(question.kind, X)
        if not keep.all():
            spans = [sp for sp, k in zip(spans, keep, strict=True) if k]
            X = X[keep]
        z = self.scores(X)
        # the best span's score is the confidence model's P(right); the others are scaled
        # by their softmax share relative to the best
        c = float(1.0 / (1.0 + np.exp(-(confidence_features(z, X) @ self.conf))))
        rel = np.exp(z - z.max())
        for sp, r, row, zi in zip(spans, rel, X, z, strict=True):
            sp.score = c * float(r)
            sp.features = {k: float(row[FEATURES.index(k)])
                           for k in ("type_match", "names_cover", "sent_cover", "window")}
            sp.features["z"] = float(zi)
        spans.sort(key=lambda s: -s.score)
        return spans


_REL = {"top_window": "window", "top_tree": "tree_near", "top_path": "path_agree"}


def _relative(spans: list[Span], X: np.ndarray) -> None:
    """Features of a candidate against the question's other candidates, filled into ``X``:
    whether it has the best value of a few cues (word window, tree distance, path
    agreement) among all of them."""
    if not len(spans):
        return
    col = {k: i for i, k in enumerate(FEATURES)}
    for top, base in _REL.items():
        v = X[:, col[base]]
        X[:, col[top]] = (v >= v.max() - 1e-6).astype(np.float32)


class _VecCache(_LRU):
    """Sentence-encoder vectors of short texts (candidate phrases, questions)."""

    def __init__(self, size: int = 20000):
        super().__init__(size)

    def vectors(self, texts: list[str], encoder) -> dict[str, np.ndarray]:
        return dict(zip(texts, self.many(texts, encoder.encode), strict=True))


VECS = _VecCache()


def _similarity(info: QuestionInfo, spans: list[Span], X: np.ndarray, encoder) -> None:
    """Meaning features from the sentence encoder, filled into ``X``: how close each
    candidate phrase is to the question and to the noun the question asks about ("what
    *language*" -> "Latin" rather than "Luther"), each also as the gap to the question's
    closest candidate."""
    if not len(spans) or encoder is None:
        return
    focus = info.focus_of or info.focus
    enc = [i for i, sp in enumerate(spans) if sp.label not in DERIVED]
    texts = [spans[i].text for i in enc] + [info.text] + ([focus] if focus else [])
    vec = VECS.vectors(texts, encoder)
    C = np.vstack([vec[spans[i].text] for i in enc]) if enc else np.zeros((0, 1))
    col = {k: i for i, k in enumerate(FEATURES)}
    for name, target in (("sim_q", info.text), ("sim_focus", focus)):
        if not target:
            continue
        v = np.zeros(len(spans), np.float32)
        if enc:
            v[enc] = C @ vec[target]
            _derive(spans, enc, v)
        X[:, col[name]] = v
        X[:, col[name + "_gap"]] = v - v.max()


# phrase candidates whose meaning features come from the encoded candidates around them
# (the encoder call is most of the reader's time, so they add no phrases to embed)
DERIVED = frozenset(["PP", "VP", "CL", "COORD", "CORE", "NUMN"])


def _derive(spans: list[Span], enc: list[int], v: np.ndarray) -> None:
    """Fill ``v`` for the :data:`DERIVED` spans: the best value among the encoded spans of
    the same passage inside it, else that of the shortest encoded span holding it, else 0."""
    by_p: dict[int, list[int]] = {}
    for i in enc:
        by_p.setdefault(spans[i].passage, []).append(i)
    for j, sp in enumerate(spans):
        if sp.label not in DERIVED:
            continue
        near = by_p.get(sp.passage, [])
        inner = [v[i] for i in near if sp.start <= spans[i].start and spans[i].end <= sp.end]
        if inner:
            v[j] = max(inner)
            continue
        outer = [i for i in near if spans[i].start <= sp.start and sp.end <= spans[i].end]
        if outer:
            v[j] = v[min(outer, key=lambda i: spans[i].end - spans[i].start)]


def answer_mask(kind: str, X: np.ndarray) -> np.ndarray:
    """Which candidates (rows of ``X``) can be the answer: for a :data:`TYPED` kind those of
    the asked type when there are any, else all.

    >>> X = np.zeros((2, len(FEATURES)), np.float32); X[1, _TYPE_MATCH] = 1
    >>> answer_mask("quantity", X).tolist(), answer_mask("clause", X).tolist()
    ([False, True], [True, True])
    """
    keep = np.ones(len(X), dtype=bool)
    if kind in TYPED and len(X):
        typed = X[:, _TYPE_MATCH] > 0
        if typed.any():
            keep = typed
    return keep


CONF_FEATURES = ("bias", "z", "margin", "p", "type_match", "names_cover", "sent_cover",
                 "window", "q_overlap")


def confidence_features(z: np.ndarray, X: np.ndarray) -> np.ndarray:
    """What the confidence model sees about a question's best span."""
    order = np.argsort(-z)
    b = int(order[0])
    zz = z - z.max()
    p = np.exp(zz) / np.exp(zz).sum()
    margin = float(z[b] - z[order[1]]) if len(z) > 1 else 5.0
    col = {k: i for i, k in enumerate(FEATURES)}
    row = X[b]
    return np.array([1.0, float(z[b]), margin, float(p[b]), row[col["type_match"]],
                     row[col["names_cover"]], row[col["sent_cover"]], row[col["window"]],
                     row[col["q_overlap"]]], dtype=np.float64)


def load_weights(path: str | os.PathLike) -> dict:
    """Read a ``reader.json``; a missing or unreadable file falls back to hand-set weights."""
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return {"weights": DEFAULT_WEIGHTS}


# hand-set starting point (used only when no trained weights are shipped)
DEFAULT_WEIGHTS = {"bias": -3.0, "type_match": 2.5, "type_other_entity": -0.5,
                   "q_overlap": -3.0, "window": 2.0, "near": 1.5, "sent_cover": 2.0,
                   "dense": 3.0, "rank0": 0.3, "focus_in": 0.8, "focus_next": 0.8,
                   "len_long": -0.7, "pronoun": -2.0, "names_cover": 1.5}


# --- plug-in: a local Hugging Face extractive-QA model -----------------------------------------

class HFReader:
    """A local extractive-QA model folder (``AutoModelForQuestionAnswering``), e.g. a
    SQuAD-tuned MiniLM you copied to disk. Nothing is downloaded: the folder must hold the
    model and tokenizer files. Spans are scored by the model's start/end probabilities.

    >>> HFReader("/no/such/folder")                 # doctest: +SKIP
    Traceback (most recent call last):
    qa.errors.FactcheckError: no QA model folder at /no/such/folder ...
    """

    def __init__(self, path: str | os.PathLike, passages: int = 6, max_answer_tokens: int = 30):
        from qa.errors import FactcheckError

        p = Path(path)
        if not p.is_dir():
            raise FactcheckError(f"no QA model folder at {p}: set FACTCHECK_READER to a local "
                                 "Hugging Face extractive-QA model folder, or unset it")
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        self.tok = AutoTokenizer.from_pretrained(p, local_files_only=True)
        self.model = AutoModelForQuestionAnswering.from_pretrained(p, local_files_only=True)
        self.model.eval()
        self.n_passages = passages
        self.max_len = max_answer_tokens

    def read(self, question: QuestionInfo, passages: list[Passage]) -> list[Span]:
        import torch

        out: list[Span] = []
        for r, p in enumerate(passages[: self.n_passages]):
            enc = self.tok(question.text, p.text, return_tensors="pt", truncation="only_second",
                           return_offsets_mapping=True, max_length=384)
            offsets = enc.pop("offset_mapping")[0].tolist()
            seq = enc.sequence_ids(0)
            with torch.no_grad():
                o = self.model(**enc)
            st = torch.softmax(o.start_logits[0], -1).tolist()
            en = torch.softmax(o.end_logits[0], -1).tolist()
            ctx = [i for i, s in enumerate(seq) if s == 1]
            best = (0.0, None, None)
            for i in ctx:
                for j in ctx:
                    if j < i or j - i >= self.max_len:
                        continue
                    sc = st[i] * en[j]
                    if sc > best[0]:
                        best = (sc, i, j)
            if best[1] is not None:
                s, e = offsets[best[1]][0], offsets[best[2]][1]
                out.append(Span(passage=r, start=s, end=e, text=p.text[s:e],
                                score=float(best[0]), label="HF"))
        out.sort(key=lambda s: -s.score)
        return out


def get_reader(path: str | os.PathLike | None = None) -> Reader:
    """The reader to use: ``path`` or ``$FACTCHECK_READER`` (a local HF QA model folder),
    else :class:`FeatureReader`."""
    path = path or os.environ.get("FACTCHECK_READER")
    return HFReader(path) if path else FeatureReader()
