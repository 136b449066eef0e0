"""Attribution relations in one parsed sentence, found with dependency rules.

For every cue (a reporting verb, "according to", a colon before a quotation) the rules find
the **source** (the subject; the agent of a passive; the object of "according to"; the
subject inherited through "declined to say", "..., saying"), the **content** (the clausal
complement, the object, the quotation, or the clause the cue comments on), the **outlet** the
words were given to ("told CNN", "speaking to Reuters", "in an interview with the BBC") and
the speaker's **name** and **role** inside the source phrase ("SDF official | Mustafa Bali").

Works on a spaCy ``Doc`` made by the tagger and parser (no NER, no attribute ruler), with
``offset`` added to every character offset so spans index the article.

Example:
    >>> from qa.nlp import get_nlp                                    # doctest: +SKIP
    >>> doc = get_nlp()("A USA official told Reuters that troops will leave.")  # doctest: +SKIP
    >>> r = sentence_relations(doc)[0]                                # doctest: +SKIP
    >>> doc.text[slice(*r.source)], r.cue_text, r.via                 # doctest: +SKIP
    ('A USA official', 'told', 'Reuters')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa import attribution_lexicon as _lex
from qa.attribution_lexicon import (
    ORG_WORDS,
    PERSON_NOUNS,
    TITLES,
    cue_class,
    cue_prior,
    looks_like_outlet,
    verb_lemma,
)


def learned_priors() -> dict[str, float]:
    return _lex.learned_priors()  # looked up at call time (training swaps it)

Span = tuple[int, int]

SUBJ = ("nsubj", "nsubjpass", "csubj")
COMP = ("ccomp", "xcomp", "dobj", "attr", "oprd", "parataxis", "dative")
CONTENT_PREPS = {"of", "about", "for", "as", "against", "over", "that", "on"}  # "warned of"
ADDRESSEE_VERBS = {"tell", "inform", "brief", "assure", "warn", "remind", "urge", "ask",
                   "advise", "notify", "promise"}
INTERVIEW_HEADS = {"speak", "talk", "tell", "say", "write", "interview", "explain", "confirm",
                   "describe", "comment", "add"}
CONTROL_VERBS = {"allow", "ask", "urge", "tell", "encourage", "invite", "force", "push",
                 "persuade", "convince", "press", "call", "challenge", "dare", "lead", "get"}
RELATIVE = {"who", "that", "which", "whom"}
PRONOUNS = {"he", "she", "they", "it", "i", "we", "you", "him", "her", "them", "us"}
PUNCT_EDGE = set(",;:.!?-–—()[]")  # trimmed from span edges; quotation marks are kept


@dataclass
class Raw:
    """One relation found in a sentence (character spans already offset)."""

    cue: Span
    cue_text: str
    cue_class: str  # speech | belief | other | according | colon
    prior: float
    source: Span | None = None
    source_text: str | None = None
    source_type: str | None = None  # name | pronoun | relative | np
    name: str | None = None  # proper-name part of the source ("Mustafa Bali")
    role: str | None = None  # "SDF official"
    plural: bool = False
    personlike: bool | None = None  # True person, False organisation, None unknown
    antecedent: str | None = None  # for "who said": the noun phrase it refers to
    antecedent_name: str | None = None
    content: Span | None = None
    via: str | None = None
    via_kind: str | None = None  # interview (told/speaking to) | channel (tweeted/posted)
    main: bool = False  # the cue heads the sentence's main clause
    extra: dict = field(default_factory=dict)


def _tok_span(toks, offset: int) -> Span | None:
    toks = [t for t in toks]
    while toks and (toks[0].is_punct and toks[0].text in PUNCT_EDGE or toks[0].is_space):
        toks = toks[1:]
    while toks and (toks[-1].is_punct and toks[-1].text in PUNCT_EDGE or toks[-1].is_space):
        toks = toks[:-1]
    if not toks:
        return None
    return toks[0].idx + offset, toks[-1].idx + len(toks[-1]) + offset


def _range(doc, lo: int, hi: int, offset: int) -> Span | None:
    """Span of tokens lo..hi-1, trimmed of edge punctuation."""
    if lo >= hi:
        return None
    return _tok_span(doc[lo:hi], offset)


def _subtree_range(tok, exclude: set[int] | None = None) -> tuple[int, int] | None:
    idx = [t.i for t in tok.subtree if not exclude or t.i not in exclude]
    return (min(idx), max(idx) + 1) if idx else None


def _is_passive(v) -> bool:
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in v.children)


def _subject(v):
    """The subject token of verb ``v``, climbing through xcomp/conj/participle heads."""
    seen = 0
    cur = v
    while cur is not None and seen < 4:
        seen += 1
        subj = [c for c in cur.children if c.dep_ in SUBJ]
        if subj:
            # several subjects is a parse of text without commas ("... 30 others injured"
            # he said): the one nearest before the verb is the verb's own
            before = [c for c in subj if c.i < cur.i]
            s = before[-1] if len(subj) > 1 and before else subj[0]
            if len(subj) > 1 and _glued_name(s):
                first = _glued_name(s)[0]
                while first.head.i != cur.i:
                    first = first.head
                if first.tag_ in ("NN", "NNS"):
                    s = first  # "A source in Jaish al - Islam": the description heads it
            if s.dep_ == "nsubjpass" or _is_passive(cur):
                agent = [c for c in cur.children if c.dep_ == "agent"]
                if agent:
                    pobj = [c for c in agent[0].children if c.dep_ == "pobj"]
                    return pobj[0] if pobj else None
                if verb_lemma(cur.text) in ("quote", "cite") or cur is not v:
                    return s if cur is not v else s
                return None
            if s.lower_ == "it" and any(c.dep_ in ("ccomp",) for c in cur.children) and \
                    s.i + 1 < len(s.doc) and s.doc[s.i + 1].lower_ in ("is", "was", "'s"):
                return None  # "it is said that"
            return s
        if cur.dep_ == "xcomp":
            # object control: "allows users to mark", "urged him to say" (not for a cue
            # whose object is the content: "want it to ...")
            obj = [c for c in cur.head.children if c.dep_ in ("dobj", "dative") and c.i < cur.i]
            if obj and obj[0].tag_ in ("NNP", "NNPS", "NN", "NNS", "PRP") and \
                    verb_lemma(cur.head.text) in CONTROL_VERBS:
                return obj[0]
        if cur.dep_ in ("xcomp", "conj") or (cur.dep_ == "advcl" and (
                cur.tag_ == "VBG" or any(c.dep_ == "aux" and c.lower_ == "to"
                                         for c in cur.children))):
            cur = cur.head  # "..., saying", "went on Twitter to applaud"
            continue
        if cur.dep_ == "pcomp" and cur.tag_ == "VBG" and cur.head.dep_ == "prep":
            cur = cur.head.head  # "punctuated his list by saying", "impassioned in defending"
            continue
        if cur is v:
            agent = [c for c in cur.children if c.dep_ == "agent"]
            pobj = [c for c in agent[0].children if c.dep_ == "pobj"] if agent else []
            if pobj:
                return pobj[0]  # "Asked by Stephanopoulos ...": no subject, an agent
        if cur.dep_ in ("acl",) and cur.tag_ == "VBG":
            return cur.head  # "officials speaking to reporters said"
        return None
    return None


def _np_tokens(head):
    """The tokens of the noun phrase headed by ``head``: its subtree, cut before a
    relative clause, appositive or participle that follows the head."""
    doc = head.doc
    cut = len(doc)
    for c in head.children:
        if c.i > head.i and c.dep_ in ("relcl", "acl", "appos", "punct") and c.i < cut:
            # the clause's left edge: "the group which relies on ..." ends before "which"
            cut = max(head.i + 1, min(c.i, c.left_edge.i))
        elif c.i > head.i and (c.lower_ in TIME_WORDS or c.dep_ == "prep" and any(
                g.lower_ in TIME_WORDS for g in c.children)) and c.i < cut:
            cut = c.i  # "opposition forces on Sunday", "NGO AFP Sunday"
    keep = {t.i for t in head.subtree if t.i < cut}
    lo = hi = head.i  # the contiguous block around the head (a bad parse may leave gaps)
    while lo - 1 in keep:
        lo -= 1
    while hi + 1 in keep:
        hi += 1
    lo = _np_start(doc, lo, head)
    return list(doc[lo:hi + 1])


TIME_WORDS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
              "january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december", "yesterday", "today",
              "tonight", "earlier", "later", "midnight", "meanwhile", "overnight", "also"}
_PREDET = {"all", "both", "half", "such", "quite", "what", "many"}


def _np_start(doc, lo: int, head) -> int:
    """Where a noun phrase really starts, when text without commas glued other words to its
    front: "On Saturday Abdel Rahman said" -> "Abdel Rahman"; "In Aleppo the Syrian
    Observatory said" -> "the Syrian Observatory"; "killed 13 people MSF said" -> "MSF"."""
    # a determiner inside the phrase starts a new one ("Aleppo the Observatory"), unless a
    # preposition or a pre-determiner links them ("head of the group", "all the men")
    for k in range(head.i, lo, -1):
        t = doc[k]
        if t.lower_ in ("the", "a", "an") and t.dep_ == "det" and lo <= t.head.i <= head.i:
            before = doc[lo:k]
            if not any(x.tag_ in ("IN", "TO", "CC", "POS") or x.lower_ in _PREDET
                       or x.dep_ in ("poss", "predet") for x in before):
                lo = k
            break
    # a compound modifier with its own numeral is a separate phrase ("13 people | MSF")
    for k in range(lo, head.i):
        t = doc[k]
        if t.dep_ == "compound" and t.tag_ in ("NN", "NNS") and any(
                c.dep_ == "nummod" for c in t.children) and (
                doc[k + 1].tag_ in ("NNP", "NNPS") or doc[k + 1].text[:1].isupper()):
            lo = k + 1
    # leading time words the parser took as name parts ("Saturday Abdel Rahman")
    while lo < head.i and doc[lo].lower_ in TIME_WORDS and doc[lo].dep_ in (
            "compound", "npadvmod", "nmod", "advmod", "amod"):
        lo += 1
    return lo


