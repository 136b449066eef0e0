"""Sentence spans with character offsets, tuned for news text.

Rules, in order:

* a newline that ends a paragraph (blank line) or a line (single newline) is always a boundary;
* ``. ! ?`` (plus any closing quotes/brackets) followed by whitespace and a capital, digit or
  opening quote is a boundary, unless the word before it is a known abbreviation ("Gen.",
  "Mr.", "Jan."), an initial ("Donald J. Trump"), or a dotted acronym ("U.S.") that is not
  followed by a typical sentence opener;
* a boundary inside an open double quotation is not taken (news quotes often hold several
  sentences that belong to one attribution) unless the quote has run on for so long that its
  closing mark is evidently missing (FA-KES drops punctuation);
* a run-on "sentence" longer than ``max_chars`` is cut at ``;``, a dash, or ", and"/" and "
  boundaries so no unit grows unbounded.

Example:
    >>> text = 'Gen. Smith said the U.S. will leave. "We go now. Soon," he said. Next one'
    >>> [text[s:e] for s, e in split_spans(text)]
    ['Gen. Smith said the U.S. will leave.', '"We go now. Soon," he said.', 'Next one']
"""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "sgt", "capt", "cpl", "adm",
    "gov", "sen", "rep", "rev", "st", "mt", "ft", "hon", "pres", "sec", "amb", "supt", "insp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "no", "nos", "vol", "vs", "v", "etc", "inc", "corp", "co", "ltd", "jr", "sr", "bros",
    "e.g", "i.e", "approx", "est", "dept", "univ", "ave", "blvd", "rd", "fig", "al", "op",
}

# Words that typically open a sentence: after a dotted acronym ("... in the U.S. The ...")
# these mark a real boundary.
OPENERS = {
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "this", "that", "these", "those",
    "but", "and", "in", "on", "at", "as", "his", "her", "its", "their", "our", "there", "some",
    "many", "most", "meanwhile", "however", "after", "before", "since", "when", "while", "if",
    "according", "officials", "last", "earlier", "later", "also", "still", "yet",
}

_OPEN_QUOTES = "\"“„«"
_CLOSE_QUOTES = "\"”»"
_CLOSERS = "\"'”’»)]"
# candidate end: terminal punctuation, optional closers, then whitespace
_END = re.compile(r"[.!?]+[" + re.escape(_CLOSERS) + r"]*(?=\s)")
_NEXT_START = re.compile(r"\s+([\"“‘'(\[«]?)(\S)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_SOFT_CUT = re.compile(r";\s+|\s+[-–—]\s+|,\s+(?:and|but|while|as)\s+|\s+(?:and|but|while)\s+")

MAX_CHARS = 400
QUOTE_RUN = 700  # an open quote longer than this is taken as unclosed


def _is_abbreviation(before: str) -> bool:
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1)
    low = word.lower().rstrip(".")
    # a known abbreviation, or an initial ("Donald J. Trump")
    return low in ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _is_dotted_acronym(before: str) -> bool:
    m = _WORD_BEFORE.search(before)
    return bool(m and re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", m.group(1)))


def _paragraph_lines(text: str):
    """Yield (start, end) of non-empty lines, stripped of surrounding whitespace."""
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e


def _split_line(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = lo
    quote_open_at: int | None = None
    line = text[lo:hi]
    # Track double-quote state as we go; straight quotes toggle.
    quote_events = []
    for i, ch in enumerate(line):
        if ch in _OPEN_QUOTES or ch in _CLOSE_QUOTES:
            quote_events.append((lo + i, ch))
    ev_i = 0
    for m in _END.finditer(text, lo, hi):
        end = m.end()
        # advance quote state up to the terminal punctuation
        while ev_i < len(quote_events) and quote_events[ev_i][0] < end:
            at, ch = quote_events[ev_i]
            if ch == '"':
                quote_open_at = None if quote_open_at is not None else at
            elif ch in _OPEN_QUOTES:
                quote_open_at = at
            else:
                quote_open_at = None
            ev_i += 1
        nxt = _NEXT_START.match(text, end, hi)
        if not nxt:
            continue
        opener, first = nxt.group(1), nxt.group(2)
        if not (first.isupper() or first.isdigit() or opener):
            continue
        before = text[start:m.start() + 1]
        if m.group(0).startswith(".") and len(m.group(0).rstrip(_CLOSERS)) == 1:
            if _is_dotted_acronym(before[:-1] if before.endswith(".") else before):
                word = re.match(r"[A-Za-z]+", text[nxt.start(2):hi])
                if not word or word.group(0).lower() not in OPENERS:
                    continue
            elif _is_abbreviation(text[start:m.start()]):
                continue
        if quote_open_at is not None and end - quote_open_at < QUOTE_RUN:
            continue
        quote_open_at = None
        spans.append((start, end))
        start = nxt.start(1) if opener else nxt.start(2)
    if start < hi:
        spans.append((start, hi))
    return spans


def _cut_long(text: str, s: int, e: int, max_chars: int) -> list[tuple[int, int]]:
    if e - s <= max_chars:
        return [(s, e)]
    # choose the soft boundary nearest the middle
    mid = (s + e) // 2
    best = None
    for m in _SOFT_CUT.finditer(text, s + 40, e - 40):
        cut = m.start()
        if best is None or abs(cut - mid) < abs(best[0] - mid):
            best = (cut, m.end())
    if best is None:
        # fall back to the whitespace nearest the middle
        left = text.rfind(" ", s, mid)
        right = text.find(" ", mid, e)
        cands = [c for c in (left, right) if c > s]
        if not cands:
            return [(s, e)]
        c = min(cands, key=lambda c: abs(c - mid))
        best = (c, c + 1)
    a_end, b_start = best
    while a_end > s and text[a_end - 1].isspace():
        a_end -= 1
    return _cut_long(text, s, a_end, max_chars) + _cut_long(text, b_start, e, max_chars)


def split_spans(text: str, max_chars: int = MAX_CHARS) -> list[tuple[int, int]]:
    """Return ``[start, end)`` offsets of the sentences in ``text``, in order.

    Offsets index into ``text`` exactly, so ``text[start:end]`` is the sentence (stripped of
    surrounding whitespace). Every non-space character belongs to exactly one span.

    >>> split_spans("One. Two!\\n\\nThree")
    [(0, 4), (5, 9), (11, 16)]
    """
    out: list[tuple[int, int]] = []
    for lo, hi in _paragraph_lines(text):
        for s, e in _split_line(text, lo, hi):
            out.extend(_cut_long(text, s, e, max_chars))
    return out


def split(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """The sentences of ``text`` as strings (see :func:`split_spans`)."""
    return [text[s:e] for s, e in split_spans(text, max_chars)]
