"""Figures that different sources give for one quantity, side by side.

For a "how many" question, :func:`collect_figures` takes the passages that are about the
question (its content words, above all the counted noun and the verb, around the figure)
and the figure each gives, normalises the figures (:mod:`qa.quantities`) and groups them:
one :class:`~qa.models.Figure` per distinct value, with the citations, origins, outlets and
dates that give it. Several outlets repeating one origin (all citing the Syrian
Observatory) count as one source. The figures *disagree* when two of them cannot describe
the same count (their bounds do not overlap).

Example:
    >>> from qa.models import Passage
    >>> from qa.question import QuestionInfo, content_terms
    >>> q = "How many people were killed in the attack?"
    >>> info = QuestionInfo(q, "quantity", focus="people", terms=content_terms(q))
    >>> ps = [Passage(article_id="a", text="The attack killed 43 people, the Observatory said.",
    ...               start=0, end=50, position=0, outlet="Reuters", score=.8),
    ...       Passage(article_id="b", text="At least 31 people were killed in the attack.",
    ...               start=0, end=45, position=0, outlet="SANA", score=.7)]
    >>> figs = collect_figures(info, ps)
    >>> [(f.value, f.sources) for f in figs], disagree(figs)
    ([('43', ['Syrian Observatory for Human Rights']), ('At least 31', ['SANA'])], False)
    >>> differ(figs)          # different figures from different sources (but compatible)
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.models import Figure, Passage
from qa.quantities import Quantity, compatible, find_quantities
from qa.question import STOP, QuestionInfo, stem
from qa.sources import origin

_WORD = re.compile(r"[\w'’-]+")


@dataclass
class FigureHit:
    """One passage's figure for the question."""

    passage: int
    quantity: Quantity
    score: float


def _words(text: str) -> list[tuple[int, str]]:
    return [(m.start(), stem(m.group(0))) for m in _WORD.finditer(text)
            if m.group(0).lower() not in STOP]


def figure_in(info: QuestionInfo, text: str) -> tuple[Quantity, float] | None:
    """The figure in ``text`` that answers ``info`` best, with a relevance score in [0, 1]:
    the share of the question's content words in the sentence, boosted when the counted
    noun or a question word sits right next to the figure."""
    qs = [q for q in find_quantities(text) if not q.percent or "percent" in info.text.lower()
          or "%" in info.text]
    if not qs or not info.terms:
        return None
    words = _words(text)
    stems = {w for _, w in words}
    cover = len(info.terms & stems) / len(info.terms)
    focus = stem(info.focus) if info.focus else None
    best: tuple[Quantity, float] | None = None
    for q in qs:
        after = [w for pos, w in words if q.end <= pos < q.end + 40][:4]
        before = [w for pos, w in words if q.start - 40 <= pos < q.start][-3:]
        near = set(after) | set(before)
        s = 0.6 * cover + 0.25 * bool(focus and focus in after[:3]) + 0.15 * min(
            1.0, len(near & info.terms) / 2)
        if best is None or s > best[1]:
            best = (q, s)
    return best


def collect_figures(info: QuestionInfo, passages: list[Passage], *, min_score: float = 0.45,
                    citation_numbers: list[int] | None = None) -> list[Figure]:
    """Distinct figures given by the relevant ``passages`` (see module doc), the most
    attested first. ``citation_numbers[i]`` is the citation number of ``passages[i]``
    (default ``i + 1``)."""
    hits: list[FigureHit] = []
    for i, p in enumerate(passages):
        r = figure_in(info, p.text)
        if r is not None and r[1] >= min_score:
            hits.append(FigureHit(i, r[0], r[1]))
    figures: list[tuple[Quantity, Figure]] = []
    for h in hits:
        p = passages[h.passage]
        n = citation_numbers[h.passage] if citation_numbers else h.passage + 1
        same = next((f for q, f in figures
                     if (q.low, q.high, q.percent) == (h.quantity.low, h.quantity.high,
                                                       h.quantity.percent)), None)
        if same is None:
            same = Figure(value=h.quantity.text, low=h.quantity.low, high=h.quantity.high)
            figures.append((h.quantity, same))
        same.citations.append(n)
        src = origin(p)
        if src not in same.sources:
            same.sources.append(src)
        if p.outlet and p.outlet not in same.outlets:
            same.outlets.append(p.outlet)
        for s in p.also_in:
            if s.outlet and s.outlet not in same.outlets:
                same.outlets.append(s.outlet)
        if p.published and p.published[:10] not in same.dates:
            same.dates.append(p.published[:10])
    figures.sort(key=lambda qf: -len(qf[1].citations))
    return [f for _, f in figures]


def disagree(figures: list[Figure]) -> bool:
    """True when at least two figures cannot describe the same count."""
    qs = [Quantity(f.value, 0, 0, f.low, f.high) for f in figures]
    return any(not compatible(a, b) for i, a in enumerate(qs) for b in qs[i + 1:])


def differ(figures: list[Figure]) -> bool:
    """True when sources give different figures: two or more distinct values, not all from
    one single origin."""
    if len(figures) < 2:
        return False
    origins = [set(f.sources) for f in figures]
    return any(a != b or len(a) > 1 for i, a in enumerate(origins) for b in origins[i + 1:])