def _name_and_role(head, cue=None) -> tuple[str | None, str | None, bool | None]:
    """Split an NP like "SDF official Mustafa Bali" into ("Mustafa Bali", "SDF official")."""
    toks = _np_tokens(head)
    if head.dep_ in SUBJ and head.tag_ in ("NNP", "NNPS"):
        toks = _glued_name(head) + toks
    if cue is not None and any(t.i == cue.i for t in toks):
        toks = [t for t in toks if (t.i < cue.i) == (head.i < cue.i)]
    toks = [t for t in toks if t.dep_ not in ("det", "poss") or t.i > head.i]
    if not toks:
        return None, None, None
    # the proper-name run that ends at (or contains) the head
    hi = next((k for k, t in enumerate(toks) if t.i == head.i), len(toks) - 1)
    end = hi + 1
    while end < len(toks) and (toks[end].tag_ in ("NNP", "NNPS") or
                               toks[end].text in ("of", "for", "and", "-") and end + 1 < len(toks)
                               and toks[end + 1].tag_ in ("NNP", "NNPS")):
        end += 1
    start = hi
    if toks[hi].tag_ not in ("NNP", "NNPS"):
        start = end = hi + 1
        # "Rami Abdel Rahman head of the Observatory" (no commas): a person's name, then
        # the role noun that heads the phrase
        run = [k for k in range(hi) if toks[k].tag_ in ("NNP", "NNPS") or toks[k].text == "-"
               or toks[k].lower_ in NAME_PARTICLES]
        if (head.lower_ in PERSON_NOUNS | TITLES and run == list(range(hi)) and hi >= 2
                and _personal(toks[:hi])):
            name = " ".join(t.text for t in toks[:hi]).replace(" - ", "-")
            return name, _join(toks[hi:]), True
    else:
        while start > 0 and (toks[start - 1].tag_ in ("NNP", "NNPS") or
                             toks[start - 1].text == "-" or
                             toks[start - 1].text in ("of", "for") and start > 1
                             and toks[start - 2].tag_ in ("NNP", "NNPS")):
            start -= 1
    # leading titles inside the run belong to the role ("US President | Donald Trump")
    while start < end - 1 and (toks[start].text in (".", "-") or
                               toks[start].lower_.rstrip(".") in TITLES | {"u.s", "us", "usa"}
                               and (toks[start].lower_.rstrip(".") in TITLES
                                    or toks[start + 1].lower_ in TITLES)):
        start += 1
    while start < end and toks[start].text in ("-", "of", "for", "and", "."):
        start += 1
    # an organisation, then a person: "Kurdish National Council Mustafa Sino"
    for m in range(end - 3, start - 1, -1):
        if toks[m].lower_ in ORG_WORDS and toks[m + 1].text not in ("of", "for", "and", "-") \
                and _personal(toks[m + 1:end]):
            start = m + 1
            break
    name = " ".join(t.text for t in toks[start:end]).replace(" - ", "-") or None
    if name and all(t.lower_.rstrip(".") in TITLES for t in toks[start:end]):
        name = None
    role_toks = [t for t in toks[:start] if not t.is_punct or t.text in ("-", ".")]
    while role_toks and role_toks[0].text in ("-", "."):
        role_toks = role_toks[1:]
    # "Syrian" alone is no role ("Britain-based" is: the issue's own example)
    role = (_join(role_toks) or None) if name and any(
        t.tag_.startswith("NN") for t in role_toks) else None
    # appositive: "Bali, an SDF official," -> role
    for c in head.children:
        if c.dep_ == "appos" and c.i > head.i and (
                c.lower_ in PERSON_NOUNS | TITLES or c.tag_ in ("NNP", "NNPS")):
            ap = [t for t in _np_tokens(c) if t.dep_ != "det"]
            if len(ap) > 8:
                continue
            if c.tag_ in ("NNP", "NNPS"):
                if name is None:  # "the Observatory's director, Rami Abdel Rahman"
                    name, role2, _ = _name_and_role(c)
                    role = role or role2 or _join(toks[1:] if toks[0].dep_ == "det" else toks)
            elif ap and not role:
                role = _join(ap)
    words = {t.lower_ for t in toks}
    person: bool | None = None
    if words & ORG_WORDS or (name and name.isupper()):
        person = False
    elif role and {w.lower() for w in role.split()} & (PERSON_NOUNS | TITLES) or head.lower_ in PERSON_NOUNS or head.lower_.rstrip("s") in PERSON_NOUNS or name and len(name.split()) >= 2:
        person = True
    return name, role, person


