"""Quantities in news text, found with their hedges and ranges and normalised to bounds.

A fact-checker compares figures: "at least 48", "dozens", "400 to 600", "more than 1,270",
"three". :func:`find_quantities` returns each as a :class:`Quantity` with the exact span
(kept whole, hedge included) and numeric bounds ``low``/``high`` (``None`` = unbounded), so
that figures given by different sources can be compared (:func:`same_figure`,
:func:`compatible`).

Example:
    >>> [(q.text, q.low, q.high) for q in find_quantities(
    ...     "Bali said 400 to 600 jihadists remain; at least 48 died.")]
    [('400 to 600', 400.0, 600.0), ('at least 48', 48.0, None)]
    >>> q = find_quantities("dozens of people")[0]; (q.text, q.low, q.high)
    ('dozens', 24.0, 99.0)
    >>> parse_number("twenty-five"), parse_number("1,270"), parse_number("1.5 million")
    (25.0, 1270.0, 1500000.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}
# vague plurals: (low, high)
_VAGUE = {"dozens": (24, 99), "scores": (40, 99), "hundreds": (200, 999),
          "thousands": (2_000, 9_999), "tens of thousands": (20_000, 99_999),
          "hundreds of thousands": (200_000, 999_999), "millions": (2e6, 9.99e6),
          "several": (3, 9), "a few": (2, 5), "a handful": (2, 6), "a dozen": (12, 12),
          "a couple": (2, 2), "a hundred": (100, 100), "a thousand": (1000, 1000)}

# hedges and how they turn a point into bounds
_LOWER = ("at least", "more than", "over", "upwards of", "no fewer than", "no less than",
          "in excess of", "greater than", "above", "exceeding", "a minimum of")
_UPPER = ("up to", "fewer than", "less than", "at most", "as many as", "no more than",
          "under", "below", "a maximum of", "nearly", "almost", "just under")
_ABOUT = ("about", "around", "approximately", "roughly", "some", "an estimated",
          "estimated", "nearly", "almost", "close to", "more or less", "circa", "approx.",
          "as many as", "reportedly")

_WORDNUM = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_WORD = rf"(?:(?:{_WORDNUM})(?:[- ](?:{'|'.join(_UNITS)}))?)"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE = r"(?:\s(?:hundred|thousand|million|billion|trillion)\b|\s?(?:m|bn|k)\b)"
_NUM = rf"(?:(?:{_DIGITS}|{_WORD})(?:{_SCALE})?|a (?:hundred|thousand|dozen)\b)"
_HEDGE = "|".join(re.escape(h) for h in sorted({*_LOWER, *_UPPER, *_ABOUT}, key=len,
                                                reverse=True))
_VAGUE_RE = "|".join(re.escape(v) for v in sorted(_VAGUE, key=len, reverse=True))
_RANGE_SEP = r"(?:\s?(?:-|–|—)\s?|\s(?:to|and|or)\s)"

QUANTITY_RE = re.compile(
    rf"(?<![\w.,+±/])(?:(?P<hedge>{_HEDGE})\s)?"
    rf"(?:(?P<between>between|from)\s)?"
    rf"(?:(?P<vague>{_VAGUE_RE})|(?P<a>{_NUM})(?:{_RANGE_SEP}(?P<b>{_NUM}))?)"
    rf"(?P<pct>\s?(?:%|per ?cent|percent))?(?![\w]|[/+]\d)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)$")


@dataclass(frozen=True)
class Quantity:
    """A figure as written (``text``, span ``[start, end)``) and its bounds."""

    text: str
    start: int
    end: int
    low: float | None
    high: float | None
    hedge: str | None = None
    percent: bool = False

    @property
    def exact(self) -> bool:
        return self.low is not None and self.low == self.high and self.hedge is None


def parse_number(s: str) -> float | None:
    """``"1,270"`` -> 1270.0, ``"three"`` -> 3.0, ``"2.5 million"`` -> 2500000.0, else None."""
    s = s.strip().lower().replace("\u2009", "")
    if not s:
        return None
    m = re.fullmatch(rf"({_DIGITS})\s?(hundred|thousand|million|billion|trillion|m|bn|k)?", s)
    if m:
        v = float(m.group(1).replace(",", ""))
        scale = m.group(2)
        if scale:
            v *= {"m": 1e6, "bn": 1e9, "k": 1e3}.get(scale) or _SCALES[scale]
        return v
    if s.startswith("a "):
        s = "one " + s[2:]
    if s == "one dozen":
        return 12.0
    total = cur = 0.0
    seen = False
    for w in re.split(r"[\s-]+", s):
        if w in _UNITS:
            cur += _UNITS[w]
        elif w in _TENS:
            cur += _TENS[w]
        elif w == "hundred":
            cur = (cur or 1) * 100
        elif w in _SCALES:
            total += (cur or 1) * _SCALES[w]
            cur = 0
        elif w == "and":
            continue
        else:
            return None
        seen = True
    return total + cur if seen else None


def _bounds(hedge: str | None, a: float, b: float | None) -> tuple[float | None, float | None]:
    lo, hi = (a, b) if b is not None else (a, a)
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    if hedge is None:
        return lo, hi
    h = hedge.lower()
    if h in _LOWER:
        return lo, None
    if h in ("up to", "fewer than", "less than", "at most", "no more than", "under", "below",
             "a maximum of"):
        return None, hi
    # about / nearly / as many as: within 10%
    return round(lo * 0.9, 6), round(hi * 1.1, 6)


def find_quantities(text: str, *, years: bool = False) -> list[Quantity]:
    """Every figure in ``text``, in order. Years (1500-2099 written alone) are skipped
    unless ``years=True``; so are ordinal-looking and clock-time numbers.

    >>> [q.text for q in find_quantities("In 2016, more than 1,270 IS militants and three "
    ...                                   "civilians died at 4 am.")]
    ['more than 1,270', 'three']
    """
    out: list[Quantity] = []
    for m in QUANTITY_RE.finditer(text):
        hedge = m.group("hedge")
        if m.group("vague"):
            lo, hi = _VAGUE[m.group("vague").lower()]
            lo, hi = float(lo), float(hi)
            if hedge:
                lo, hi = _bounds(hedge, lo, hi)
        else:
            a_txt, b_txt = m.group("a"), m.group("b")
            a = parse_number(a_txt)
            b = parse_number(b_txt) if b_txt else None
            if a is None:
                continue
            if b_txt and b is None:
                b = None
            if not years and b is None and not hedge and _YEAR.match(a_txt.strip()):
                continue
            if b is None and a_txt.strip().lower() == "one" and not hedge:
                continue  # "one of the ..." is rarely a figure
            before = text[max(0, m.start() - 10):m.start()].lower()
            if not hedge and b is None and re.search(
                    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s$",
                    before):
                continue  # "August 21": a day of the month
            after = text[m.end():m.end() + 4].lower()
            if re.match(r"\s?(?:am|pm|a\.m|p\.m)\b", after) or re.match(r"(?:st|nd|rd|th)\b", after):
                continue
            lo, hi = _bounds(hedge, a, b)
        out.append(Quantity(text=m.group(0), start=m.start(), end=m.end(), low=lo, high=hi,
                            hedge=hedge.lower() if hedge else None,
                            percent=bool(m.group("pct"))))
    return out


def figure_key(q: Quantity) -> tuple:
    """What makes two figures "the same figure" (bounds and percent-ness)."""
    return (q.low, q.high, q.percent)


def compatible(a: Quantity, b: Quantity) -> bool:
    """True when the two figures could describe the same count (their bounds overlap).

    >>> x, y, z = (find_quantities(s)[0] for s in ("at least 48", "50", "31"))
    >>> compatible(x, y), compatible(y, z)
    (True, False)
    """
    if a.percent != b.percent:
        return False
    lo = max(v for v in (a.low, b.low, float("-inf")) if v is not None)
    his = [v for v in (a.high, b.high) if v is not None]
    hi = min(his) if his else float("inf")
    return lo <= hi


def same_figure(a: Quantity, b: Quantity) -> bool:
    return figure_key(a) == figure_key(b)
