"""Web-page leftovers around an article body: page furniture and a leading dateline.

Scraped articles (FA-KES among them) keep what the page put around the story: tag lists,
"Related News" / "Read Also" blocks, copyright and share lines at the end, and a dateline
("BEIRUT (Reuters) -", "Aleppo SANA-", "MOSCOW October 1 (RIA Novosti) -") glued onto the first
sentence, where it would be read as that sentence's speaker. :func:`clean_body` removes them
before the text is stored, so sentence offsets index the cleaned text. The rules look at the
shape of the text (position, capitals, brackets, dashes), not at particular outlets.

Example:
    >>> clean_body("BEIRUT (Reuters) - Rebels shelled the city. Tags Syria Aleppo war")
    'Rebels shelled the city.'
    >>> clean_body("Beirut is calm today, officials said.")
    'Beirut is calm today, officials said.'
"""

from __future__ import annotations

import re

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    r"(?:,?\s+(?:" + _MONTHS + r"\.?\s+\d{1,2}(?:,?\s+\d{4})?|\d{1,2}\s+" + _MONTHS
    + r"\.?(?:\s+\d{4})?))?"
)
_CAPS_PLACE = r"[A-Z][A-Z'.-]{3,}(?:\s+[A-Z][A-Z'.-]{2,}){0,2}"
_ANY_PLACE = r"[A-Z][A-Za-z'.-]+(?:\s+[A-Z][A-Za-z'.-]+){0,2}"
_PAREN = r"\([A-Z][\w.&'-]*(?:\s+[\w.&'-]+){0,3}\)"
_DASH = r"\s*[-\u2013\u2014]+\s*"
# Where a dateline may stand: the start of the body, or a sentence start (after ". " or a
# photo caption's closing bracket) near the top.
_AT = r"(?:^|(?<=[.!?\"\u201d)])\s+)"
_AT_OR_YEAR = r"(?:^|(?<=[.!?\"\u201d)])\s+|(?<=\b\d{4})\s+)"  # also after "6 October 2016"
_DATELINES = [
    # "BEIRUT (Reuters) -", "MOSCOW October 1 (RIA Novosti) -", "DAMASCUS (Sputnik)"
    re.compile(_AT_OR_YEAR + r"(" + _CAPS_PLACE + _DATE + r",?\s+" + _PAREN + r"(?:" + _DASH
               + r"|\s+))(?=[\"\u201c]?[A-Z0-9])"),
    # "Beirut (Reuters) -", "Beirut, 3 May (AFP) -" (mixed case needs the dash)
    re.compile(_AT_OR_YEAR + r"(" + _ANY_PLACE + _DATE + r",?\s+" + _PAREN + _DASH
               + r")(?=[\"\u201c]?[A-Z0-9])"),
    # "Aleppo SANA-", "Damascus, SANA -", "Regional NNA -": agency initials then a dash
    re.compile(_AT_OR_YEAR + r"(" + _ANY_PLACE + _DATE + r",?\s+[A-Z]{2,6}" + _DASH
               + r")(?=[\"\u201c]?[A-Z0-9])"),
    # "BEIRUT -", "GENEVA, May 3 -"
    re.compile(_AT_OR_YEAR + r"(" + _CAPS_PLACE + _DATE + _DASH + r")(?=[\"\u201c]?[A-Z0-9])"),
    # bare "BEIRUT At least 15 ..." at the top; not "UNICEF Executive Director ..." (a name
    # run of capitalised words) -- the next word must be followed by a lower-case word.
    re.compile(_AT + r"(" + _CAPS_PLACE + _DATE + r"\s+)(?=[A-Z0-9][\w-]*\s+[a-z0-9])"),
]
_DATELINE_WINDOW = 600  # characters from the top where a dateline may stand

# Blocks that run from a marker to the end of the body.
_TAIL_MARKERS = re.compile(
    r"(?:Related\s+(?:[Nn]ews|[Cc]overage|[Aa]rticles?|[Ss]tories|[Cc]ontent|[Pp]osts)\b"
    r"|(?<=\d\s)Related\b"
    r"|Read\s+(?:Also|More)\b"
    r"|(?<=[.!?\"\u201d)]\s)Tags\s"
    r"|(?<=\s\d\s)Tags\s"
    r"|Copyright\b|\u00a9|All\s+rights\s+reserved"
    r"|Community\s+standards"
    r"|Our\s+Standards\s*:"
    r"|Last\s+Updated?\s*:"
    r"|(?<=[.!?\"\u201d)]\s)(?:Additional\s+)?(?:Reporting|Writing)\s+by\s[^.]{0,200}?Editing\s+by\b"
    r")"
)
# Share buttons left at the very end: "... (Source: X) Twitter".
_TRAILING_BUTTONS = re.compile(
    r"(?:\s+(?:Twitter|Facebook|WhatsApp|Email|Print|Share|Tweet))+\s*$")