def _personal(toks) -> bool:
    """Whether name tokens look like a person's name: two or more words (particles and
    hyphens aside), no organisation word, not an acronym."""
    words = [t for t in toks if t.text != "-" and t.lower_ not in NAME_PARTICLES]
    return (len(words) >= 2 and all(t.tag_ in ("NNP", "NNPS") for t in words)
            and not any(t.lower_ in ORG_WORDS | TITLES or t.is_upper for t in words))


def _join(toks) -> str:
    out = ""
    for t in toks:
        out += t.text_with_ws if t is not toks[-1] else t.text
    return re.sub(r"\s*-\s*", "-", out).strip(" ,")


def _via(v, src, content_ids: set[int]) -> tuple[str | None, str | None]:
    """The outlet a cue's words were given to, and how ("interview" or "channel")."""
    lem = verb_lemma(v.text) if v is not None else ""
    if lem in ("tweet",):
        return None, "channel"  # posted, not given to an outlet
    if lem in ("post", "write") and any(c.lower_ in ("facebook", "twitter", "instagram",
                                                     "telegram") for c in v.subtree):
        return None, "channel"
    pools = []
    if v is not None:
        pools.append([t for t in v.subtree if t.i not in content_ids])
    if src is not None:
        pools.append(list(src.subtree))
    for pool in pools:
        for t in pool:
            cand = None
            if t.dep_ in ("dobj", "dative") and verb_lemma(t.head.text) in ADDRESSEE_VERBS:
                cand = t
            elif t.dep_ == "pobj" and t.head.lower_ in ("to", "with"):
                h = t.head.head
                if verb_lemma(h.text) in INTERVIEW_HEADS or h.lower_ in ("interview",
                                                                           "statement"):
                    cand = t
            if cand is None:
                continue
            np = _np_tokens(cand)
            text = _join([x for x in np if x.dep_ != "det" or x.i > cand.i])
            full = _join(np)
            if looks_like_outlet(full) or looks_like_outlet(text) or (
                    cand.tag_ in ("NNP", "NNPS") and t.head.head.lower_ == "interview"):
                named = full[4:5].isupper() and full.lower().startswith("the ")
                return (full if named else text), "interview"
    return None, None


QUOTE_GAP = 6  # tokens between a cue and a quotation it introduces or follows
_CLOSING_PUNCT = {",", ".", "?", "!", "…", "-", "—"}


def _quote_regions(doc) -> list[tuple[int, int]]:
    """Token ranges [a, b) inside quotation marks (straight quotes and ``''`` toggle). A
    closing mark before any opening one closes a quotation begun in an earlier sentence:
    the range then starts at 0."""
    out, open_at = [], None
    seen_open = False
    for t in doc:
        ch = t.text
        toggle = ch in ('"', "''")
        closes_earlier = (not seen_open and t.i > 2 and doc[t.i - 1].text in _CLOSING_PUNCT
                          and ch != "“" and ch != "``")
        if ch in ("“", "``") or (toggle and open_at is None and not closes_earlier):
            open_at, seen_open = t.i, True
        elif ch == "”" or toggle:
            if open_at is not None:
                out.append((open_at, t.i + 1))
            elif closes_earlier:
                out.append((0, t.i + 1))  # "... go figure,'' he said in an email."
            open_at, seen_open = None, True
    if open_at is not None:
        out.append((open_at, len(doc)))
    return out


def _quote_near(doc, v, src_ids: set[int]) -> tuple[int, int] | None:
    """The longest quotation in ``v``'s sentence that holds neither ``v`` nor its source."""
    regions = _quote_regions(doc)
    best = None
    for a, b in regions:
        if b - a <= 3 or a <= v.i < b or set(range(a, b)) & src_ids:
            continue
        if not (0 <= a - v.i <= QUOTE_GAP or 0 <= v.i - b < QUOTE_GAP):
            continue  # a quotation further away belongs to another clause
        if best is None or b - a > best[1] - best[0]:
            best = (a, b)
    return best


