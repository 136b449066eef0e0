"""Who a passage's claim comes from, in words, and which passages share one origin.

The attribution step (``qa.attribution``, at ingest) fills ``Passage.attribution``. This
module turns it into the phrases a reply uses ("according to SDF official Mustafa Bali
(speaking to Reuters)") and finds a passage's *origin*: the original source several
outlets may repeat (the Syrian Observatory for Human Rights cited by Reuters, AFP and
Al Jazeera is one origin, not three corroborations). When a passage has no attribution yet,
a light fallback reads "according to X" / "X said" from the sentence itself.

Example:
    >>> from qa.models import Attribution, Passage
    >>> p = Passage(article_id="a", text="Bali said 400 to 600 remain.", start=0, end=28,
    ...             position=0, outlet="Reuters",
    ...             attribution=Attribution(speaker="Mustafa Bali", role="SDF official",
    ...                                     via="Reuters", kind="indirect"))
    >>> according_to(p)
    'according to SDF official Mustafa Bali (speaking to Reuters)'
    >>> origin(Passage(article_id="b", text="At least 48 died, according to the "
    ...                "Britain-based Syrian Observatory for Human Rights.", start=0,
    ...                end=80, position=0, outlet="AFP"))
    'Syrian Observatory for Human Rights'
"""

from __future__ import annotations

import re

from qa.models import Passage

_ACCORDING = re.compile(
    r"\baccording to (?:the |a |an )?(?:[\w-]+-based |British-based |UK-based |Britain-based )?"
    r"((?:[A-Z][\w.'’-]*|of|for|the|and)(?:\s+(?:[A-Z][\w.'’-]*|of|for|the|and))*)")
_SAID = re.compile(
    r"(?:,|^)\s*(?:the |a |an )?((?:[A-Z][\w.'’-]*)(?:\s+(?:[A-Z][\w.'’-]*|of|for))*)\s+"
    r"(?:said|says|reported|reports|told|added|stated|claimed|announced)\b")
_KNOWN_ORIGINS = (
    # a well-known monitor is often shortened after its first mention
    (re.compile(r"\b(?:Syrian )?Observatory\b"), "Syrian Observatory for Human Rights"),
    (re.compile(r"\bSOHR\b"), "Syrian Observatory for Human Rights"),
)


def _clean(name: str) -> str:
    name = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.I)
    name = re.sub(r"\s+(?:of|for|the|and)$", "", name)
    return name.strip(" ,.")


def _canonical(name: str) -> str:
    for rx, canon in _KNOWN_ORIGINS:
        if rx.search(name):
            return canon
    return name


def speaker_of(p: Passage) -> str | None:
    """The attributed speaker (resolved name, else as written), or None when the passage is
    in the outlet's own voice."""
    a = p.attribution
    if a is not None and a.kind != "unattributed":
        return a.speaker or a.source
    return _fallback_speaker(p.text)


def _fallback_speaker(text: str) -> str | None:
    m = _ACCORDING.search(text)
    if m:
        name = _clean(m.group(1))
        if name:
            return _canonical(name)
    m = _SAID.search(text)
    if m:
        name = _clean(m.group(1))
        if name and name.lower() not in ("he", "she", "it", "they", "we", "i"):
            return _canonical(name)
    return None


def origin(p: Passage) -> str:
    """The original source of the passage's claim: its attributed speaker (canonical name),
    else the outlet (its own reporting), else "unattributed"."""
    s = speaker_of(p)
    if s:
        return _canonical(s)
    return p.outlet or "unattributed"


def who_phrase(p: Passage) -> str:
    """``SDF official Mustafa Bali (speaking to Reuters)`` or the outlet's name."""
    a = p.attribution
    if a is not None and a.kind != "unattributed":
        who = a.speaker or a.source or "an unnamed source"
        if a.role and a.role.lower() not in who.lower():
            who = f"{a.role} {who}"
        if a.via:
            who += f" (speaking to {a.via})"
        return who
    s = _fallback_speaker(p.text)
    if s:
        return s
    return p.outlet or "the article"


def according_to(p: Passage) -> str:
    """How a reply credits a passage: ``according to X`` for reported speech, ``reported
    by OUTLET`` for an outlet's own voice."""
    if speaker_of(p):
        return f"according to {who_phrase(p)}"
    return f"reported by {p.outlet}" if p.outlet else "in the article"


def article_line(p: Passage) -> str:
    """``Title (Outlet, 2019-02-10)`` for a citation."""
    meta = ", ".join(x for x in (p.outlet, (p.published or "")[:10] or None) if x)
    return f"{p.title or p.article_id}" + (f" ({meta})" if meta else "")
