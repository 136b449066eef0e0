"""Figures that different sources give for one quantity, side by side.

For a "how many" question, :func:`collect_figures` takes the passages that are about the
question (its content words, above all the counted noun and the verb, around the figure)
and the figure each gives, normalises the figures (:mod:`qa.quantities`) and groups them:
one :class:`~qa.models.Figure` per distinct value, with the citations, origins, outlets and
dates that give it. Several outlets repeating one origin (all citing the Syrian
Observatory) count as one source. The figures *disagree* when two of them cannot describe
the same count (their bounds do not overlap).

A figure is only set beside the answer when it answers the same question about the same
thing (:func:`same_question`): it counts the same noun as the question or the answer
("fighters" is not "people killed", nor "days"), by the question's verb or the answer's
("wounded 40" is no answer to "how many were killed"), its sentence says what the question is
about (the question's words other than the counted noun and its names: "remain",
"enclave"), its article names the question's places, dates and actors, its sentence names no
other month or year than the question's, it reports the same event in time (an undated
question: published in the month the answer's sentence names, or within a month of the
answer's article), and retrieval rates it close to the best passage.

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
from datetime import date

from qa.models import Figure, Passage
from qa.quantities import Quantity, compatible, find_quantities
from qa.question import REPORTING, STOP, QuestionInfo, stem
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


@dataclass(frozen=True)
class Counted:
    """What a figure counts in its sentence: the stem of the counted noun ("jihadists" in
    "400 to 600 jihadists", "fighters" in "three of its fighters"; None for a bare "killed
    43") and of the verb it depends on."""

    noun: str | None
    verb: str | None
    reported: bool = False  # the verb is a reporting verb ("said 43 were killed")


def counted(doc, q: Quantity) -> Counted:
    """:class:`Counted` for the figure ``q`` in the parsed sentence ``doc``.

    >>> from qa.nlp import get_nlp                                     # doctest: +SKIP
    >>> t = "Daesh said three of its fighters carried out an attack."  # doctest: +SKIP
    >>> counted(get_nlp()(t), find_quantities(t)[0])                   # doctest: +SKIP
    Counted(noun='fighter', verb='carri')
    """
    span = doc.char_span(q.start, q.end, alignment_mode="expand")
    if span is None or not len(span):
        return Counted(None, None)
    inside = range(span.start, span.end)
    root = next((t for t in span if t.head.i not in inside or t.head.i == t.i), span[-1])
    noun = None
    if root.dep_ in ("nummod", "quantmod", "amod", "compound", "nmod") and \
            root.head.pos_ in ("NOUN", "PROPN") and root.head.i not in inside:
        noun = root.head
    else:
        for c in root.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                noun = next((g for g in c.children if g.dep_ == "pobj"
                             and g.pos_ in ("NOUN", "PROPN")), None)
                break
    t = noun if noun is not None else root
    verb = None
    for _ in range(5):
        if t.pos_ in ("VERB", "AUX") and t.i not in inside:
            verb = t
            break
        if t.head.i == t.i:
            break
        t = t.head
    return Counted(stem(noun.text) if noun is not None else None,
                   stem(verb.text) if verb is not None else None,
                   verb is not None and verb.lower_ in REPORTING)


# prepositions that STOP leaves in (they say nothing about what is counted)
_PREPOSITIONS = frozenset(["near", "across", "against", "along", "among", "amid", "around",
                           "behind", "below", "beneath", "beside", "beyond", "inside",
                           "outside", "through", "toward", "towards", "under", "within",
                           "without", "upon", "since", "until", "via", "per", "off", "out",
                           "up", "down", "since", "despite"])
_MONTH_RE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|"
                       r"October|November|December)\b")
_YEAR_RE = re.compile(r"\b((?:19|20)\d\d)\b")


def context_terms(info: QuestionInfo) -> set[str]:
    """The question's content words other than the counted noun and its names: what a
    sentence must talk about to answer it ("remain", "enclave" in "How many fighters
    remain in the enclave?").

    >>> from qa.question import QuestionInfo, content_terms
    >>> q = "How many fighters remain in the enclave?"
    >>> sorted(context_terms(QuestionInfo(q, "quantity", focus="fighters",
    ...                                   terms=content_terms(q))))
    ['enclav', 'remain']
    """
    drop = {stem(info.focus)} if info.focus else set()
    drop |= _PREPOSITIONS
    for n in info.names:
        drop |= {stem(w) for w in _WORD.findall(n)}
    return {t for t in info.terms if t not in drop and not t.isdigit()}


