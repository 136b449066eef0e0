"""``ask(question) -> Answer``: a short answer with numbered, attributed citations.

The flow: clean the question, find what it asks for (:mod:`qa.question`), retrieve passages
(:func:`qa.retrieve.retrieve`), let a :class:`~qa.reader.Reader` pick the answer span, and
write the reply. Quantity questions also gather every figure the relevant passages give
(:mod:`qa.figures`) and say when sources disagree. Statements and yes/no questions get a
verdict from a :class:`~qa.verify.Verifier` instead. When nothing supports an answer of the
asked type the answer abstains ("The articles do not say ...") and shows the closest
passages. Reported speech is credited, never stated as fact.

Example:
    >>> from qa import ask                                                # doctest: +SKIP
    >>> a = ask("How many fighters remain in the enclave?", index="index")  # doctest: +SKIP
    >>> a.answer, a.reply                                                 # doctest: +SKIP
    ('400 to 600', '400 to 600 fighters remain in the enclave, according to SDF official
    Mustafa Bali (speaking to Reuters) [1].')
"""

from __future__ import annotations

import os
import re
import time

from qa.figures import collect_figures, differ, disagree, event_window
from qa.index import Index
from qa.language import looks_english
from qa.models import Answer, Citation, Figure, Passage
from qa.quantities import find_quantities
from qa.question import QuestionInfo, analyse
from qa.reader import Reader, Span, fusion_view, get_reader
from qa.retrieve import Filters, clean_question, open_index, retrieve
from qa.sources import according_to, origin, speaker_of, who_phrase
from qa.verify import Verifier, get_verifier, judge

FETCH = 10  # passages retrieved for reading (at least ``k``)
FIGURE_FETCH = 20  # passages scanned for figures on quantity questions (40 showed no more
# differing figures on fakes_conflicts_dev, and retrieval time grows with it)
MIN_CONFIDENCE = 0.12  # below this the answer abstains
TYPED = ("quantity", "date")
MAX_FIGURES = 6  # distinct figures listed side by side  # kinds whose answer must be of the asked type


def _article_text(idx: Index):
    def get(article_id: str) -> str | None:
        try:
            return idx.article(article_id).text
        except KeyError:
            return None

    return get


def _seed_vectors(verifier, idx: Index, passages: list[Passage]) -> None:
    """Hand the verifier the stored vectors of the passages (no re-encoding)."""
    texts, vecs = [], []
    with idx.lock:
        for p in passages:
            try:
                _, seg, row = idx.locate(p.id)
            except KeyError:
                continue
            texts.append(p.text)
            vecs.append(seg.vectors[row])
    if texts:
        verifier.remember(texts, vecs)


_readers: dict[int, Reader] = {}


def _default_reader(idx: Index) -> Reader:
    r = _readers.get(id(idx))
    if r is None:
        r = get_reader()
        if hasattr(r, "context"):
            r.context = _article_text(idx)
        _readers.clear()
        _readers[id(idx)] = r
    return r