def _content(v, src_ids: set[int], doc) -> tuple[tuple[int, int] | None, str | None]:
    """Token range of what verb ``v`` attributes, and where it came from: ``comp`` (a
    clausal complement), ``obj`` (an object), ``addr`` (only the addressee: "told
    reporters"), ``quote``, ``head`` (the clause commented on), ``prep`` or ``None``."""
    ids: set[int] = set()
    lem = verb_lemma(v.text)
    priors = learned_priors()
    # content prepositions learned for this lemma, except "spoke to Reuters" (the outlet,
    # kept for ``via``)
    learned = {k for k in (f"c:{lem}|{c.lower_}" for c in v.children if c.dep_ == "prep")
               if k in priors and not (lem in INTERVIEW_HEADS and k.endswith(("|to", "|with")))}
    for o in v.children:
        if o.dep_ == "dobj":
            learned |= {k for k in (f"c:{lem}|{c.lower_}" for c in o.children
                                    if c.dep_ == "prep") if k in priors}
    addressee = lem in ADDRESSEE_VERBS
    has_clause = any(c.dep_ in ("ccomp", "xcomp", "parataxis") for c in v.children)
    prep_ids: set[int] = set()
    kinds: set[str] = set()
    for c in v.children:
        if c.i in src_ids:
            continue
        if c.dep_ in COMP:
            if c.dep_ in ("dobj", "dative") and addressee and has_clause:
                continue
            ids |= {t.i for t in c.subtree}
            kinds.add(c.dep_)
        elif c.dep_ == "prep" and c.i > v.i and (
                c.lower_ in CONTENT_PREPS or f"c:{lem}|{c.lower_}" in learned):
            prep_ids |= {t.i for t in c.subtree}
            if f"c:{lem}|{c.lower_}" in learned:
                kinds.add("lprep")  # "pointed to X", "took a shot at X": learned
    clausal = bool(kinds & {"ccomp", "xcomp", "parataxis"})
    if ids and prep_ids:
        # "described the assault as ...": a prepositional phrase right after the object
        for c in sorted((c for c in v.children if c.i in prep_ids), key=lambda c: c.i):
            sub = {t.i for t in c.subtree}
            if min(sub) == max(ids) + 1 or not clausal and f"c:{lem}|{c.lower_}" in learned:
                ids |= sub
    light = [] if clausal else [c for c in v.children if c.dep_ == "dobj"
                                and c.i not in src_ids]
    for o in light:  # "took a shot at X", "made allegations against X": the phrase's object
        for c in o.children:
            if c.dep_ == "prep" and f"c:{lem}|{c.lower_}" in learned:
                kinds.add("lprep")
                ids = {t.i for t in c.subtree} | ({t.i for t in o.subtree} - {
                    t.i for x in o.children if x.dep_ == "prep" and x is not c
                    for t in x.subtree})
    ids -= src_ids
    addr_only = bool(ids) and addressee and kinds - {"lprep"} <= {"dobj", "dative"}
    if not clausal and (not ids or addr_only) and cue_class(v.text) in ("speech", "belief"):
        # "He tells the crowd: “...”", "''Wow, what a great idea,'' she said in Iowa": the
        # quotation next to the cue, not the addressee or the circumstance, was said
        q = _quote_near(doc, v, src_ids)
        if q is not None:
            return q, "quote"
    if ids:
        return (min(ids), max(ids) + 1), ("comp" if clausal else "addr" if addr_only else "obj")
    if any(c.dep_ == "agent" for c in v.children):
        # "Her view is shared by Warren", "Sanders has been endorsed by X": the passive
        # subject is what the agent holds
        subj = next((c for c in v.children if c.dep_ == "nsubjpass" and c.i not in src_ids),
                    None)
        if subj is not None:
            sub = {t.i for t in subj.subtree} - src_ids
            return (min(sub), max(sub) + 1), "pass"
    h = v.head
    if v.dep_ in ("parataxis", "conj", "advcl", "ccomp") and h is not v and h.i < v.i:
        rest = {t.i for t in h.subtree} - {t.i for t in v.subtree} - src_ids
        if rest:
            return (min(rest), max(rest) + 1), "head"
    prep_ids -= src_ids
    if prep_ids:  # "pointed to X" (a learned preposition), "warned of X"
        return (min(prep_ids), max(prep_ids) + 1), "lprep" if "lprep" in kinds else "prep"
    for a, b in _quote_regions(doc):
        if not set(range(a, b)) & src_ids and b - a > 2:
            return (a, b), "quote"
    return None, None


def quote_regions(text: str, max_len: int = 2500) -> list[Span]:
    """Character regions ``[start, end)`` inside double quotation marks, quotes included.

    Straight quotes toggle; a quote still open at a paragraph break (or after ``max_len``
    characters) ends there, as news style reopens it in the next paragraph.

    >>> t = 'He said: "We go. We stay." Then "more'
    >>> [t[a:b] for a, b in quote_regions(t)]
    ['"We go. We stay."', '"more']
    """
    out: list[Span] = []
    open_at: int | None = None
    for m in re.finditer(r'[“”"]|\n\s*\n', text):
        ch = m.group()
        if ch.startswith("\n"):
            if open_at is not None:
                out.append((open_at, m.start()))
            open_at = None
        elif ch == "“" or (ch == '"' and open_at is None):
            if open_at is not None:
                out.append((open_at, m.start()))
            open_at = m.start()
        elif open_at is not None:
            out.append((open_at, m.end()))
            open_at = None
        if open_at is not None and m.start() - open_at > max_len:
            out.append((open_at, m.start()))
            open_at = None
    if open_at is not None:
        out.append((open_at, len(text)))
    return out


def inside(pos: int, regions: list[Span]) -> bool:
    """True when character ``pos`` lies strictly inside one of ``regions``."""
    return any(a < pos < b - 1 for a, b in regions)


def sentence_relations(doc, offset: int = 0, min_prior: float = 0.0,
                       quotes: list[Span] | None = None) -> list[Raw]:
    """Every attribution relation in one parsed sentence, in text order.

    Cues inside a quotation (``quotes``, article offsets) are left out: words inside a quote
    belong to the quoted speaker, whose attribution covers them."""
    out: list[Raw] = []
    quotes = quotes or []
    for t in doc:
        if quotes and inside(t.idx + offset, quotes):
            continue
        if t.lower_ == "according" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to":
            r = _according(doc, t, offset)
        elif t.tag_.startswith("VB"):
            r = _verb_cue(doc, t, offset, min_prior)
        elif t.text == ":" and 0 < t.i < 10 and t.i + 1 < len(doc):
            r = _colon(doc, t, offset)
        elif t.tag_ in ("NN", "NNS"):
            r = _noun_cue(doc, t, offset)
        elif t.dep_ == "prep":
            r = _prep_cue(doc, t, offset)
        else:
            r = None
        if r is not None:
            out.append(r)
    for r in out:  # nesting: a cue inside another relation's content, or holding one
        for o in out:
            if o is r or not o.content or not r.content:
                continue
            if o.content[0] <= r.cue[0] < o.content[1]:
                r.extra.setdefault("f", []).append(f"nested_in={o.cue_class}")
            if r.content[0] <= o.cue[0] < r.content[1]:
                r.extra.setdefault("f", []).append(f"holds={o.cue_class}")
    for r in out:
        r.extra["f"] = r.extra.get("f", []) + _conjunctions(r)
    return out


