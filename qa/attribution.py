"""Who said each sentence: attribution relations with character offsets, and the attribution
that covers every indexed sentence.

A relation is an :class:`~qa.models.Attribution`: the **source** as written and its span, the
**cue** ("said", "told", "according to", a colon before a quote), the **content** span (which
may run into the next sentence when a quotation continues), the **kind** (direct quote,
indirect, mixed), the resolved **speaker** ("Bali" -> "Mustafa Bali"; "he" only when the text
makes it clear, else ``resolved=False``), the speaker's **role** ("SDF official") and the
outlet it was given to (**via**: "speaking to Reuters").

How (see the modules named):

1. a cheap filter picks candidate sentences (a cue word form, a quotation mark, a colon,
   "according to": :func:`qa.attribution_lexicon.is_candidate`); only those are parsed, with
   the shared spaCy pipeline's tagger and parser (no NER), so attribution stays cheap at ingest
   (at ingest only speech and belief cues are looked for: all that attributes a sentence);
2. dependency rules propose relations (:mod:`qa.attribution_rules`), skipping cues inside a
   quotation (they belong to the quoted speaker);
3. a logistic-regression filter trained on PolNeAR keeps the real ones
   (:mod:`qa.attribution_model`; without its weights, the hand cue lists decide);
4. a quotation continued in the next sentence extends the content; sources are resolved
   within the article (:mod:`qa.attribution_coref`).

A sentence is attributed to a relation whose content covers it and whose cue heads the main
clause (a speech or belief cue, "according to", a colon); any other sentence is
``unattributed``: the outlet's own voice, with ``speaker`` naming the outlet.

Example:
    >>> text = ("SDF official Mustafa Bali, speaking to Reuters, described the assault as "
    ...         '"the last battle". Bali said 400 to 600 jihadists remain.')
    >>> a = extract(text, outlet="Reuters")[1]                       # doctest: +SKIP
    >>> a.speaker, a.role, a.via, a.cue, a.kind                       # doctest: +SKIP
    ('Mustafa Bali', 'SDF official', 'Reuters', 'said', 'indirect')
"""

from __future__ import annotations

import re

from qa.attribution_coref import Resolver
from qa.attribution_lexicon import is_candidate
from qa.attribution_model import drop_duplicates, load_model
from qa.attribution_rules import Raw, neighbour_content, quote_regions, sentence_relations
from qa.models import Attribution
from qa.sentences import split_spans

# bump when extraction changes, so `factcheck info` asks for `factcheck rebuild`
VERSION = "6"

Span = tuple[int, int]
INDEX_CLASSES = {"speech", "belief", "according", "colon"}  # what attributes a sentence
MAX_DESCRIPTION_WORDS = 10  # a longer unnamed "source" is a parse gone wrong, not a speaker


def _parse(texts: list[str]):
    from qa.nlp import parse

    return parse(texts)


def _keep(cands: list[tuple[int, Raw]]) -> list[float | None]:
    """The trained filter's probability for each relation it keeps (1.0 for one the rule
    fallback keeps), ``None`` for one it drops. The second stage sees the article's other
    candidates (:meth:`qa.attribution_model.CueModel.rescore`)."""
    model = load_model()
    if model is None:
        return [1.0 if r.cue_class in INDEX_CLASSES and (r.source is not None) else None
                for _, r in cands]
    first = [model.prob(r.extra.get("f", [])) for _, r in cands]
    probs = model.rescore([r for _, r in cands], first, [i for i, _ in cands])
    return [p if p >= model.threshold else None for p in probs]


def _overlap(a: Span | None, b: Span | None) -> int:
    if not a or not b:
        return 0
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _kind(content: Span | None, quotes: list[Span]) -> str:
    if not content or content[1] <= content[0]:
        return "indirect"
    covered = sum(_overlap(content, q) for q in quotes)
    frac = covered / (content[1] - content[0])
    return "direct" if frac >= 0.8 else "mixed" if covered > 0 else "indirect"