def ask(question: str, index: str | os.PathLike | Index | None = None, *, k: int = 5,
        filters: Filters | None = None, reader: Reader | None = None,
        verifier: Verifier | None = None) -> Answer:
    """Answer ``question`` from the indexed articles.

    Args:
        question: a question ("How many fighters remain?") or a claim ("IS still has 1,000
            fighters in the enclave", "Did the SDF agree a ceasefire?").
        index: index folder (default ``$FACTCHECK_INDEX`` or ``./index``) or an open Index.
        k: how many retrieved passages to return in ``Answer.passages`` (at least 10 are
            read); default 5.
        filters: restrict retrieval (outlets, dates, article ids).
        reader: a :class:`~qa.reader.Reader` (default: ``$FACTCHECK_READER`` model folder,
            else the built-in feature reader).
        verifier: a :class:`~qa.verify.Verifier` for claims (default:
            ``$FACTCHECK_VERIFIER`` cross-encoder folder, else the built-in one).

    Returns:
        :class:`~qa.models.Answer`; ``abstained=True`` with ``answer=None`` when the
        articles do not support an answer. Raises :class:`~qa.errors.BadQuestion` for an
        empty or unusable question.
    """
    t0 = time.perf_counter()
    q = clean_question(question)
    if not looks_english(q):
        return _not_english(q, t0)
    idx = open_index(index)
    info = analyse(q)
    fetch = max(k, FETCH, FIGURE_FETCH if info.kind == "quantity" else 0)
    passages = retrieve(q, k=fetch, index=idx, filters=filters)
    window = event_window(q) if info.kind == "quantity" else None
    if window:
        # reports of a dated event come out at the time: search that window too
        f = (filters or Filters()).model_copy(update={"date_from": window[0],
                                                      "date_to": window[1]})
        seen = {p.id for p in passages}
        passages += [p for p in retrieve(q, k=FIGURE_FETCH, index=idx, filters=f)
                     if p.id not in seen]
    if info.kind == "claim":
        v = verifier or get_verifier()
        if hasattr(v, "remember"):
            _seed_vectors(v, idx, passages[:FETCH])
        ans = _claim(q, info, passages, v)
    else:
        ans = _question(q, info, passages, reader or _default_reader(idx),
                        context=_article_text(idx))
    ans.passages = passages[: max(k, 1)]
    ans.latency_ms = round((time.perf_counter() - t0) * 1000, 2)
    return ans


def answer_passages(question: str, passages: list[Passage], *, reader: Reader | None = None,
                    verifier: Verifier | None = None) -> Answer:
    """:func:`ask` over passages you already have (best first), without an index: useful
    for tests, for re-answering with another reader, and for passages from elsewhere.

    >>> from qa.models import Attribution, Passage
    >>> p = Passage(article_id="a", text="Bali said 400 to 600 jihadists remain.", start=0,
    ...             end=38, position=0, score=0.6, outlet="Reuters",
    ...             attribution=Attribution(speaker="Mustafa Bali", kind="indirect"))
    >>> answer_passages("How many fighters remain?", [p]).answer      # doctest: +SKIP
    '400 to 600'
    """
    t0 = time.perf_counter()
    q = clean_question(question)
    if not looks_english(q):
        return _not_english(q, t0)
    info = analyse(q)
    if info.kind == "claim":
        ans = _claim(q, info, passages, verifier or get_verifier())
    else:
        ans = _question(q, info, passages, reader or get_reader())
    ans.passages = list(passages)
    ans.latency_ms = round((time.perf_counter() - t0) * 1000, 2)
    return ans


# --- questions ---------------------------------------------------------------------------------

def _closest(passages: list[Passage], spans: list[Span]) -> list[Passage]:
    """Passages in the order the reader rated them (each by its best span), then the rest."""
    order: list[int] = []
    for sp in spans:
        if sp.passage not in order:
            order.append(sp.passage)
    order += [i for i in range(len(passages)) if i not in order]
    return [passages[i] for i in order if i < len(passages)]


def _not_english(q: str, t0: float) -> Answer:
    """Decline a question in another language: any answer would come from a passage that
    merely happens to be nearest (see :mod:`qa.language`)."""
    reply = ("The question does not look like English; the articles, and the way answers are "
             "found in them, are English. Ask in English, e.g. "
             "'How many fighters remain in the enclave?'")
    return Answer(question=q, kind="clause", answer=None, reply=reply, confidence=0.0,
                  abstained=True, declined="not_english",
                  latency_ms=round((time.perf_counter() - t0) * 1000, 2))


def _abstain(q: str, info: QuestionInfo, passages: list[Passage], why: str = "") -> Answer:
    what = q.rstrip(" ?.")
    if info.wh is None:
        # "whether Did the SDF ..." or "whether ¿Cuántos ..." reads badly: quote the question.
        lines = [f'The articles do not answer "{what}".']
    else:
        lines = [f"The articles do not say {what[0].lower() + what[1:]}."]
    cits = [Citation(n=i + 1, passage=p) for i, p in enumerate(passages[:3])]
    if cits:
        lines.append("The closest passages:")
        lines += [f"[{c.n}] \"{c.passage.text}\" ({according_to(c.passage)})" for c in cits]
    elif not passages:
        lines = ["The index holds no matching articles; add some with 'factcheck add PATH'."]
    return Answer(question=q, kind=info.kind, answer=None, reply="\n".join(lines),
                  citations=cits, confidence=0.0, abstained=True,
                  declined="not_in_articles" if passages else "no_articles")


