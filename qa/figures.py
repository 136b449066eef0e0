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


def figure_in(info: QuestionInfo, text: str, names: float = 1.0
              ) -> tuple[Quantity, float] | None:
    """The figure in ``text`` that answers ``info`` best, with a relevance score in [0, 1]:
    the share of the question's content words in the sentence, boosted when the counted
    noun or a question word sits right next to the figure; ``names`` is the share of the
    question's names (places, dates, actors) found in the sentence's article."""
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
        s = (0.45 * cover + 0.2 * bool(focus and focus in after[:3])
             + 0.15 * min(1.0, len(near & info.terms) / 2) + 0.2 * names)
        if best is None or s > best[1]:
            best = (q, s)
    return best


def event_window(question: str) -> tuple[str, str, str] | None:
    """The dates of an event the question names by month and year:
    ``(first day, a month after its last day, the words)``, or None.

    >>> event_window("How many died in the August 2013 chemical attack?")
    ('2013-08-01', '2013-09-30', 'August 2013')
    """
    m = re.search(r"\b(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d\d)\b", question)
    if not m:
        return None
    month, year = _MONTHS.index(m.group(1)) + 1, int(m.group(2))
    end_m, end_y = (month + 1, year) if month < 12 else (1, year + 1)
    return (f"{year:04d}-{month:02d}-01", f"{end_y:04d}-{end_m:02d}-"
            f"{30 if end_m != 2 else 28}", m.group(0))


def collect_figures(info: QuestionInfo, passages: list[Passage], *, min_score: float = 0.55,
                    citation_numbers: list[int] | None = None, context=None) -> list[Figure]:
    """Distinct figures given by the relevant ``passages`` (see module doc), the most
    attested first. ``citation_numbers[i]`` is the citation number of ``passages[i]``
    (default ``i + 1``). ``context(article_id) -> text`` lets the question's names be
    looked for in the whole article (a sentence rarely repeats the place and the date);
    a passage whose article lacks one of them (another place or date: another event) is
    left out."""
    from qa.reader import names_coverage

    hits: list[FigureHit] = []
    window = event_window(info.text)
    for i, p in enumerate(passages):
        if window and not (p.published and window[0] <= p.published[:10] <= window[1]) \
                and not all(w.lower() in p.text.lower() for w in window[2].split()):
            continue  # neither reported at the time nor naming the date: another event
        names = 1.0
        if info.names:
            ctx = " ".join(x for x in (p.title, p.text, p.published or "",
                                       _month_words(p.published)) if x)
            names = names_coverage(info, ctx, strict=True)
            if names < 1 and context is not None:
                names = names_coverage(info, ctx + " " + (context(p.article_id) or ""),
                                       strict=True)
            if names < 1:
                continue  # another place, date or actor: another event
        r = figure_in(info, p.text, names)
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
    best = {id(f): max(h.score for h in hits if (h.quantity.low, h.quantity.high,
                                                   h.quantity.percent) == (q.low, q.high,
                                                                           q.percent))
            for q, f in figures}
    # precise figures before vague ones ("dozens"), then the most widely given (distinct
    # origins), then the most relevant
    def vague(q: Quantity) -> bool:
        return q.low is not None and q.high is not None and q.high > 2 * max(q.low, 1)

    figures.sort(key=lambda qf: (vague(qf[0]), -len(qf[1].sources), -best[id(qf[1])]))
    return [f for _, f in figures]


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


def _month_words(published: str | None) -> str:
    """``"2013-08-21"`` -> ``"August 2013"`` (so "in August 2013" matches the date)."""
    if not published or not re.match(r"\d{4}-\d{2}", published):
        return ""
    return f"{_MONTHS[int(published[5:7]) - 1]} {published[:4]}"


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