def _raw_relations(text: str, spans: list[Span], broad: bool = True,
                   docs: dict | None = None) -> list[tuple[int, Raw]]:
    """``(sentence index, relation)`` for every kept relation, in text order. The parses
    made are left in ``docs`` (sentence index -> Doc), for :mod:`qa.decontext`."""
    quotes = quote_regions(text)
    cand = [i for i, (s, e) in enumerate(spans) if is_candidate(text[s:e], broad)]
    out: list[tuple[int, Raw]] = []
    kept: list[tuple[float, tuple[int, Raw]]] = []
    found: list[tuple[int, Raw]] = []
    for i, doc in zip(cand, _parse([text[spans[i][0]:spans[i][1]] for i in cand]), strict=True):
        if docs is not None:
            docs[i] = doc
        for r in sentence_relations(doc, spans[i][0], 0.0, quotes):
            # as written: a headline was parsed with its cue words lower-cased
            r.cue_text = text[r.cue[0]:r.cue[1]]
            if r.source is not None:
                r.source_text = text[r.source[0]:r.source[1]]
            neighbour_content(r, text, spans, i)
            found.append((i, r))
    for (i, r), p in zip(found, _keep(found), strict=True):
        if p is not None:
            kept.append((p, (i, r)))
        elif r.extra.get("clause") and r.source is not None:
            r.extra["clause_only"] = True  # "the claim by X that ...": the clause is X's
            out.append((i, r))
        elif r.via_kind == "interview" and r.name:
            r.extra["note_only"] = True  # "Bali spoke to Reuters": who, to whom
            out.append((i, r))
    # one relation per source and content: "said ..., adding ..." over one clause
    out += [(i, r) for i, r in drop_duplicates([(p, (i, r)) for p, (i, r) in kept],
                                               key=lambda ir: ir[1])]
    out += _dash_quotes(text, spans, quotes, {r.cue for _, r in out})
    out.sort(key=lambda ir: (ir[0], ir[1].cue[0]))
    _continue_quotes(text, spans, quotes, out)
    return out


_DASH_NAME = re.compile(r"\s*[―—–-]{1,2}\s*((?:[A-Z][\w.’'-]*)(?:\s+(?:[A-Z][\w.’'-]*|de|van|al)"
                        r"){0,3})(?=[\s.,(]|$)")


def _dash_quotes(text: str, spans: list[Span], quotes: list[Span],
                 seen: set) -> list[tuple[int, Raw]]:
    """A quotation signed with a dash and a name: ``“...” ― Sonya Herridge``, ``"..." -
    Bernie Sanders.`` (quote collections, fact checks, tweets)."""
    out = []
    for q in quotes:
        if q[1] - q[0] < 12 or text[q[1] - 1] not in "”\"":
            continue
        m = _DASH_NAME.match(text, q[1])
        if m is None or "\n\n" in text[q[1]:m.start(1)]:
            continue
        name = re.split(r"(?<=\w\w)\.(?:\s|$)", m.group(1))[0].rstrip(".")
        src = (m.start(1), m.start(1) + len(name))
        cue = (q[1], m.start(1))
        cue = (cue[0] + len(text[cue[0]:cue[1]]) - len(text[cue[0]:cue[1]].lstrip()),
               cue[0] + len(text[cue[0]:cue[1]].rstrip()))
        if cue in seen:
            continue
        i = next((k for k, (a, b) in enumerate(spans) if a <= src[0] < b), None)
        if i is None:
            continue
        r = Raw(cue=cue, cue_text=text[cue[0]:cue[1]], cue_class="colon", prior=1.0,
                source=src, source_text=text[src[0]:src[1]], source_type="name",
                name=text[src[0]:src[1]], content=(q[0], q[1]), main=True)
        r.personlike = None
        out.append((i, r))
    return out


def _continue_quotes(text: str, spans: list[Span], quotes: list[Span],
                     rels: list[tuple[int, Raw]]) -> None:
    """A quotation that goes on in the next sentence(s) with no cue of its own belongs to
    the same relation: extend the content over it."""
    with_rel = {i for i, _ in rels}
    last_by_sent: dict[int, Raw] = {}
    for i, r in rels:
        if not r.extra.get("note_only") and not r.extra.get("clause_only"):
            last_by_sent[i] = r
    for i, r in sorted(last_by_sent.items()):
        if r.content is None or _kind(r.content, quotes) == "indirect":
            continue
        r.extra["kind"] = _kind(r.content, quotes)  # of the quote before it continues
        j = i + 1
        while j < len(spans) and j not in with_rel:
            s, e = spans[j]
            q = next((q for q in quotes if q[0] <= s < q[1] or s <= q[0] < s + 2), None)
            if q is None or text[s] not in "\"“'‘":
                break
            r.content = (r.content[0], max(r.content[1], min(e, q[1]) if q[1] > s else e))
            r.extra.setdefault("continued", []).append(j)
            j += 1


