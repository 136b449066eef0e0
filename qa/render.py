"""Render an :class:`~qa.models.Answer` for people: Markdown for the chat, plain text for
scripts. Pure functions, no Gradio.

Everything that comes from an article (sentences, titles, outlets, speakers, URLs, file
names) is untrusted. In Markdown it is escaped twice over: HTML-special characters become
entities (so ``<script>`` shows as those characters and never becomes an element) and
Markdown punctuation is backslash-escaped (so ``[x](javascript:...)`` stays text and never
becomes a link). Links are only ever made from ``http``/``https`` URLs.

Example:
    >>> from qa.models import Answer, Citation, Passage
    >>> p = Passage(article_id="a1", text="Bali said 400 to 600 remain.", start=0, end=28,
    ...             position=0, title="Final battle", outlet="Reuters")
    >>> a = Answer(question="How many remain?", answer="400 to 600", reply="400 to 600 [1]",
    ...            citations=[Citation(n=1, passage=p, answer_span=(10, 20))])
    >>> print(render_text(a))
    400 to 600 [1]
    <BLANKLINE>
    Sources:
    [1] "Bali said 400 to 600 remain." (unattributed) | Final battle | Reuters
    >>> "<mark>400 to 600</mark>" in render_sources_markdown(a)
    True
    >>> escape_md("<script>alert(1)</script>")
    '&lt;script&gt;alert\\\\(1\\\\)&lt;/script&gt;'
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

from qa.models import Answer, Attribution, Citation, Figure, Passage, Verdict

# Markdown punctuation that can start or end an inline construct (links, emphasis, code,
# tables, strikethrough, raw HTML, LaTeX). Escaping them everywhere is harmless: a
# backslash before ASCII punctuation always renders as the character itself.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~$=:.])")
_WS = re.compile(r"\s+")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x84\x86-\x9f]")

VERDICT_WORDS = {
    "SUPPORTED": "Supported",
    "REFUTED": "Refuted",
    "CONFLICTING": "Conflicting",
    "NOT_ENOUGH_INFO": "Not enough information",
}

KIND_WORDS = {
    "direct": "quoted",
    "indirect": "reported speech",
    "mixed": "partly quoted",
    "unattributed": "the outlet's own voice",
}


# --- escaping ----------------------------------------------------------------------------------

def escape_md(text: str | None) -> str:
    """Untrusted text -> Markdown that renders as exactly that text, on one line.

    Control characters are dropped, whitespace (including newlines) is collapsed,
    Markdown punctuation backslash-escaped and ``& < > " '`` turned into HTML entities.

    >>> escape_md("**bold** [x](javascript:alert(1))")
    '\\\\*\\\\*bold\\\\*\\\\* \\\\[x\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\)'
    >>> escape_md('<img src=x onerror="y">')
    '&lt;img src\\\\=x onerror\\\\=&quot;y&quot;&gt;'
    """
    if not text:
        return ""
    s = _WS.sub(" ", _CTRL.sub("", str(text))).strip()
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return html.escape(s, quote=True)


def safe_url(url: str | None) -> str | None:
    """An ``http(s)`` URL made safe to put inside a Markdown link, or ``None``.

    >>> safe_url("https://example.org/a b?q=(1)")
    'https://example.org/a%20b?q=%281%29'
    >>> safe_url("javascript:alert(1)") is None and safe_url("//evil.org/x") is None
    True
    """
    if not url or not isinstance(url, str):
        return None
    u = url.strip()
    if any(ord(c) < 32 for c in u):
        return None
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    # percent-encode everything that could end the link or open HTML/Markdown
    return quote(u, safe="/:?#@!$&*+,;=%~-._[]")


def _link(label_md: str, url: str | None) -> str:
    u = safe_url(url)
    return f"[{label_md}]({u})" if u else label_md


def _highlight(text: str, span: tuple[int, int] | None) -> str:
    """Escaped ``text`` with ``span`` (offsets into ``text``) wrapped in ``<mark>``."""
    if span is None:
        return escape_md(text)
    a, b = span
    if not (0 <= a < b <= len(text)):
        return escape_md(text)
    before, mid, after = text[:a], text[a:b], text[b:]
    # keep the spaces around the mark that escape_md would strip at the ends
    lead = " " if before[-1:].isspace() else ""
    trail = " " if after[:1].isspace() else ""
    return f"{escape_md(before)}{lead}<mark>{escape_md(mid)}</mark>{trail}{escape_md(after)}"


# --- pieces ------------------------------------------------------------------------------------

def source_line(att: Attribution | None) -> str:
    """Plain-text "who said it": ``speaker, role (to via)`` or ``unattributed (outlet)``.

    >>> source_line(Attribution(speaker="Mustafa Bali", role="SDF official", via="Reuters",
    ...                         kind="indirect"))
    'Mustafa Bali, SDF official (to Reuters)'
    >>> source_line(None)
    'unattributed'
    """
    if att is None:
        return "unattributed"
    if att.kind == "unattributed":
        return f"unattributed ({att.speaker})" if att.speaker else "unattributed"
    who = att.speaker or att.source or "unknown source"
    if not att.speaker and att.source:
        who += " (not resolved)"
    if att.role and att.role.lower() not in who.lower():
        who += f", {att.role}"
    if att.via:
        who += f" (to {att.via})"
    return who


def _source_md(att: Attribution | None) -> str:
    if att is None:
        return "unattributed"
    if att.kind == "unattributed":
        return "unattributed" + (f" ({escape_md(att.speaker)})" if att.speaker else "")
    who = att.speaker or att.source or "unknown source"
    out = f"**{escape_md(who)}**"
    if not att.speaker and att.source:
        out += " (not resolved)"
    if att.role and att.role.lower() not in who.lower():
        out += f", {escape_md(att.role)}"
    if att.via:
        out += f", to {escape_md(att.via)}"
    kind = KIND_WORDS.get(att.kind)
    return out + (f" · *{kind}*" if kind else "")


def _article_md(p: Passage) -> str:
    title = f"*{escape_md(p.title)}*" if p.title else f"article {escape_md(p.article_id)}"
    meta = [escape_md(x) for x in (p.outlet, p.published) if x]
    return _link(title, p.url) + (f" — {', '.join(meta)}" if meta else "")


def _also_md(p: Passage) -> str:
    if not p.also_in:
        return ""
    refs = []
    for s in p.also_in[:8]:
        label = escape_md(s.outlet or s.title or s.article_id)
        label += f" ({escape_md(s.published)})" if s.published else ""
        refs.append(_link(label, s.url))
    more = f" and {len(p.also_in) - 8} more" if len(p.also_in) > 8 else ""
    return "Also in: " + ", ".join(refs) + more


def citation_markdown(c: Citation) -> str:
    """One numbered source: the sentence with its answer span marked, who said it, the
    article (title, outlet, date, link) and other articles carrying the same sentence."""
    p = c.passage
    lines = [f"**\\[{c.n}\\]** “{_highlight(p.text, c.answer_span)}”",
             f"Source: {_source_md(p.attribution)}"
             + (f" · {escape_md(c.stance)}" if c.stance and c.stance != "neutral" else ""),
             f"Article: {_article_md(p)}"]
    also = _also_md(p)
    if also:
        lines.append(also)
    return "\n".join(lines)


def verdict_markdown(v: Verdict) -> str:
    """A badge (styled by the app's CSS, readable without it), then the reason in words.

    >>> verdict_markdown(Verdict(label="REFUTED", reason="The sources say 48 [1]."))
    'Verdict: <span class="fc-badge fc-refuted">Refuted</span> — The sources say 48 \\\\[1\\\\]\\\\.'
    """
    word = VERDICT_WORDS.get(v.label, "Unknown")
    cls = "fc-" + v.label.lower().replace("_", "-") if v.label in VERDICT_WORDS else "fc-unknown"
    return f'Verdict: <span class="fc-badge {cls}">{word}</span> — {escape_md(v.reason)}'


def figures_markdown(figures: list[Figure]) -> str:
    """Disagreeing figures as a small Markdown table: figure, source, outlet, date."""
    rows = ["| Figure | Source | Outlet | Date |", "|---|---|---|---|"]
    for f in figures:
        cites = " ".join(f"\\[{n}\\]" for n in f.citations)
        rows.append("| " + " | ".join([
            f"**{escape_md(f.value)}** {cites}".strip(),
            escape_md(", ".join(dict.fromkeys(f.sources))) or "—",
            escape_md(", ".join(dict.fromkeys(f.outlets))) or "—",
            escape_md(", ".join(dict.fromkeys(f.dates))) or "—",
        ]) + " |")
    return "\n".join(rows)


# --- whole answers -----------------------------------------------------------------------------

_LIST_LINE = re.compile(r"^\s*(?:[-*\u2022]\s|\[\d+\]\s)")


def reply_lines(reply: str | None) -> list[str]:
    """The prose lines of a reply, without the lists the chat shows in structured form.

    A reply lists figures (``- 48, according to ...``) and passages (``[1] "..."``) on
    lines of their own, each list under a heading line ending in ``:``; the chat shows
    those as a table and a Sources box, so only the prose remains here.

    >>> reply_lines("48 people were killed [1].\\nThe sources disagree:\\n- 48 [1]\\n- 50 [2]\\n"
    ...             "(Low confidence: check the cited sentence.)")
    ['48 people were killed [1].', '(Low confidence: check the cited sentence.)']
    """
    lines = [ln for ln in (reply or "").splitlines() if ln.strip()]
    keep = []
    for i, ln in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _LIST_LINE.match(ln) or (ln.rstrip().endswith(":") and _LIST_LINE.match(nxt)):
            continue
        keep.append(ln)
    return keep


def _shown_citations(a: Answer) -> list[Citation]:
    """What the Sources box lists: the citations (numbered as in the reply), else - for a
    declined question without them - the closest retrieved passages."""
    if a.citations:
        return a.citations
    return [Citation(n=i, passage=p) for i, p in enumerate(a.passages, 1)]


def _figures_heading(a: Answer) -> str:
    """"disagree" only when two figures cannot describe the same count ("at least 58" and
    52), as the reply says; "Hundreds" beside "at least 640" are different figures."""
    from qa.figures import disagree

    return ("The sources disagree:" if disagree(a.figures)
            else "The sources give different figures:")


def _says_not_in_articles(a: Answer) -> bool:
    """A declined question (not a claim) whose answer the articles lack. A question in
    another language was not searched, so its decline does not say "not in the articles"."""
    return a.verdict is None and a.declined != "not_english"


def render_answer_markdown(a: Answer) -> str:
    """The visible part of the reply: the verdict badge of a claim, the short answer, the
    reply's prose with its ``[n]`` markers, the table of differing figures; or a plain
    decline ("Not in the articles")."""
    parts: list[str] = []
    if a.verdict is not None:  # a claim: the verdict is the headline
        parts.append(verdict_markdown(a.verdict))
    prose = "\n".join(escape_md(ln) for ln in reply_lines(a.reply))
    if a.abstained:
        head = "**Not in the articles.** " if _says_not_in_articles(a) else ""
        parts.append(head + (prose or "No indexed sentence supports an answer to this "
                                      "question.")
                     + ("\nThe closest passages are below." if _shown_citations(a) else ""))
    else:
        if a.answer:
            parts.append(f"### {escape_md(a.answer)}")
        if prose:
            parts.append(prose)
        elif not a.citations:
            parts.append("No sentence in the articles matches this question.")
    if a.figures and (a.conflict or len(a.figures) > 1):
        parts.append(f"**{_figures_heading(a)}**\n\n" + figures_markdown(a.figures))
    return "\n\n".join(parts)


def sources_title(a: Answer) -> str:
    """Title of the collapsible box under the answer."""
    n = len(_shown_citations(a))
    return f"Closest passages ({n})" if a.abstained or not a.citations else f"Sources ({n})"


def render_sources_markdown(a: Answer) -> str:
    """Every cited sentence (for a declined question, the closest passages)."""
    blocks = [citation_markdown(c) for c in _shown_citations(a)]
    return "\n\n".join(blocks) if blocks else "No passages."


def _plain(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def render_text(a: Answer) -> str:
    """The reply as plain text, with its sources: what the ``/chat`` API returns.

    Same parts as the chat: verdict, short answer, the reply's prose, the differing
    figures, then the numbered sources (or closest passages) with who said each.
    """
    out: list[str] = []
    if a.verdict is not None:
        out.append(f"Verdict: {a.verdict.label} — {_plain(a.verdict.reason)}")
    prose = "\n".join(_plain(ln) for ln in reply_lines(a.reply))
    if a.abstained:
        head = "Not in the articles." if _says_not_in_articles(a) else ""
        out.append(" ".join(x for x in (head, prose) if x))
    else:
        if a.answer and a.answer not in (a.reply or ""):
            out.append(_plain(a.answer))
        if prose:
            out.append(prose)
    if a.figures and (a.conflict or len(a.figures) > 1):
        lines = [_figures_heading(a)]
        for f in a.figures:
            # an unattributed figure's source is its outlet: name it once
            outlets = [o for o in dict.fromkeys(f.outlets) if o not in f.sources]
            who = "; ".join(x for x in (", ".join(dict.fromkeys(f.sources)),
                                        ", ".join(outlets), ", ".join(f.dates)) if x)
            cites = " ".join(f"[{n}]" for n in f.citations)
            lines.append(f"- {_plain(f.value)} {cites} — {who}".rstrip(" —"))
        out.append("\n".join(lines))
    shown = _shown_citations(a)
    if shown:
        lines = ["Closest passages:" if a.abstained or not a.citations else "Sources:"]
        for c in shown:
            p = c.passage
            meta = " | ".join(_plain(x) for x in (p.title, p.outlet, p.published, p.url) if x)
            stance = f" [{c.stance}]" if c.stance and c.stance != "neutral" else ""
            lines.append(f"[{c.n}]{stance} \"{_plain(p.text)}\" ({source_line(p.attribution)})"
                         + (f" | {meta}" if meta else ""))
        out.append("\n".join(lines))
    if not out:
        out.append("No sentence in the articles matches this question.")
    return "\n\n".join(out)


def filters_note(outlets: list[str] | None, date_from: str | None, date_to: str | None) -> str:
    """What the answer was restricted to, in words (shown under a filtered answer).

    >>> filters_note(["reuters", "ahram"], "2017-01-01", None)
    '*Searched only: reuters, ahram; from 2017\\\\-01\\\\-01*'
    """
    parts = []
    if outlets:
        parts.append(", ".join(escape_md(o) for o in outlets))
    if date_from and date_to:
        parts.append(f"{escape_md(date_from)} to {escape_md(date_to)}")
    elif date_from:
        parts.append(f"from {escape_md(date_from)}")
    elif date_to:
        parts.append(f"up to {escape_md(date_to)}")
    return f"*Searched only: {'; '.join(parts)}*" if parts else ""


# --- the corpus panel and upload reports -------------------------------------------------------

def _count(n: int, word: str) -> str:
    return f"**{n:,}** {word}{'' if n == 1 else 's'}"


def render_corpus_markdown(info: dict, top: int = 8) -> str:
    """What the index holds, from :meth:`qa.index.Index.info`, for the corpus panel.

    >>> print(render_corpus_markdown({"articles": 2, "sentences": 30,
    ...       "outlets": {"Reuters": 1, "<b>X</b>": 1}, "dates": ["2017-01-02", "2018-03-04"]}))
    **2** articles · **30** sentences · **2** outlets
    From 2017\\-01\\-02 to 2018\\-03\\-04
    Reuters (1), &lt;b&gt;X&lt;/b&gt; (1)
    """
    outlets = info.get("outlets") or {}
    named = {k: v for k, v in outlets.items() if k != "(unknown)"}
    lines = [f"{_count(info.get('articles', 0), 'article')} · "
             f"{_count(info.get('sentences', 0), 'sentence')} · {_count(len(named), 'outlet')}"]
    if info.get("dates"):
        a, b = info["dates"]
        lines.append(f"From {escape_md(a)} to {escape_md(b)}")
    if outlets:
        items = list(outlets.items())
        shown = ", ".join(f"{escape_md(k)} ({v})" for k, v in items[:top])
        lines.append(shown + (f" and {len(items) - top} more" if len(items) > top else ""))
    return "\n".join(lines)


def render_add_report(report, titles: dict[str, str] | None = None) -> str:
    """The result of an upload (:class:`~qa.models.AddReport`) as Markdown: what was added,
    updated, unchanged, duplicate or rejected, with the reason for each rejection."""
    titles = titles or {}

    def art(aid: str) -> str:
        t = titles.get(aid)
        # no code spans: backslash escapes are not processed inside them
        return f"*{escape_md(t)}* (id {escape_md(aid)})" if t else f"id {escape_md(aid)}"

    out = [f"**{escape_md(report.summary())}**"]
    for label, ids in (("Added", report.added), ("Updated", report.updated),
                       ("Unchanged", report.unchanged)):
        out += [f"- {label}: {art(a)}" for a in ids]
    out += [f"- Duplicate: {art(new)} has the same text as id {escape_md(old)} (not indexed "
            "again)" for new, old in report.duplicates]
    out += [f"- Rejected: **{escape_md(r.path)}** — {escape_md(r.reason)}"
            for r in report.rejected]
    return "\n".join(out)