def other_date(info: QuestionInfo, text: str) -> bool:
    """True when ``text`` names a month or a year and the question names another one (so
    the sentence reports another event): "since the March 19 attack" for a question about
    August 2013.

    >>> from qa.question import QuestionInfo
    >>> q = QuestionInfo("How many died in the August 2013 attack?", "quantity")
    >>> other_date(q, "the March 19 attack killed 30"), other_date(q, "on August 21")
    (True, False)
    """
    for rx in (_MONTH_RE, _YEAR_RE):
        asked = set(rx.findall(info.text))
        said = set(rx.findall(text))
        if asked and said and not asked & said:
            return True
    return False


def same_question(info: QuestionInfo, text: str, unit: Counted, anchor: Counted | None,
                  score: float, top: float, min_cover: float = 0.5,
                  min_ratio: float = 0.45) -> bool:
    """Does the figure (counting ``unit``) in sentence ``text`` answer the same question as
    the answer (counting ``anchor``)? ``score``/``top``: the sentence's and the best
    passage's retrieval scores. See the module doc.

    >>> from qa.question import QuestionInfo, content_terms
    >>> q = "How many fighters remain in the enclave?"
    >>> info = QuestionInfo(q, "quantity", focus="fighters", terms=content_terms(q),
    ...                     verb="remain")
    >>> bali = Counted("jihadist", "estimat", reported=True)
    >>> same_question(info, "About 500 fighters remain in the enclave.",
    ...               Counted("fighter", "remain"), bali, 1.8, 2.0)
    True
    >>> same_question(info, "The group said three of its fighters attacked a police station.",
    ...               Counted("fighter", "attack"), bali, 1.8, 2.0)        # another event
    False
    >>> same_question(info, "Some 500 people remain in the enclave.",
    ...               Counted("peopl", "remain"), bali, 1.8, 2.0)          # another count
    False
    >>> same_question(info, "About 500 fighters left the enclave.",
    ...               Counted("fighter", "left"), bali, 1.8, 2.0)          # another predicate
    False
    """
    refs = {x for x in (stem(info.focus) if info.focus else None,
                        anchor.noun if anchor else None) if x}
    if unit.noun is not None:
        if refs and unit.noun not in refs:
            return False
    else:
        verbs = {x for x in (anchor.verb if anchor else None,) if x} | info.terms
        if unit.verb is None or unit.verb not in verbs:
            return False
    stems = {w for _, w in _words(text)}
    qverb = stem(info.verb) if info.verb else None
    if qverb and unit.verb not in (qverb, anchor.verb if anchor else None) and (
            (unit.verb is not None and not unit.reported) or qverb not in stems):
        return False  # another predicate: "wounded 40" is no answer to "how many killed"
    ctx = context_terms(info)
    if ctx and len(ctx & stems) / len(ctx) < min_cover:
        return False
    if other_date(info, text):
        return False
    return not (top > 0 and score < min_ratio * top)


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
                    citation_numbers: list[int] | None = None, context=None,
                    anchor: tuple[int, int] | None = None, top: float | None = None,
                    parse=None) -> list[Figure]:
    """Distinct figures given by the relevant ``passages`` (see module doc), the most
    attested first. ``citation_numbers[i]`` is the citation number of ``passages[i]``
    (default ``i + 1``). ``context(article_id) -> text`` lets the question's names be
    looked for in the whole article (a sentence rarely repeats the place and the date);
    a passage whose article lacks one of them (another place or date: another event) is
    left out.

    ``anchor``: the answer's span in ``passages[0]``; when given, the other passages'
    figures are kept only when they answer the same question (:func:`same_question`;
    ``top`` is the best retrieval score, default the best of ``passages``; ``parse(texts)
    -> docs`` parses sentences, default the reader's shared cache)."""
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
    if anchor is not None and passages:
        hits = _same_question_hits(info, passages, hits, anchor, top, parse)
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