def _conjunctions(r: Raw) -> list[str]:
    """Features pairing a relation's cue with its source and content (for the learned
    filter): the source's head noun ("official", "poll") with the cue lemma, where the
    content came from with the cue lemma and the source type, a name or role found."""
    f = r.extra.get("f", [])

    def get(p: str) -> str:
        return next((x.split("=", 1)[1] for x in f if x.startswith(p + "=")), "-")

    lem, st, ct, cls = get("lem"), r.source_type, r.extra.get("ctype", "-"), r.cue_class
    head = r.extra.get("head", "-")
    return [f"lem_ctype={lem}|{ct}", f"lem_hdep={lem}|{get('hdep')}",
            f"st_ct_dep={st}|{ct}|{get('dep')}", f"shead={head}", f"lem_shead={lem}|{head}",
            f"cls_st_ct={cls}|{st}|{ct}", f"main_cls={r.main}|{cls}", f"named={bool(r.name)}",
            f"role={bool(r.role)}", f"nosource={r.source is None}",
            f"slen={min(len((r.source_text or '').split()), 8)}"]


NAME_PARTICLES = {"al", "el", "bin", "ibn", "abu", "abdel", "abdul", "bani", "ould"}


def _glued_name(s, right: bool = False) -> list:
    """Tokens next to subject ``s`` (left of it; right of it with ``right``) that the parser
    split off as sibling subjects at a hyphen: "Talal al - Barazi" for "al-Barazi"."""
    doc = s.doc
    sibs = [c for c in s.head.children if c.dep_ in SUBJ and c is not s]
    out: list = []
    step = 1 if right else -1
    k = s.right_edge.i + 1 if right else s.left_edge.i - 1
    while 0 <= k < len(doc):
        gap = []
        if doc[k].text == "-" and doc[k].head.i == s.head.i and doc[k].dep_ not in SUBJ:
            gap, k = [doc[k]], k + step
        if not 0 <= k < len(doc):
            break
        sb = next((c for c in sibs if (c.left_edge.i if right else c.right_edge.i) == k), None)
        if sb is None or not (gap or sb.text == "-" or doc[k - step].text == "-"
                              or sb.lower_ in NAME_PARTICLES
                              or doc[k - step].lower_ in NAME_PARTICLES):
            break
        toks = list(doc[sb.left_edge.i:sb.right_edge.i + 1])
        out = out + gap + toks if right else toks + gap + out
        k = sb.right_edge.i + 1 if right else sb.left_edge.i - 1
    return out


def _fill_source(r: Raw, s, doc, offset: int, cue=None) -> None:
    if s is None:
        return
    toks = _np_tokens(s) if s.lower_ not in RELATIVE else [s]
    if s.dep_ in SUBJ:
        toks = _glued_name(s) + toks + (_glued_name(s, right=True)
                                        if toks and toks[-1].i == s.right_edge.i else [])
    if cue is not None and any(t.i == cue.i for t in toks):
        # a bad parse put the cue inside its own subject: keep the side the head is on
        toks = [t for t in toks if (t.i < cue.i) == (s.i < cue.i)]
    r.source = _tok_span(toks, offset)
    if r.source is None:
        return
    r.source_text = doc.text[r.source[0] - offset:r.source[1] - offset]
    low = s.lower_
    r.plural = s.tag_ in ("NNS", "NNPS") or low in ("they", "we", "them") or any(
        c.dep_ == "cc" for c in s.children)
    if low in RELATIVE and s.tag_ in ("WP", "WDT", "IN", "DT"):
        r.source_type = "relative"
        ant = s.head.head if s.head.dep_ == "relcl" else None
        if ant is not None:
            r.antecedent = _join([t for t in _np_tokens(ant) if t.i < s.i])
            r.antecedent_name, role, r.personlike = _name_and_role(ant)
            r.role = role
            r.extra["head"] = noun_lemma(ant)
            r.plural = ant.tag_ in ("NNS", "NNPS")
    elif low in PRONOUNS and s.tag_ == "PRP":
        r.source_type = "pronoun"
        r.personlike = low in ("he", "she", "i", "we", "you") or None
    else:
        r.name, r.role, r.personlike = _name_and_role(s, cue)
        r.source_type = "name" if r.name else "np"
        r.extra["head"] = noun_lemma(s)


def _verb_cue(doc, v, offset: int, min_prior: float) -> Raw | None:
    cls = cue_class(v.text)
    if cls is None:
        return None
    prior = cue_prior(v.text)
    if prior < min_prior:
        return None
    if v.dep_ == "acl" and v.tag_ == "VBN" and any(c.dep_ == "agent" for c in v.children):
        return _participle_cue(doc, v, offset, cls, prior)
    if v.dep_ in ("amod", "compound") or (v.dep_ == "acl" and v.tag_ == "VBN"):
        return None
    if v.lower_ == "say" and v.i > 0 and doc[v.i - 1].lower_ in ("'s", "let"):
        return None
    s = _subject(v)
    if cls == "speech":
        s = _inverted_source(v, s)
    src_ids = {t.i for t in s.subtree} if s is not None else set()
    crange, ctype = _content(v, src_ids, doc)
    how = "rule"
    if crange is None:
        how = "rest"
        lo = max([v.i] + [i for i in src_ids if i > v.i]) + 1
        crange = (lo, len(doc)) if lo < len(doc) - 1 else None
    if s is None and crange is None:
        return None
    cue_toks = [x for x in v.children if x.dep_ in ("aux", "auxpass", "neg", "prt")
                and x.i >= v.i - 3] + [v]
    cue_toks.sort(key=lambda x: x.i)
    r = Raw(cue=(cue_toks[0].idx + offset, v.idx + len(v) + offset),
            cue_text=doc.text[cue_toks[0].idx:v.idx + len(v)], cue_class=cls, prior=prior)
    _fill_source(r, s, doc, offset, v)
    if crange is not None:
        r.content = _range(doc, crange[0], crange[1], offset)
    content_ids = set(range(*crange)) if crange else set()
    r.via, r.via_kind = _via(v, s, content_ids)
    h = v.head
    r.main = v.dep_ == "ROOT" or (
        h.dep_ == "ROOT" and v.dep_ in ("parataxis", "conj", "ccomp", "advcl")
        and any(c.dep_ in SUBJ for c in v.children))
    r.extra["f"] = _features(v, s, r, how)
    r.extra["ctype"] = ctype if how == "rule" else "rest"
    r.extra["f"].append(f"ctype={r.extra['ctype']}")
    return r