def _statement(info: QuestionInfo, answer: str) -> str:
    """``400 to 600 fighters remain in the enclave`` from "How many fighters remain in the
    enclave?" when the question is a plain subject question, else just the answer."""
    m = re.match(r"(?i)how (?:many|much)\s+(.+?)\s*\??$", info.text)
    if m and info.kind == "quantity":
        rest = m.group(1)
        if not re.match(r"(?i)(?:\w+\s+){0,3}?(?:did|do|does|were|are|was|is|have|has|had|"
                        r"will|would|can|could)\b", rest):
            return f"{answer} {rest}"
    return answer


def _speaker_span(p: Passage) -> tuple[str, tuple[int, int] | None] | None:
    a = p.attribution
    if a is None or a.kind == "unattributed":
        return None
    # the answer stays verbatim: the resolved name where the sentence spells it out,
    # else the source as written ("Bali", "he"); the reply names the resolved speaker
    for name in (a.speaker, a.source):
        if name and name in p.text:
            i = p.text.index(name)
            return name, (i, i + len(name))
    if a.source_span is not None:
        s, e = a.source_span[0] - p.start, a.source_span[1] - p.start
        if 0 <= s < e <= len(p.text):
            return p.text[s:e], (s, e)
    return None


def _question(q: str, info: QuestionInfo, passages: list[Passage], reader: Reader,
              context=None) -> Answer:
    if not passages:
        return _abstain(q, info, passages)
    read = passages[:FETCH]
    view, order = fusion_view(read)
    spans = reader.read(info, view)
    for sp in spans:  # back to positions in ``read`` (the retrieval order)
        sp.passage = order[sp.passage]
    if info.kind in TYPED:
        # a quantity for "how many", a date for "when": other spans cannot be the answer
        spans = [sp for sp in spans if (sp.features or {}).get("type_match", 1.0) > 0]
    best: Span | None = spans[0] if spans else None
    if best is None:
        return _abstain(q, info, passages)
    feats = best.features or {}
    if feats.get("names_cover", 1.0) == 0.0 or best.score < MIN_CONFIDENCE:
        return _abstain(q, info, _closest(read, spans) + passages[len(read):])
    p = read[best.passage]
    answer, span = best.text, (best.start, best.end)
    if info.kind == "speaker":
        # "who said ...": the attributed speaker of the best passage that has one
        order = [best.passage] + [i for i in range(len(read)) if i != best.passage][:2]
        for i in order:
            sp = _speaker_span(read[i])
            if sp is not None and (i == best.passage or read[i].score >= p.score - 0.05):
                p, (answer, span) = read[i], sp
                break
    cits = [Citation(n=1, passage=p, answer_span=span)]
    conf = round(min(1.0, best.score), 3)
    ans = Answer(question=q, kind=info.kind, answer=answer, citations=cits, confidence=conf)
    if info.kind == "quantity":
        _add_figures(ans, info, passages, p, context)
    # corroboration: other read passages whose best span is the same answer
    seen = {p.id}
    for sp in spans[1:]:
        if len(ans.citations) >= 5:
            break
        other = read[sp.passage]
        if other.id in seen or sp.text.lower() != answer.lower() or sp.score < 0.5 * best.score:
            continue
        seen.add(other.id)
        ans.citations.append(Citation(n=len(ans.citations) + 1, passage=other,
                                      answer_span=(sp.start, sp.end)))
    ans.reply = _reply(info, ans)
    return ans


