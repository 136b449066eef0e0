"""Typed data objects that flow through factcheck: ingest -> index -> retrieve -> answer.

Every object is a pydantic model, so it validates on the way in and serialises to JSON
(``model_dump()``) on the way out. Character offsets are ``[start, end)`` into the
article's normalised ``text``; a citation is an offset, never a string searched for again.

Example:
    >>> a = Article.from_text("Title", "Body text.", outlet="Reuters")
    >>> a.id.startswith("title-") and len(a.hash) == 16
    True
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Span = tuple[int, int]

AttributionKind = Literal["direct", "indirect", "mixed", "unattributed"]


def content_hash(title: str, text: str) -> str:
    """A short, stable hash of an article's title and normalised text.

    >>> content_hash("T", "x") == content_hash("T", "x")
    True
    """
    h = hashlib.sha256()
    h.update(title.strip().encode("utf-8"))
    h.update(b"\x00")
    h.update(text.encode("utf-8"))
    return h.hexdigest()[:16]


def slugify(text: str, limit: int = 48) -> str:
    """Lower-case ASCII slug for ids: ``slugify("Hello, World!") == "hello-world"``."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "article"


class Article(BaseModel):
    """One news article after ingest and normalisation.

    ``text`` is the body only (title removed when repeated at the top). ``id`` is given by
    the source (JSON ``id``, file name, CSV id column) or derived from the title and hash.
    """

    model_config = ConfigDict(extra="ignore")

    id: str
    title: str = ""
    text: str
    outlet: str | None = None
    url: str | None = None
    published: str | None = None  # ISO date "YYYY-MM-DD" when it could be parsed
    hash: str = ""
    path: str | None = None  # where it was read from (for reports only)

    @classmethod
    def from_text(cls, title: str, text: str, **meta) -> Article:
        """Build an article, filling ``hash`` and (if not given) ``id``."""
        h = content_hash(title, text)
        art_id = meta.pop("id", None) or f"{slugify(title)}-{h[:8]}"
        return cls(id=art_id, title=title, text=text, hash=h, **meta)


class Attribution(BaseModel):
    """Who a stretch of text is attributed to.

    ``source`` is the speaker as written ("Bali", "he", "the Observatory"); ``speaker`` is the
    resolved full name within the article ("Mustafa Bali") or ``None`` when it could not be
    resolved with confidence (``resolved=False``). ``role`` is the speaker's role/affiliation
    ("SDF official"), ``via`` the outlet it was given to ("Reuters"). ``kind`` is
    ``"unattributed"`` for the outlet's own voice, in which case ``speaker`` names the outlet.
    Spans are character offsets into the article text.
    """

    source: str | None = None
    speaker: str | None = None
    role: str | None = None
    via: str | None = None
    cue: str | None = None
    kind: AttributionKind = "unattributed"
    resolved: bool = True
    source_span: Span | None = None
    cue_span: Span | None = None
    content_span: Span | None = None

    def label(self) -> str:
        """Human-readable source line, e.g. ``SDF official Mustafa Bali (to Reuters)``.

        >>> Attribution(speaker="Mustafa Bali", role="SDF official", via="Reuters",
        ...             kind="indirect").label()
        'SDF official Mustafa Bali (to Reuters)'
        >>> Attribution(speaker="Reuters", kind="unattributed").label()
        'unattributed (Reuters)'
        """
        if self.kind == "unattributed":
            return f"unattributed ({self.speaker})" if self.speaker else "unattributed"
        who = self.speaker or self.source or "unknown source"
        if self.role and self.role.lower() not in who.lower():
            who = f"{self.role} {who}"
        if self.via:
            who += f" (to {self.via})"
        return who


class Sentence(BaseModel):
    """An indexed sentence: its text, offsets into its article and the article's metadata."""

    article_id: str
    text: str
    start: int
    end: int
    position: int  # 0-based sentence number within the article
    title: str = ""
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    attribution: Attribution | None = None


class SourceRef(BaseModel):
    """Another article carrying the same (near-duplicate) sentence."""

    article_id: str
    title: str = ""
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    start: int = 0
    end: int = 0


class Passage(Sentence):
    """A retrieved sentence with its score (higher is better) and its global sentence id.

    ``also_in`` lists other articles with the same sentence (syndicated copies);
    ``scores`` the per-method breakdown of ``score`` (dense, bm25, context, answer type).
    """

    id: int = -1
    score: float = 0.0
    also_in: list[SourceRef] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)


class Rejection(BaseModel):
    """A file or record that could not be ingested, with the reason in one line."""

    path: str
    reason: str


class AddReport(BaseModel):
    """What ``factcheck add`` did."""

    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    duplicates: list[tuple[str, str]] = Field(default_factory=list)  # (new id, existing id)
    rejected: list[Rejection] = Field(default_factory=list)
    sentences: int = 0

    def summary(self) -> str:
        """One line: ``added 2, updated 0, unchanged 1, duplicates 0, rejected 1 (57 sentences)``."""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, duplicates {len(self.duplicates)}, "
            f"rejected {len(self.rejected)} ({self.sentences} sentences indexed)"
        )


# --- answers -----------------------------------------------------------------------------------

QuestionKind = Literal[
    "quantity", "person", "organisation", "date", "place", "speaker", "clause", "claim"
]
Stance = Literal["supports", "refutes", "neutral"]
VerdictLabel = Literal["SUPPORTED", "REFUTED", "CONFLICTING", "NOT_ENOUGH_INFO"]
# Why a question was declined: the articles do not support an answer; the index holds no
# matching articles; the question is not in English (nothing was searched).
DeclineReason = Literal["not_in_articles", "no_articles", "not_english"]


class Citation(BaseModel):
    """A numbered evidence sentence. ``answer_span`` is ``[start, end)`` within
    ``passage.text`` (not the article) where the short answer was taken from."""

    n: int
    passage: Passage
    answer_span: Span | None = None
    stance: Stance | None = None


class Figure(BaseModel):
    """One distinct figure among disagreeing sources, e.g. ``"at least 48"``.

    ``low``/``high`` are the normalised bounds used to compare figures ("dozens" ->
    24..99, "at least 50" -> 50..None); ``citations`` are the numbers of the citations
    that give it and ``sources`` their attributed speakers (one origin counted once).
    """

    value: str
    low: float | None = None
    high: float | None = None
    citations: list[int] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    dates: list[str] = Field(default_factory=list)


class Verdict(BaseModel):
    """The verdict on a claim, with the reason in words."""

    label: VerdictLabel
    reason: str
    confidence: float = 0.0


class Answer(BaseModel):
    """What ``qa.ask`` returns: a short answer, the reply with numbered citations, and the
    signals a fact-checker needs (confidence, abstention, disagreement, verdict)."""

    question: str
    kind: QuestionKind = "clause"
    answer: str | None = None  # verbatim from the evidence; None when abstaining
    reply: str = ""  # plain words with [n] citation markers
    citations: list[Citation] = Field(default_factory=list)
    confidence: float = 0.0
    abstained: bool = False
    declined: DeclineReason | None = None  # set when abstained
    conflict: bool = False  # sources give different figures/answers
    figures: list[Figure] = Field(default_factory=list)
    verdict: Verdict | None = None
    passages: list[Passage] = Field(default_factory=list)  # retrieved, best first
    latency_ms: float = 0.0
