"""What a question asks for: its kind (the type of the expected answer) and its key terms.

:func:`analyse` reads a question with the shared spaCy pipeline and returns a
:class:`QuestionInfo`: ``kind`` is one of ``quantity`` ("how many/how much"), ``person``,
``organisation`` ("who"), ``speaker`` ("who said/described/told ..."), ``date`` ("when",
"what year"), ``place`` ("where"), ``clause`` (anything else) or ``claim`` (a statement or
a yes/no question, which gets a verdict instead of a short answer).

Example:
    >>> q = analyse("How many fighters remain in the enclave?")        # doctest: +SKIP
    >>> q.kind, q.focus, sorted(q.terms)                                 # doctest: +SKIP
    ('quantity', 'fighters', ['enclav', 'fighter', 'remain'])
    >>> kind_of("Who described the assault as the last battle?")
    'speaker'
    >>> kind_of("Did the SDF agree a ceasefire?"), kind_of("IS has 1,000 fighters left.")
    ('claim', 'claim')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from qa.nlp import get_nlp

# reporting verbs: "who said ...?" is answered from the attribution of the sentence
REPORTING = frozenset(["said", "say", "says", "told", "tell", "tells", "described", "describe", "describes", "claimed", "claim", "claims", "stated", "state", "states", "announced", "announce", "announces", "reported", "report", "reports", "warned", "warn", "warns", "called", "call", "calls", "added", "explained", "argued", "insisted", "denied", "confirmed", "confirm", "confirms", "accused", "accuse", "tweeted", "tweet", "wrote", "write", "writes", "predicted", "predict", "predicts", "estimated", "estimate", "estimates", "blamed", "blame", "blames", "urged", "urge", "urges", "quoted", "admitted", "acknowledged", "alleged", "declared"])

_AUX = ("is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "can", "could",
        "will", "would", "should", "shall", "may", "might", "must", "isn't", "aren't",
        "wasn't", "weren't", "didn't", "doesn't", "don't", "hasn't", "haven't")
_WH = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how", "name",
       "list", "give")
_MID_WH = ("what", "which", "who", "whom", "whose", "when", "where", "how")

# "what/which X": the focus noun decides the kind (generic English, not from eval data)
_FOCUS_KIND = {
    "date": {"year", "years", "date", "day", "month", "century", "decade", "time", "era",
             "period", "season"},
    "place": {"country", "countries", "city", "cities", "town", "towns", "village", "place",
              "region", "province", "state", "area", "location", "capital", "continent",
              "island", "river", "street", "neighbourhood", "neighborhood", "district"},
    "organisation": {"company", "companies", "organisation", "organization", "group",
                     "groups", "team", "party", "agency", "outlet", "newspaper", "network",
                     "militia", "faction", "army", "firm", "university", "institution",
                     "government", "body", "nationality", "ethnicity", "religion"},
    "person": {"person", "man", "woman", "leader", "official", "president", "minister",
               "commander", "spokesman", "spokesperson", "player", "author", "founder"},
    "quantity": {"number", "percentage", "percent", "proportion", "amount", "total", "toll",
                 "count", "share", "rate", "size", "population"},
}
# "what kind/type/sort of X": the answer is an X
_CLASS_NOUNS = frozenset(["kind", "kinds", "type", "types", "sort", "sorts", "form", "forms",
                          "genre", "style", "variety", "class", "category", "name", "names"])
STOP = frozenset(["a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "about", "as", "into", "over", "after", "before", "during", "between", "and", "or", "but", "nor", "so", "yet", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "has", "have", "had", "having", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "that", "this", "these", "those", "there", "here", "it", "its", "they", "them", "their", "he", "him", "his", "she", "her", "we", "us", "our", "you", "your", "i", "me", "my", "mine", "than", "then", "also", "just", "only", "very", "much", "many", "more", "most", "some", "any", "each", "every", "all", "both", "either", "neither", "not", "no", "can", "could", "will", "would", "shall", "should", "may", "might", "must", "s", "'s", "’s"])


@dataclass
class QuestionInfo:
    """The analysed question."""

    text: str
    kind: str
    wh: str | None = None
    focus: str | None = None  # the noun asked about ("fighters" in "how many fighters")
    terms: set[str] = field(default_factory=set)  # stems of content words
    names: list[str] = field(default_factory=list)  # proper nouns / entities in the question
    verb: str | None = None  # main verb (lower case)
    negated: bool = False
    reporting: bool = False  # "who said ..." style
    wh_head: str | None = None  # stem of the word the wh-phrase attaches to ("receive")
    wh_dep: str | None = None  # the wh-phrase's relation to it ("dobj", "nsubj", "pobj")
    wh_prep: str | None = None  # preposition before the wh-phrase ("in what year")
    past: bool = False  # the question is in the past tense ("When did ...", "was built")
    focus_of: str | None = None  # "what kind of forest": "forest" (focus is "kind")
    # tree distance (dependency edges) from the wh-phrase to each content term's stem: the
    # answer should sit as far from those words in the passage ("What did X translate?")
    wh_dist: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=200_000)
def stem(w: str) -> str:
    """A crude, fast stem for matching words across forms (suffixes cut, the past forms of
    common irregular verbs taken back to their base).

    >>> stem("fighters"), stem("killed"), stem("Killing"), stem("required"), stem("require")
    ('fighter', 'kill', 'kill', 'requir', 'requir')
    >>> stem("sang") == stem("sing"), stem("built") == stem("builds")
    (True, True)
    """
    w = w.lower().strip("'’\".,;:!?()[]")
    w = _IRREGULAR.get(w, w)
    for suf, rep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", "e"),
                     ("s", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: len(w) - len(suf)] + rep
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):  # "require" / "required" / "requires"
        w = w[:-1]
    return w


# past tense / participle -> base form of common irregular English verbs (generic English)
_IRREGULAR_TEXT = """arose arise arisen arise awoke awake was be were be been be bore bear borne bear
beat beat beaten beat became become began begin begun begin bent bend bet bet bit bite bitten
bite bled bleed blew blow blown blow broke break broken break bred breed brought bring built
build burnt burn bought buy caught catch chose choose chosen choose came come cost cost crept
creep cut cut dealt deal dug dig did do done do drew draw drawn draw drank drink drunk drink
drove drive driven drive ate eat eaten eat fell fall fallen fall fed feed felt feel fought
fight found find fled flee flew fly flown fly forbade forbid forbidden forbid forgot forget
forgotten forget forgave forgive forgiven forgive froze freeze frozen freeze got get gotten get
gave give given give went go gone go grew grow grown grow hung hang had have heard hear hid
hide hidden hide hit hit held hold hurt hurt kept keep knew know known know laid lay led lead
lent lend let let lain lie lit light lost lose made make meant mean met
meet paid pay put put quit quit read read rode ride ridden ride rang ring rung ring rose rise
risen rise ran run said say saw see seen see sought seek sold sell sent send set set shook
shake shaken shake shone shine shot shoot showed show shown show shut shut sang sing sung sing
sank sink sunk sink sat sit slept sleep slid slide spoke speak spoken speak spent spend spun
spin spread spread sprang spring stood stand stole steal stolen steal stuck stick stung sting
struck strike strove strive swore swear sworn swear swept sweep swam swim swum swim swung swing
took take taken take taught teach tore tear torn tear told tell thought think threw throw
thrown throw understood understand undertook undertake undertaken undertake woke wake wore wear
worn wear wove weave woven weave wept weep won win withdrew withdraw withdrawn
withdraw wrote write written write overtook overtake overtaken overtake oversaw oversee
overseen oversee overthrew overthrow overthrown overthrow rebuilt rebuild retook retake"""
_IRREGULAR = dict(zip(_IRREGULAR_TEXT.split()[::2], _IRREGULAR_TEXT.split()[1::2],
                      strict=True))


def content_terms(text: str) -> set[str]:
    """Stems of the content words of ``text`` (no stop words, no punctuation).

    >>> sorted(content_terms("How many fighters remain in the enclave?"))
    ['enclav', 'fighter', 'remain']
    """
    return {stem(w) for w in re.findall(r"[\w'’-]+", text.lower())
            if w not in STOP and len(w) > 1 and stem(w)}


def kind_of(question: str) -> str:
    """The answer kind from the words alone (no parse). See :func:`analyse`.

    >>> kind_of("When is the US military planning to leave Syria?")
    'date'
    >>> kind_of("What is the capital of Australia?")
    'place'
    """
    q = question.strip().lower()
    words = re.findall(r"[\w'’]+", q)
    if not words:
        return "clause"
    first = words[0]
    # "In what year ...", "During which ..."
    lead = words
    while lead and lead[0] in ("in", "on", "at", "during", "by", "to", "for", "from",
                               "since", "according", "approximately", "roughly", "about"):
        lead = lead[1:]
    if lead and lead[0] in _WH:
        words, first = lead, lead[0]
    elif first not in _WH and first not in _AUX:
        # the wh-phrase later on: "The rate ... was how many square miles?", "... published
        # in what year?", "Comb like bands of cilia are called what?" (a relative "which" /
        # "who" in a statement without a question mark stays a statement)
        asked = q.rstrip().endswith("?")
        i = next((j for j, w in enumerate(words[1:], 1) if w in _MID_WH
                  and (asked or w in ("what", "how"))), None)
        if i is not None:
            words, first = words[i:], words[i]
    if first in ("who", "whom", "whose"):
        if len(words) > 1 and words[1] in REPORTING:
            return "speaker"
        return "person"
    if first == "when":
        return "date"
    if first == "where":
        return "place"
    if first == "how":
        nxt = words[1] if len(words) > 1 else ""
        if nxt in ("many", "much", "large", "big", "old", "far", "high", "tall", "long",
                   "wide", "deep", "heavy", "often", "fast"):
            return "quantity"
        return "clause"
    if first in ("what", "which", "name"):
        for w in words[1:5]:
            if w in STOP and w not in ("many", "much"):
                continue
            for kind, nouns in _FOCUS_KIND.items():
                if w in nouns:
                    return kind
            # "what is the capital of": the first content noun decides
        for w in words[1:8]:
            for kind in ("date", "place", "quantity"):
                if w in _FOCUS_KIND[kind] and words[words.index(w) - 1] in ("the", "what",
                                                                            "which"):
                    return kind
        return "clause"
    if first in _WH or (q.rstrip().endswith("?") and any(w in _MID_WH for w in words)):
        return "clause"
    if first in _AUX and " or " not in q:
        return "claim"
    if not question.rstrip().endswith("?") and len(words) >= 3:
        return "claim"
    return "clause"


@lru_cache(maxsize=2048)
def _parse(question: str):
    return get_nlp()(question)


def _tree_distances(doc, src: int, terms: set[str]) -> dict[str, int]:
    """Dependency-tree distance from token ``src`` to the nearest token of each stem in
    ``terms`` (stems not in the parse are left out)."""
    adj: list[list[int]] = [[] for _ in doc]
    for t in doc:
        if t.head.i != t.i:
            adj[t.i].append(t.head.i)
            adj[t.head.i].append(t.i)
    d = {src: 0}
    frontier = [src]
    while frontier:
        nxt = []
        for u in frontier:
            for v in adj[u]:
                if v not in d:
                    d[v] = d[u] + 1
                    nxt.append(v)
        frontier = nxt
    out: dict[str, int] = {}
    for i, dd in d.items():
        st = stem(doc[i].text)
        if i != src and st in terms and dd < out.get(st, 99):
            out[st] = dd
    return out


def analyse(question: str) -> QuestionInfo:
    """Parse ``question`` once (cached) and return what it asks for."""
    kind = kind_of(question)
    doc = _parse(question)
    info = QuestionInfo(text=question, kind=kind, terms=content_terms(question))
    words = [t.lower_ for t in doc]
    info.wh = next((w for w in words[:4] if w in _WH), None)
    if info.wh is None and kind != "claim":
        info.wh = next((w for w in words if w in _MID_WH), None)
    info.names = [e.text for e in doc.ents if e.label_ not in ("CARDINAL", "ORDINAL")
                  and not any(t.lower_ in _WH for t in e)]
    for t in doc:
        if t.pos_ == "PROPN" and not any(t.text in n for n in info.names):
            info.names.append(t.text)
    info.negated = any(t.dep_ == "neg" or t.lower_ in ("not", "never", "no") for t in doc)
    info.past = any(t.tag_ in ("VBD", "VBN") and t.dep_ in ("ROOT", "aux", "auxpass")
                    or t.lower_ in ("did", "was", "were", "had") for t in doc)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    verbs = [t for t in doc if t.pos_ == "VERB"]
    v = verbs[0] if verbs else root
    info.verb = v.lower_ if v is not None else None
    info.reporting = kind == "speaker" or bool(info.verb and info.verb in REPORTING
                                                and info.wh in ("who", "whom"))
    if kind == "speaker":
        info.reporting = True
    wh_tok = next((t for t in doc if t.lower_ in ("what", "which", "who", "whom", "whose",
                                                  "when", "where", "how")), None)
    if wh_tok is not None:
        phrase = wh_tok
        # "what year" / "how many fighters": the phrase is headed by the noun
        if wh_tok.dep_ in ("det", "amod", "advmod", "nummod") and wh_tok.head.pos_ in (
                "NOUN", "PROPN", "ADJ"):
            phrase = wh_tok.head
        if phrase.lower_ in ("many", "much") and phrase.head.pos_ in ("NOUN", "PROPN"):
            phrase = phrase.head
        info.wh_dep = phrase.dep_
        h = phrase.head
        if h.dep_ == "prep" and h.head.i != h.i:
            info.wh_prep, info.wh_dep = h.lower_, "pobj"
            h = h.head
        if h.i != phrase.i:
            info.wh_head = stem(h.text)
        info.wh_dist = _tree_distances(doc, phrase.i, info.terms)
    # focus noun: "how many X", "what X"
    for i, t in enumerate(doc):
        if t.lower_ in ("many", "much", "what", "which") and i + 1 < len(doc):
            for u in doc[i + 1: i + 5]:
                if u.pos_ in ("NOUN", "PROPN"):
                    info.focus = u.lower_
                    break
                if u.pos_ in ("VERB", "AUX"):
                    break
            if info.focus:
                break
    # "what kind of forest", "what type of surveys": the noun after "of" is what is asked
    for i, t in enumerate(doc[:-2]):
        if t.lower_ == info.focus and t.lower_ in _CLASS_NOUNS and doc[i + 1].lower_ == "of":
            u = next((u for u in doc[i + 2: i + 5] if u.pos_ in ("NOUN", "PROPN")), None)
            if u is not None:
                info.focus_of = u.lower_
            break
    return info