MAX_PARSED = 8  # figure sentences parsed per question (beyond them, figures are left out)


def _parse_syntax(texts: list[str]) -> list:
    """Parses for :func:`counted`: the reader's cached ones where there are, else a parse
    without entities (cheaper; not cached)."""
    from qa.nlp import get_nlp
    from qa.reader import DOCS

    docs = [DOCS.cached(t) for t in texts]
    missing = [t for t, d in zip(texts, docs, strict=True) if d is None]
    if missing:
        parsed = iter(get_nlp().pipe(missing, disable=["ner"], batch_size=16))
        docs = [d if d is not None else next(parsed) for d in docs]
    return docs


def _same_question_hits(info: QuestionInfo, passages: list[Passage], hits: list[FigureHit],
                        anchor: tuple[int, int], top: float | None, parse
                        ) -> list[FigureHit]:
    """The anchor passage's own figure (the answer) and the hits that answer the same
    question (parsing only the sentences that pass the cheap tests first)."""
    if parse is None:
        parse = _parse_syntax
    if top is None:
        top = max(p.score for p in passages)
    a = next((q for q in find_quantities(passages[0].text)
              if q.start <= anchor[0] and anchor[1] <= q.end
              or anchor[0] <= q.start and q.end <= anchor[1]), None)
    out = [h for h in hits if h.passage == 0]
    if a is not None:
        out = [FigureHit(0, a, max((h.score for h in out), default=1.0))]
    ctx = context_terms(info)
    same_time = _same_time(info, passages[0])
    cheap = []
    for h in hits:
        p = passages[h.passage]
        if h.passage == 0 or other_date(info, p.text) or (top > 0 and p.score < 0.45 * top):
            continue
        if not same_time(p):
            continue
        if ctx and len(ctx & {w for _, w in _words(p.text)}) / len(ctx) < 0.5:
            continue
        cheap.append(h)
    cheap = cheap[:MAX_PARSED]
    if not cheap:
        return out
    docs = parse([passages[0].text] + [passages[h.passage].text for h in cheap])
    ref = counted(docs[0], a) if a is not None else None
    for h, doc in zip(cheap, docs[1:], strict=True):
        p = passages[h.passage]
        if same_question(info, p.text, counted(doc, h.quantity), ref, p.score, top):
            out.append(h)
    return out


EVENT_DAYS = 30  # an undated question: figures reported a month or more apart are other events


def _day(published: str | None) -> int | None:
    try:
        return date.fromisoformat((published or "")[:10]).toordinal()
    except ValueError:
        return None


def _same_time(info: QuestionInfo, answer: Passage):
    """For a question that names no month and year, a test that a passage reports the
    answer's event: when the answer's sentence dates it ("in August 2013"), the passage
    was published in that window or names the date too; otherwise it was published
    within :data:`EVENT_DAYS` of the answer's article. Undated articles always pass.

    >>> from qa.question import QuestionInfo
    >>> info = QuestionInfo("How many people were killed in the Ghouta attack?", "quantity")
    >>> ans = Passage(article_id="a", text="Hundreds were killed in Ghouta in August 2013.",
    ...               start=0, end=46, position=0, published="2017-04-04")
    >>> def at(day, text="At least 58 were killed."):
    ...     return Passage(article_id="b", text=text, start=0, end=len(text), position=0,
    ...                    published=day)
    >>> ok = _same_time(info, ans)
    >>> ok(at("2013-08-21")), ok(at("2017-04-04")), ok(at("2018-03-01", "In August 2013, 1,400"))
    (True, False, True)
    """
    if event_window(info.text) is not None:
        return lambda p: True  # collect_figures already holds passages to that window
    window = event_window(answer.text)
    if window is not None:
        return lambda p: bool(p.published and window[0] <= p.published[:10] <= window[1]
                              or all(w.lower() in p.text.lower() for w in window[2].split()))
    day = _day(answer.published)
    if day is None:
        return lambda p: True

    def near(p: Passage) -> bool:
        d = _day(p.published)
        return d is None or abs(d - day) <= EVENT_DAYS
    return near


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
