"""Decontextualised sentences: a sentence whose subject is a pronoun, rewritten with the
name it stands for, so that its vector says who or what it is about.

"It was re-established in April 1991" says nothing about a stock exchange; after the
sentence "Warsaw's first stock exchange was established in 1817" it becomes "Warsaw's first
stock exchange was re-established in April 1991". At ingest (:mod:`qa.index`) such a rewrite
is embedded next to the sentence; retrieval's reranker reads how much closer the rewrite is
to the question than the sentence itself (``qa.rerank`` feature ``decontext_gain``). The
sentence stays what is stored, shown and cited.

The rule, over the dependency parse (the shared spaCy pipeline's tagger and parser, the
same parse as attribution: sentences attribution parsed are not parsed again):

* a sentence is rewritten when the subject of its main verb is ``he / she / it / they``
  or the subject's possessor is ``his / her / its / their`` ("His patents earned him ...");
  an expletive "It is likely that ..." is not;
* the antecedent is a proper-noun phrase (a run of ``NNP``/``NNPS`` tokens, with "of" /
  "the" / "de" inside) of one of the two sentences before it, nearest sentence first and
  its subject first, agreeing in number ("they" a plural name, "he"/"she"/"it" a singular
  one); a sentence rewritten in turn offers its own antecedent first, so a chain of
  "He ... He ..." keeps the name;
* a cheap test of the text (:func:`candidate`) picks the sentences worth parsing, so only
  those and the two sentences before each are parsed.

Example:
    >>> rewrite(["Nikola Tesla was born in 1856.", "He died in 1943."])  # doctest: +SKIP
    {1: 'Nikola Tesla died in 1943.'}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

BACK = 2  # sentences looked back for an antecedent
_SUBJECT = {"he", "she", "it", "they"}
_POSSESSIVE = {"his", "her", "its", "their"}
_PLURAL = {"they", "their"}
_LINK = {"of", "the", "de"}
# the pronoun opens the sentence or follows a short opening phrase ("In 1991, it ...")
_LEAD = re.compile(r"^(?:[^,.;:\"“”]{0,50},\s+)?(?:he|she|it|they|his|her|its|their)\b",
                   re.I)
_EXPLETIVE = re.compile(
    r"\bit\s+(?:is|was|has been|had been|will be|would be|seems|seemed|appears|appeared|"
    r"remains|remained)\s+(?:\w+\s+){0,2}?(?:that|to|whether|how|why|when)\b", re.I)


def candidate(text: str) -> bool:
    """Whether ``text`` may have a pronoun subject (worth parsing).

    >>> candidate("In 1991, it was re-established."), candidate("The exchange reopened.")
    (True, False)
    """
    return bool(_LEAD.match(text))


def _subject(doc):
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    return next((t for t in root.children if t.dep_ in ("nsubj", "nsubjpass")), None)


def anaphor(doc) -> tuple[int, int, str] | None:
    """``(start, end, word)``: character offsets in the sentence of the pronoun that stands
    for its subject (or the subject's possessor), and the pronoun, lower-cased."""
    s = _subject(doc)
    if s is None:
        return None
    w = s.lower_
    if w in _SUBJECT and s.tag_ == "PRP":
        if w == "it" and _EXPLETIVE.search(doc.text):
            return None
        return s.idx, s.idx + len(s.text), w
    for t in s.children:
        if t.dep_ == "poss" and t.lower_ in _POSSESSIVE and t.tag_ == "PRP$":
            return t.idx, t.idx + len(t.text), t.lower_
    return None


def mentions(doc, text: str) -> list[tuple[str, bool]]:
    """Proper-noun phrases of a parsed sentence as ``(text, plural)``, the subject's first,
    then in order. ``text`` is the sentence as written (the parse may be of a re-cased copy)."""
    toks = list(doc)
    subj = _subject(doc)
    out: list[tuple[str, bool, bool]] = []
    i = 0
    while i < len(toks):
        if toks[i].tag_ not in ("NNP", "NNPS"):
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and (
                toks[j + 1].tag_ in ("NNP", "NNPS")
                or (toks[j + 1].lower_ in _LINK and j + 2 < len(toks)
                    and toks[j + 2].tag_ in ("NNP", "NNPS"))):
            j += 1
        run = toks[i:j + 1]
        names = [t for t in run if t.tag_ in ("NNP", "NNPS")]
        head = next((t for t in reversed(run) if t.tag_ in ("NNP", "NNPS")
                     and (t.head not in run)), names[-1])
        plural = head.tag_ == "NNPS"
        is_subj = subj is not None and (subj in run or subj.i == head.head.i and
                                        head.dep_ == "compound")
        start, end = run[0].idx, run[-1].idx + len(run[-1].text)
        out.append((text[start:end], plural, is_subj))
        i = j + 1
    return [(m, p) for m, p, s in out if s] + [(m, p) for m, p, s in out if not s]


def _agrees(word: str, plural: bool) -> bool:
    return plural == (word in _PLURAL)


def rewrite(texts: Sequence[str], docs: dict[int, object] | None = None,
            parse: Callable[[list[str]], list] | None = None) -> dict[int, str]:
    """The rewritten sentences of one article (sentence number -> text), for those whose
    subject is a pronoun with an antecedent in the two sentences before.

    ``docs`` holds parses already made (sentence number -> spaCy ``Doc``, e.g. attribution's);
    the sentences still needed are parsed with ``parse`` (default :func:`qa.nlp.parse`) in
    one batch and added to ``docs``.
    """
    docs = {} if docs is None else docs
    want = [i for i in range(1, len(texts)) if candidate(texts[i])]
    if not want:
        return {}
    need = sorted({j for i in want for j in range(max(0, i - BACK), i + 1)} - set(docs))
    if need:
        if parse is None:
            from qa.nlp import parse
        docs.update(zip(need, parse([texts[j] for j in need]), strict=True))
    out: dict[int, str] = {}
    resolved: dict[int, tuple[str, bool]] = {}  # sentence -> the antecedent its pronoun took
    for i in want:
        a = anaphor(docs[i])
        if a is None:
            continue
        start, end, word = a
        ant = None
        for j in range(i - 1, max(-1, i - 1 - BACK), -1):
            options = ([resolved[j]] if j in resolved else []) + mentions(docs[j], texts[j])
            ant = next((m for m, plural in options if _agrees(word, plural)), None)
            if ant is not None:
                break
        if ant is None:
            continue
        resolved[i] = (ant, word in _PLURAL)
        rep = ant + "'s" if word in _POSSESSIVE else ant
        t = texts[i]
        out[i] = t[:start] + rep + t[end:]
    return out