_QUOTE_END = re.compile(r"[”\"]\s*$|''\s*$")


def neighbour_content(r: Raw, text: str, spans: list[Span], i: int) -> None:
    """Content in the next or previous sentence, for a cue whose own sentence does not
    hold it: "Cruz continued:" before a quotation (the next sentence), or "Renteria told
    reporters during the call." after one (the previous sentence). Adds a feature saying so."""
    s, e = spans[i]
    sent = text[s:e].rstrip()
    ctype = r.extra.get("ctype")
    if r.cue_class not in ("speech", "belief", "other") or ctype in ("comp", "quote"):
        return
    if sent.endswith(":") and i + 1 < len(spans) and (
            r.content is None or s + len(sent) - r.content[1] <= 2):  # "... statement:"
        r.content = spans[i + 1]
        r.extra.setdefault("f", []).append("nb=next")
        return
    if (ctype in (None, "addr") or ctype == "rest" and r.cue_class == "speech") and i > 0 and not re.search(r"[\"“”]|''", sent) and _QUOTE_END.search(
            text[spans[i - 1][0]:spans[i - 1][1]].rstrip()) and r.main:
        r.content = spans[i - 1]
        r.extra.setdefault("f", []).append("nb=prev")


def _participle_cue(doc, v, offset: int, cls: str, prior: float) -> Raw | None:
    """A participle with an agent after a noun: "a move first reported by MSNBC", "tax
    breaks favored by Republicans": the agent is the source, the noun phrase the content."""
    agent = next(c for c in v.children if c.dep_ == "agent")
    s = next((c for c in agent.children if c.dep_ == "pobj"), None)
    if s is None:
        return None
    noun = v.head
    ids = {t.i for t in noun.subtree} - {t.i for t in v.subtree}
    if not ids:
        return None
    r = Raw(cue=(v.idx + offset, v.idx + len(v) + offset), cue_text=v.text, cue_class=cls,
            prior=prior)
    _fill_source(r, s, doc, offset, v)
    r.content = _range(doc, min(ids), max(ids) + 1, offset)
    if r.source is None or r.content is None:
        return None
    lem = verb_lemma(v.text)
    r.extra["ctype"] = "acl"
    r.extra["f"] = [f"lem={lem}", "how=acl", f"cls={cls}", f"stype={r.source_type}",
                    f"src={s.tag_}", f"hdep={noun.dep_}", f"pb={int(prior * 10)}",
                    f"person={r.personlike}", f"lem_how={lem}|acl"]
    return r


def _inverted_source(v, s):
    """The source after the verb in an unpunctuated inversion: "rebel fire killed 1102
    people said the Observatory adding ..." (the parser takes "people" for the subject and
    "the Observatory" for the subject of "adding"). Applies only when the attributed clause
    comes before the verb and a noun phrase right after it ends the clause."""
    doc = v.doc
    if v.i + 1 >= len(doc) or not any(c.dep_ in ("ccomp", "parataxis") and c.i < v.i
                                      for c in v.children):
        return s
    if verb_lemma(v.text) in ADDRESSEE_VERBS:
        return s  # "officials have told the Guardian": the object is the addressee
    if s is not None and not (s.tag_ == "CD" or any(c.dep_ == "nummod" for c in s.children)):
        return s  # a real subject before the verb: "..., he said", "..., officials said"
    k = v.i + 1
    if doc[k].lower_ not in ("the", "a", "an") and doc[k].tag_ not in ("NNP", "NNPS"):
        return s
    while k + 1 < len(doc) and doc[k + 1].tag_ in ("NNP", "NNPS", "NN", "NNS", "JJ", "HYPH",
                                                   "DT") and doc[k + 1].lower_ != "that":
        k += 1
    h = doc[k]
    if h.tag_ not in ("NNP", "NNPS", "NN", "NNS"):
        return s
    after = doc[k + 1] if k + 1 < len(doc) else None
    if after is not None and not (after.is_punct or after.tag_ == "VBG"
                                  or after.lower_ in ("on", "in", "late", "early")
                                  or after.lower_ in TIME_WORDS):
        return s
    return h


def _features(v, s, r: Raw, how: str) -> list[str]:
    """Sparse features of a verb cue for the learned filter (qa.attribution_model)."""
    lem = verb_lemma(v.text)
    deps = {c.dep_ for c in v.children}
    aux = {c.lower_ for c in v.children if c.dep_ == "aux"}
    src = s.lower_ if s is not None and s.tag_ == "PRP" else (
        "rel" if r.source_type == "relative" else (s.tag_ if s is not None else "none"))
    comp = next((d for d in ("ccomp", "xcomp", "dobj", "parataxis", "prep") if d in deps),
                "nocomp")
    f = [f"lem={lem}", f"cls={r.cue_class}", f"tag={v.tag_}", f"dep={v.dep_}",
         f"hdep={v.head.dep_}", f"src={src}", f"stype={r.source_type}", f"comp={comp}",
         f"how={how}", f"main={r.main}", f"lem_comp={lem}|{comp}", f"lem_tag={lem}|{v.tag_}",
         f"lem_dep={lem}|{v.dep_}", f"lem_src={lem}|{src}", f"cls_comp={r.cue_class}|{comp}",
         f"cls_dep={r.cue_class}|{v.dep_}", f"via={r.via is not None}"]
    if "neg" in deps:
        f.append("neg")
    for a in aux & {"would", "could", "will", "might", "may", "can", "should", "to"}:
        f.append(f"aux={a}")
        f.append(f"lem_aux={lem}|{a}")
    if "mark" in deps:
        f.append("mark=" + next(c.lower_ for c in v.children if c.dep_ == "mark"))
    if s is not None and s.i > v.i:
        f.append("inverted")
    if any(c.text in ('"', "“", "”") for c in v.doc):
        f.append("sent_has_quote")
    doc = v.doc
    f.append(f"lem_stype_comp={lem}|{r.source_type}|{comp}")
    f.append(f"cls_src_comp={r.cue_class}|{src}|{comp}")
    f.append(f"person={r.personlike}")
    f.append(f"lem_person={lem}|{r.personlike}")
    f.append(f"pb={int(r.prior * 10)}")
    f.append(f"prev={doc[v.i - 1].lower_ if v.i else '<s>'}")
    f.append(f"next={doc[v.i + 1].lower_ if v.i + 1 < len(doc) else '</s>'}")
    f.append("deps=" + "+".join(sorted(deps - {"punct"})))
    if s is not None:
        f.append(f"sh={s.lower_}")
        f.append(f"sdist={min(abs(v.i - s.i), 6)}")
    if r.content:
        n = r.content[1] - r.content[0]
        f.append(f"clen={min(n.bit_length(), 9)}")
    return f