# A tag list near the top: "Subtitle. Tags Syria Aleppo ceasefire At least 16 people ..."
_LEAD_TAGS = re.compile(r"(?:^|(?<=[.!?\"\u201d)])\s+)Tags\s")
_NUMBER_WORDS = (
    r"(?:One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Eleven|Twelve|Thirteen|Fourteen|"
    r"Fifteen|Sixteen|Seventeen|Eighteen|Nineteen|Twenty|Thirty|Forty|Fifty|Sixty|Seventy|"
    r"Eighty|Ninety|Hundreds|Thousands|Dozens|Scores)"
)
# Where the story resumes after a tag list: a determiner, quantifier or number word, or a
# capitalised plural noun followed by a preposition or a verb ("Airstrikes in ...").
_STORY_START = re.compile(
    r"\s(?=(?:A|An|The|At\s+least|More\s+than|Some|Nearly|About|Up\s+to|Overnight|"
    + _NUMBER_WORDS + r"|\d[\d,.]*)\s"
    r"|[A-Z][a-z]+s\s+(?:in|on|have|had|were|killed|hit|struck)\s)"
)
_TAGS_MAX = 250  # a tag list is short
# Buttons and counters before the story: "Get short URL 0 15", "Print Tweet Views 1662".
# At most two counters go (and zeros, which do not start a story): "Get short URL 0 85 12
# Daesh terrorists ..." keeps its "12".
_LEAD_BUTTONS = re.compile(
    r"^(?:(?:Get\s+short\s+URL|Print|Tweet|Share|Email|Views)(?:\s+\d+){0,2}(?:\s+0)*\s+"
    r"(?=[A-Z0-9\"\u201c]))+")
# Counters and an ellipsis left after the last sentence: "... said. ... 0 0".
_TRAILING_COUNTS = re.compile(r"(?<=[.!?\"\u201d])(?:\s+\.\.\.)?(?:\s+\d{1,6})+\s*$")


# Reporting words: if one follows a marker, the story goes on (an inline "Related Coverage"
# box in the middle of a wire story), and the marker does not start the page's tail.
_STORY_GOES_ON = re.compile(r"\b(?:said|says|told|reported|according\s+to)\b")


def _strip_tail(text: str) -> str:
    half = len(text) // 2
    for m in _TAIL_MARKERS.finditer(text):
        if m.start() >= half and not _STORY_GOES_ON.search(text, m.end()):
            text = text[:m.start()].rstrip()
            break
    text = _TRAILING_BUTTONS.sub("", text)
    return _TRAILING_COUNTS.sub("", text)


_FUNCTION_WORD = re.compile(r"\b(?:the|a|an|of|in|on|to|was|were|is|are|and|or|said)\b")


def _resumes_subtitle(text: str, sub_end: int, lo: int, hi: int) -> int | None:
    """Where, after a tag list, two words of the subtitle before it come back in order.

    >>> t = "British scientists saw an Attack. Tags Syria Attack British scientists said so."
    >>> t[_resumes_subtitle(t, 33, 39, len(t)):]
    'British scientists said so.'
    """
    words = re.findall(r"[A-Za-z][\w-]*", text[:sub_end].lower())
    pairs = set(zip(words, words[1:], strict=False))
    # a capitalised word then a lower-case one: tags are capitalised pairs ("Chemical Attack")
    for w in re.finditer(r"\b([A-Z][\w-]*)\s+([a-z][\w-]*)", text[lo:hi]):
        if (w.group(1).lower(), w.group(2).lower()) in pairs:
            return lo + w.start()
    return None


def _strip_lead_tags(text: str) -> str:
    m = _LEAD_TAGS.search(text, 0, _DATELINE_WINDOW)
    if not m:
        return text
    seg_end = min(len(text), m.end() + _TAGS_MAX)
    stop = text.find(". ", m.end(), seg_end)
    s = _STORY_START.search(text, m.end() - 1, stop if stop >= 0 else seg_end)
    if s:
        cut = s.start() + 1
    elif stop >= 0 and not _FUNCTION_WORD.search(text, m.end(), stop):
        cut = stop + 2  # "Tags Syria Aleppo truce sniper fire. An adult ...": all keywords
    else:
        cut = _resumes_subtitle(text, m.start(), m.end(), stop if stop >= 0 else seg_end)
        if cut is None:
            return text  # no clear end of the tag list: leave the text as it is
    return (text[:m.start()].rstrip() + " " + text[cut:]).strip()


def strip_dateline(text: str) -> tuple[str, str | None]:
    """Remove one dateline near the top of ``text``; return the text and the dateline.

    >>> strip_dateline("Aleppo SANA-Terrorists fired shells.")
    ('Terrorists fired shells.', 'Aleppo SANA-')
    >>> strip_dateline("Damascus hosted talks on Monday.")
    ('Damascus hosted talks on Monday.', None)
    """
    best = None
    for rx in _DATELINES:
        m = rx.search(text, 0, min(len(text), _DATELINE_WINDOW + 80))
        if m and m.start(1) < _DATELINE_WINDOW and (best is None or m.start(1) < best.start(1)):
            best = m
    if best is None:
        return text, None
    head, tail = text[:best.start(1)], text[best.end(1):]
    joined = (head.rstrip() + (" " if head.strip() else "") + tail).strip()
    return joined, best.group(1).strip()


def clean_body(text: str) -> str:
    """Body without trailing page furniture, a leading tag list or a leading dateline.

    >>> clean_body("Tags Syria Idlib Russia A hospital was hit. Read Also")
    'A hospital was hit.'
    """
    if not text:
        return text
    out = _strip_tail(_LEAD_BUTTONS.sub("", text))
    out = _strip_lead_tags(out)
    out, _ = strip_dateline(out)
    return out if any(c.isalnum() for c in out) else text