def _add_figures(ans: Answer, info: QuestionInfo, passages: list[Passage], first: Passage,
                 context=None):
    """Collect the figures the passages give for the same question; cite each distinct
    one."""
    order = [first] + [x for x in passages if x.id != first.id]
    span = ans.citations[0].answer_span
    figs = collect_figures(info, order, context=context, anchor=span,
                           top=max(p.score for p in passages[:FETCH]))
    if len(figs) < 2 or not differ(figs):
        return
    # cite one passage for each distinct figure first, then further ones (up to 8 in all)
    number: dict[int, int] = {first.id: 1}
    figs = figs[:MAX_FIGURES]
    for rnd in range(3):
        for f in figs:
            if rnd >= len(f.citations):
                continue
            p = order[f.citations[rnd] - 1]
            if p.id in number or len(ans.citations) >= 8:
                continue
            qv = next((x for x in find_quantities(p.text)
                       if (x.low, x.high) == (f.low, f.high)), None)
            ans.citations.append(Citation(
                n=len(ans.citations) + 1, passage=p,
                answer_span=(qv.start, qv.end) if qv else None))
            number[p.id] = len(ans.citations)
    renum = [Figure(**{**f.model_dump(),
                       "citations": sorted({number[order[n - 1].id] for n in f.citations
                                            if order[n - 1].id in number})}) for f in figs]
    ans.figures = [f for f in renum if f.citations]
    ans.conflict = len(ans.figures) >= 2


def _cite(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


def _reply(info: QuestionInfo, ans: Answer) -> str:
    p = ans.citations[0].passage
    if info.kind == "speaker":
        who = who_phrase(p) if speaker_of(p) else ans.answer
        line = f"{who} [1]: \"{p.text}\""
    else:
        credit = according_to(p)
        line = f"{_statement(info, ans.answer or '')}, {credit} [1]."
    more = [c.n for c in ans.citations[1:] if ans.figures == [] and c.passage.text]
    if more and not ans.figures:
        line += f" Also in {_cite(more)}."
    if ans.figures:
        parts = []
        for f in ans.figures:
            who = "; ".join(f.sources)
            outs = [o for o in f.outlets if o not in f.sources]
            extra = []
            if outs:
                extra.append("reported by " + ", ".join(outs))
            if f.dates:
                extra.append(", ".join(f.dates[:3]))
            parts.append(f"{f.value}, according to {who}"
                         + (f" ({'; '.join(extra)})" if extra else "") + f" {_cite(f.citations)}")
        verb = "disagree" if disagree(ans.figures) else "give different figures"
        line += "\nThe sources " + verb + ":\n" + "\n".join(f"- {x}" for x in parts)
    if ans.confidence < 0.3:
        line += "\n(Low confidence: check the cited sentence.)"
    return line


# --- claims ------------------------------------------------------------------------------------

def _claim(q: str, info: QuestionInfo, passages: list[Passage], verifier: Verifier) -> Answer:
    verdict, stances = judge(q, passages[:FETCH], verifier)
    cits = []
    for i, (p, st) in stances:
        if st == "neutral" and len(cits) >= 2:
            continue
        cits.append(Citation(n=len(cits) + 1, passage=p, stance=st))
        if len(cits) >= 5:
            break
        del i
    nei = verdict.label == "NOT_ENOUGH_INFO"
    ans = Answer(question=q, kind="claim", verdict=verdict, citations=cits,
                 confidence=verdict.confidence, abstained=nei,
                 declined="not_in_articles" if nei else None)
    words = {"SUPPORTED": "The articles support this", "REFUTED": "The articles contradict this",
             "CONFLICTING": "The articles disagree on this",
             "NOT_ENOUGH_INFO": "The articles do not say whether this is true"}[verdict.label]
    lines = [f"{words}: {verdict.reason}"]
    for c in cits:
        lines.append(f"[{c.n}] {c.stance}: \"{c.passage.text}\" ({according_to(c.passage)})")
    ans.reply = "\n".join(lines)
    return ans


__all__ = ["ask", "answer_passages", "Reader", "Verifier", "origin", "speaker_of"]