DOCUMENT_NOUNS = {"information", "report", "reports", "data", "figures", "statement",
                  "statements", "statistics", "tally", "toll", "count", "estimate",
                  "estimates", "account", "accounts", "documents", "records", "findings"}


def _behind_document(tok):
    """ "according to the information provided by X" / "figures from X": X is the source."""
    if tok.lower_ not in DOCUMENT_NOUNS:
        return tok
    for c in tok.children:
        if c.dep_ == "acl":
            for a in c.children:
                if a.dep_ == "agent":
                    p = [x for x in a.children if x.dep_ == "pobj"]
                    if p:
                        return p[0]
        if c.dep_ == "prep" and c.lower_ in ("by", "from", "of"):
            p = [x for x in c.children if x.dep_ == "pobj" and x.tag_ in ("NNP", "NNPS")
                 or x.dep_ == "pobj" and x.lower_ in PERSON_NOUNS | ORG_WORDS]
            if p:
                return p[0]
    return tok


def _according(doc, t, offset: int) -> Raw | None:
    to = doc[t.i + 1]
    pobj = [c for c in to.children if c.dep_ == "pobj"] or [
        c for c in t.children if c.dep_ == "pobj"]
    phrase = {x.i for x in t.subtree} | {x.i for x in to.subtree} | {t.i, to.i}
    if pobj:
        src_tok = _behind_document(pobj[0])
    else:
        nxt = [x for x in doc[to.i + 1:] if not x.is_punct]
        if not nxt:
            return None
        src_tok = nxt[0]
    r = Raw(cue=(t.idx + offset, to.idx + len(to) + offset), cue_text=f"{t.text} {to.text}",
            cue_class="according", prior=1.0)
    r.source = _tok_span(_np_tokens(src_tok), offset)
    if r.source:
        r.source_text = doc.text[r.source[0] - offset:r.source[1] - offset]
    r.name, r.role, r.personlike = _name_and_role(src_tok)
    r.source_type = "name" if r.name else "np"
    r.extra["head"] = noun_lemma(src_tok)
    r.plural = src_tok.tag_ in ("NNS", "NNPS")
    lo, hi = min(phrase), max(phrase) + 1
    before, after = _range(doc, 0, lo, offset), _range(doc, hi, len(doc), offset)
    r.content = before if before and (not after or before[1] - before[0] >= after[1] - after[0]) \
        else after
    r.via, r.via_kind = _via(None, src_tok, set())
    head = t.head
    r.main = head.dep_ == "ROOT" or t.dep_ == "ROOT" or head is t
    r.extra["f"] = ["lem=according", "cls=according", f"stype={r.source_type}",
                    f"hdep={head.dep_}", f"src={src_tok.tag_}"]
    return r


def _colon(doc, t, offset: int) -> Raw | None:
    before = [x for x in doc[:t.i]]
    after = doc[t.i + 1:]
    if not before or not any(x.tag_ in ("NNP", "NNPS", "PRP") for x in before):
        return None
    if any(x.tag_.startswith("VB") for x in before):
        return None  # "X said:" is handled by the verb
    if not any(x.text in ('"', "“", "``", "'", "‘") for x in after[:2]):
        # a headline or transcript turn: "Pence: Flowers won't be at the debate",
        # "WALLACE: Let's start": a short name, then a clause
        name_only = len(before) <= 4 and all(
            x.tag_ in ("NNP", "NNPS", "POS", "HYPH") or x.text in ("-", ".") for x in before)
        if not (name_only and any(x.tag_.startswith("VB") or x.tag_ == "MD" for x in after)):
            return None
    r = Raw(cue=(t.idx + offset, t.idx + 1 + offset), cue_text=":", cue_class="colon",
            prior=1.0)
    r.source = _tok_span(before, offset)
    if r.source:
        r.source_text = doc.text[r.source[0] - offset:r.source[1] - offset]
    head = next((x for x in before if x.head.i >= t.i or x.head == x), before[-1])
    r.name, r.role, r.personlike = _name_and_role(head)
    r.source_type = "name" if r.name else "np"
    r.content = _range(doc, t.i + 1, len(doc), offset)
    r.main = True
    r.extra["f"] = ["lem=colon", "cls=colon", f"stype={r.source_type}"]
    return r


NOUN_SOURCE_PREPS = {"from", "by", "among"}
NOUN_CONTENT_PREPS = {"of", "for", "on", "about", "with", "to", "against", "over", "toward",
                      "towards"}


def noun_lemma(t) -> str:
    """Singular of a common noun: "remarks" -> "remark" (good enough for cue look-up)."""
    w = t.lower_
    if t.tag_ == "NNS":
        if w.endswith("ies") and len(w) > 4:
            return w[:-3] + "y"
        if w.endswith(("ches", "shes", "sses", "xes")):
            return w[:-2]
        if w.endswith("s") and not w.endswith("ss"):
            return w[:-1]
    return w