def _attributions(text: str, spans: list[Span], broad: bool = True,
                  docs: dict | None = None) -> list[tuple[int, Raw, Attribution]]:
    quotes = quote_regions(text)
    resolver = Resolver(text, spans)
    out = []
    for i, r in _raw_relations(text, spans, broad, docs):
        if r.extra.get("note_only"):
            resolver.note(r, i)
            continue
        # a clause inside another statement is resolved without becoming a speaker in view
        res = (resolver.resolve_aside if r.extra.get("clause_only") else resolver.resolve)(r, i)
        content = r.content
        if content is None and i > 0:
            content = spans[i - 1]  # "So says X." attributes what came before
        att = Attribution(
            source=r.source_text, speaker=res.speaker, role=res.role, via=res.via,
            cue=r.cue_text, kind=r.extra.get("kind") or _kind(content, quotes),
            resolved=res.resolved,
            source_span=r.source, cue_span=r.cue, content_span=content)
        out.append((i, r, att))
    return out


def extract(text: str, outlet: str | None = None,
            spans: list[Span] | None = None) -> list[Attribution]:
    """Every attribution relation in an article, in text order (offsets into ``text``).

    ``spans`` are the sentence spans (default :func:`qa.sentences.split_spans`); ``outlet``
    is accepted for symmetry with :func:`attribute_sentences` and not otherwise used.
    """
    spans = split_spans(text) if spans is None else spans
    return [a for _, r, a in _attributions(text, spans) if not r.extra.get("clause_only")]


def attribute_sentences(text: str, spans: list[Span], outlet: str | None = None,
                        docs: dict | None = None) -> list[Attribution]:
    """One attribution per sentence span: the relation that covers it, else
    ``Attribution(kind="unattributed", speaker=outlet)``. The sentences parsed are left in
    ``docs`` (sentence index -> spaCy Doc) when given, so ingest parses none twice.

    >>> [a.kind for a in attribute_sentences("The SDF began the assault.", [(0, 26)], "AFP")]
    ['unattributed']
    """
    found = _attributions(text, spans, broad=False, docs=docs)
    rels = [(i, r, a) for i, r, a in found
            if r.main and r.cue_class in INDEX_CLASSES and a.source_span is not None
            and (r.name or len((a.source or "").split()) <= MAX_DESCRIPTION_WORDS)]
    # "World leaders responded to the claim by activists that at least 640 ...": the
    # figure is the activists' (a statement noun with its source and a "that" clause)
    clauses = [(i, a) for i, r, a in found if r.extra.get("clause") and a.source_span
               and a.content_span and not r.extra.get("continued")]
    out: list[Attribution] = []
    for k, (s, e) in enumerate(spans):
        best, score = None, 0
        for i, r, a in rels:
            ov = _overlap(a.content_span, (s, e))
            if i == k or k in r.extra.get("continued", ()):
                ov += e - s  # the sentence holding the cue, or continuing its quote
            elif ov < (e - s) // 2:
                continue
            if ov > score:
                best, score = a, ov
        inner = [a for i, a in clauses if i == k and (
            best is None or best.content_span is not None
            and best.content_span[0] <= a.cue_span[0] < best.content_span[1])]
        if inner:
            best = max(inner, key=lambda a: a.content_span[1] - a.content_span[0])
        out.append(best if best is not None else Attribution(
            kind="unattributed", speaker=outlet or None, resolved=True))
    return out


def predictions(text: str) -> list[dict]:
    """Relations in the evaluation format of ``../shared/eval/README.md``, plus the
    resolved ``speaker``."""
    out = []
    for a in extract(text):
        cs = a.content_span
        out.append({"source": a.source, "cue": a.cue,
                    "content": text[cs[0]:cs[1]] if cs else None,
                    "source_span": list(a.source_span) if a.source_span else None,
                    "cue_span": list(a.cue_span) if a.cue_span else None,
                    "content_span": list(cs) if cs else None,
                    "speaker": a.speaker, "kind": a.kind})
    return out