def _noun_cue(doc, n, offset: int) -> Raw | None:
    """A stance or statement noun: "Christie's praise of Obama", "criticism from Kerry",
    "his claim that ...". Needs a learned prior (PolNeAR train) for the noun."""
    lem = "n:" + noun_lemma(n)
    prior = learned_priors().get(lem)
    if not prior:
        return None
    src = next((c for c in n.children if c.dep_ == "poss"), None)
    how = "poss"
    if src is None:
        for c in n.children:
            if c.dep_ == "prep" and c.lower_ in NOUN_SOURCE_PREPS:
                src = next((x for x in c.children if x.dep_ == "pobj"), None)
                how = c.lower_
                if src is not None:
                    break
    if src is None and n.dep_ in ("dobj", "pobj"):
        # "denied the allegation by Amnesty that ...": the parser hangs "by Amnesty" on
        # the verb; a by/from phrase right after the noun is still the noun's source
        p = next((c for c in n.head.children if c.dep_ == "prep" and c.lower_ in ("by", "from")
                  and c.i == n.right_edge.i + 1), None)
        src = next((x for x in p.children if x.dep_ == "pobj"), None) if p else None
        how = "by_head" if src is not None else how
    if src is None and n.dep_ in ("dobj", "attr") and n.head.tag_.startswith("VB"):
        # "Sanders voiced support for ...", "she is a longtime supporter of Clinton": the
        # subject of the verb the noun completes
        src, how = _subject(n.head), "vsubj"
    if src is None:
        return None
    ids: set[int] = set()
    for c in n.children:
        if c.dep_ == "prep" and c.lower_ in NOUN_CONTENT_PREPS or c.dep_ in ("acl", "ccomp"):
            ids |= {t.i for t in c.subtree}
    clause = _content_clause(n, src)
    if how == "by_head" and clause is None:
        # "... that ..." the parser put on the verb: the clause right after the source
        clause = next((c for c in n.head.children if c.dep_ in ("ccomp", "advcl") and
                       c.i > src.i and _that_clause(c)), None)
    if clause is not None:
        ids |= {t.i for t in clause.subtree}
    ids -= {t.i for t in src.subtree}
    if not ids:
        return None
    r = Raw(cue=(n.idx + offset, n.idx + len(n) + offset), cue_text=n.text, cue_class="noun",
            prior=prior)
    _fill_source(r, src, doc, offset)
    tail = doc.text[r.source[1] - offset - 2:r.source[1] - offset] if r.source else ""
    if tail in ("'s", "’s") or tail[-1:] in ("'", "’") and src.tag_ in ("NNS", "NNPS"):
        cut = 2 if tail in ("'s", "’s") else 1  # "Christie's praise", "the activists' claim"
        r.source = (r.source[0], r.source[1] - cut)
        r.source_text = (r.source_text or "")[:-cut]
    if clause is not None:  # "the claim by X that ...": the clause is X's
        r.extra["clause"] = True
        r.content = _range(doc, min(t.i for t in clause.subtree),
                           max(t.i for t in clause.subtree) + 1, offset)
        if r.source is None or r.content is None:
            return None
        r.extra["f"] = _noun_features(n, src, r, lem, how, prior, True)
        return r
    r.content = _range(doc, min(ids), max(ids) + 1, offset)
    if r.source is None or r.content is None:
        return None
    r.extra["f"] = _noun_features(n, src, r, lem, how, prior, False)
    return r


def _that_clause(c) -> bool:
    """A finite clause opened by "that" (``mark``), or by a quotation."""
    return any(x.dep_ == "mark" and x.lower_ == "that" for x in c.children)


def _content_clause(n, src):
    """The "that" clause completing a statement noun ("the claim by activists that at least
    640 were killed", "Clinton's assertion that ..."), or ``None``."""
    for c in n.children:
        if c.dep_ in ("acl", "ccomp", "relcl") and c.i > n.i and _that_clause(c) and \
                not any(x.i == c.i for x in src.subtree):
            return c
    if src is not None and src.head.dep_ == "prep" and src.head.head == n:
        # "the claim by activists in the suburbs that ...": the clause hangs on the source
        for c in src.subtree:
            if c.dep_ in ("acl", "relcl", "ccomp") and c.i > src.i and _that_clause(c):
                return c
    return None


def _noun_features(n, src, r: Raw, lem: str, how: str, prior: float,
                   clause: bool) -> list[str]:
    return [f"lem={lem}", "cls=noun", f"how={how}", f"stype={r.source_type}",
            f"dep={n.dep_}", f"hdep={n.head.dep_}", f"lem_how={lem}|{how}",
            f"pb={int(prior * 10)}", f"src={src.tag_}", f"nclause={clause}",
            f"lem_nclause={lem}|{clause}", f"how_nclause={how}|{clause}",
            f"hlem={verb_lemma(n.head.text) if n.head.tag_.startswith('VB') else '-'}"]


def prep_key(t) -> str | None:
    """``p:in|poll``: a preposition and the lemma of its object (its tag for a name), the
    unit whose cue prior is learned for prepositional cues ("In a new poll, ...")."""
    if t.dep_ != "prep" or t.tag_ != "IN":
        return None
    pobj = next((c for c in t.children if c.dep_ == "pobj"), None)
    if pobj is None:
        return None
    lem = noun_lemma(pobj) if pobj.tag_ in ("NN", "NNS") else pobj.tag_
    return f"p:{t.lower_}|{lem}"


def _prep_cue(doc, p, offset: int) -> Raw | None:
    """A prepositional cue: "In an NBC News poll released Monday, Clinton leads ...", "For
    South Carolina voters, the economy ...": the object is the source, the clause the
    phrase is attached to (less the phrase) the content. Needs a learned prior (PolNeAR
    train) for the preposition with that kind of object."""
    key = prep_key(p)
    prior = learned_priors().get(key) if key else None
    if not prior:
        return None
    pobj = next(c for c in p.children if c.dep_ == "pobj")
    head = p.head
    ids = {t.i for t in head.subtree} - {t.i for t in p.subtree}
    if not ids:
        return None
    r = Raw(cue=(p.idx + offset, p.idx + len(p) + offset), cue_text=p.text, cue_class="prep",
            prior=prior)
    _fill_source(r, pobj, doc, offset)
    r.content = _range(doc, min(ids), max(ids) + 1, offset)
    if r.source is None or r.content is None:
        return None
    r.main = head.dep_ == "ROOT"
    lem = key.split("|")[0]
    r.extra["f"] = [f"lem={lem}", f"plem={key}", "cls=prep", f"stype={r.source_type}",
                    f"hdep={head.dep_}", f"htag={head.tag_[:2]}", f"src={pobj.tag_}",
                    f"pb={int(prior * 10)}", f"first={p.i == 0 or doc[p.i - 1].is_punct}",
                    f"lem_first={lem}|{p.i == 0}", f"person={r.personlike}",
                    f"before_head={p.i < head.i}"]
    return r
