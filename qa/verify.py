"""Verifiers: does an evidence sentence support or refute a claim? And the verdict.

A :class:`Verifier` scores one (claim, evidence) pair and returns a :class:`Stance`:
``supports`` / ``refutes`` / ``neutral`` (not about the claim) with probabilities and the
reason in words. :func:`judge` combines the stances of the retrieved sentences into a
:class:`~qa.models.Verdict`: SUPPORTED, REFUTED, CONFLICTING (relevant sentences on both
sides) or NOT_ENOUGH_INFO (nothing relevant).

* :class:`FeatureVerifier` (default, no NLI model): relevance from word overlap and the
  sentence encoder; support vs refutation from a small logistic model over generic features
  -- words and names of the claim missing from the evidence, numbers that do not match
  (:mod:`qa.quantities`), negation on one side only, embedding similarity. Weights ship in
  ``qa/data/verifier.json`` (recipe: ``python -m qa.train verifier``).
* :class:`CrossEncoderVerifier` wraps a local NLI cross-encoder folder
  (sentence-transformers ``CrossEncoder``) for users who have one: ``FACTCHECK_VERIFIER``.

Example:
    >>> v = FeatureVerifier()                                       # doctest: +SKIP
    >>> s = v.stance("IS still has 1,000 fighters in the enclave",
    ...              "Bali said 400 to 600 jihadists were holed up in the enclave.")
    ...                                                             # doctest: +SKIP
    >>> s.stance, s.reason                                          # doctest: +SKIP
    ('refutes', 'number mismatch: the claim says 1,000, the evidence 400 to 600')
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from qa.models import Passage, Verdict
from qa.quantities import compatible, find_quantities
from qa.question import STOP, stem

DATA = Path(__file__).with_name("data")
VERIFIER_WEIGHTS = DATA / "verifier.json"

# generic English negation and refusal cues (not built from evaluation data)
NEGATION = frozenset(["not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "n't", "cannot", "refused", "refuse", "refuses", "failed", "fail", "fails", "unable", "denied", "deny", "denies", "rejected", "reject", "rejects", "lack", "lacks", "lacked"])
RELEVANT = 0.5  # share of the claim's content words a sentence must carry to be "about" it


@dataclass
class Stance:
    """A sentence's stance on a claim."""

    stance: str  # "supports" | "refutes" | "neutral"
    support: float  # P(supports | relevant)
    relevance: float  # in [0, 1]
    reason: str = ""


@runtime_checkable
class Verifier(Protocol):
    """Anything that scores (claim, evidence) pairs."""

    def stances(self, claim: str, evidence: list[str]) -> list[Stance]:
        ...


def _tokens(text: str) -> list[str]:
    text = re.sub(r"-LRB-|-RRB-|-LSB-|-RSB-|``|''", " ", text)
    return re.findall(r"[\w'’.-]*\w|n't", text)


def _content(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t.lower() not in STOP and t.lower() not in NEGATION
            and not t.isdigit()]


def _names(tokens: list[str]) -> list[str]:
    return [t for i, t in enumerate(tokens) if t[:1].isupper() and i > 0
            and t.lower() not in STOP]


def _negated(tokens: list[str]) -> bool:
    return any(t.lower() in NEGATION or t.lower().endswith("n't") for t in tokens)


FEATURES = ("bias", "cover", "missing", "missing_share", "missing_names", "name_share",
            "num_claim", "num_match", "num_mismatch", "neg_claim", "neg_evidence",
            "neg_xor", "cosine", "len_ratio", "missing_adj_like", "year_mismatch",
            "cover_x_cos", "missing_first", "miss_sim_min", "miss_sim_mean", "substitution",
            "unmatched_evidence_names")


def pair_features(claim: str, evidence: str, cosine: float = 0.0, wordvec=None) -> dict:
    """The features of one (claim, evidence) pair, plus a few facts for the reason.

    ``wordvec(words) -> array`` (unit vectors) enables the word-similarity features: how
    close each claim word missing from the evidence is to its nearest evidence word
    (paraphrase vs. substitution)."""
    ct, et = _tokens(claim), _tokens(evidence)
    cc = _content(ct)
    es = {stem(t) for t in et} | {t.lower() for t in et}
    miss = [t for t in cc if stem(t) not in es and t.lower() not in es]
    names = _names(ct)
    miss_names = [t for t in names if stem(t) not in es and t.lower() not in es]
    cq = find_quantities(claim, years=True)
    eq = find_quantities(evidence, years=True)
    num_match = num_mismatch = 0.0
    pair = None
    for q in cq:
        if any(compatible(q, e) for e in eq):
            num_match += 1
        elif eq:
            num_mismatch += 1
            pair = (q.text, min(eq, key=lambda e: abs((e.low or e.high or 0)
                                                      - (q.low or q.high or 0))).text)
    years_c = set(re.findall(r"\b(1[5-9]\d\d|20\d\d)\b", claim))
    years_e = set(re.findall(r"\b(1[5-9]\d\d|20\d\d)\b", evidence))
    cover = 1.0 - len(miss) / len(cc) if cc else 0.0
    nc, ne = _negated(ct), _negated(et)
    sim_min = sim_mean = 1.0
    subst = 0.0
    soft = 1.0 - len(miss) / len(cc) if cc else 0.0
    ec = [t for t in _content(et) if not t.isdigit()]
    if wordvec is not None and miss and ec:
        mv = wordvec([t.lower() for t in miss])
        ev = wordvec([t.lower() for t in ec])
        sims = mv @ ev.T
        best = sims.max(1)
        sim_min, sim_mean = float(best.min()), float(best.mean())
        soft = (len(cc) - len(miss) + float(np.clip(best, 0, 1).sum())) / len(cc)
        cset = {stem(t) for t in cc}
        for r in range(len(miss)):
            j = int(sims[r].argmax())
            if 0.45 <= best[r] < 0.95 and stem(ec[j]) not in cset:
                subst += 1
    ev_names = _names(et)
    cl = {t.lower() for t in ct} | {stem(t) for t in ct}
    unmatched = sum(1 for t in ev_names if t.lower() not in cl and stem(t) not in cl)
    f = {
        "bias": 1.0, "cover": cover, "missing": float(len(miss)),
        "missing_share": len(miss) / max(len(cc), 1), "missing_names": float(len(miss_names)),
        "name_share": len(miss_names) / max(len(names), 1), "num_claim": float(len(cq)),
        "num_match": num_match, "num_mismatch": num_mismatch, "neg_claim": float(nc),
        "neg_evidence": float(ne), "neg_xor": float(nc != ne), "cosine": cosine,
        "len_ratio": min(3.0, len(et) / max(len(ct), 1)),
        "missing_adj_like": float(sum(1 for t in miss if t.lower().endswith(
            ("est", "er", "ful", "less", "ous", "ive", "al", "ic", "able")))),
        "year_mismatch": float(bool(years_c and not years_c & years_e)),
        "cover_x_cos": cover * cosine,
        "missing_first": float(bool(cc) and cc[0] in miss),
        "miss_sim_min": sim_min, "miss_sim_mean": sim_mean, "substitution": subst,
        "unmatched_evidence_names": min(5.0, float(unmatched)),
    }
    f["soft_cover"] = soft  # used for relevance only, not a model feature
    facts = {"missing": miss, "missing_names": miss_names, "numbers": pair,
             "neg_claim": nc, "neg_evidence": ne, "cover": cover}
    return {"features": f, "facts": facts}


def reason_for(stance: str, facts: dict) -> str:
    """The reason in words, from the facts :func:`pair_features` found."""
    if stance == "neutral":
        return "the sentence is not about the claim"
    if stance == "refutes":
        if facts.get("numbers"):
            c, e = facts["numbers"]
            return f"number mismatch: the claim says {c}, the evidence {e}"
        if facts.get("neg_claim") != facts.get("neg_evidence"):
            side = "claim" if facts.get("neg_claim") else "evidence"
            return f"negation: only the {side} is negated"
        if facts.get("missing_names"):
            return ("different actor or place: the evidence does not mention "
                    + ", ".join(facts["missing_names"][:3]))
        if facts.get("missing"):
            return "the evidence says otherwise about " + ", ".join(facts["missing"][:3])
        return "the evidence contradicts the claim"
    if facts.get("missing"):
        return "the evidence states it (in other words: " + ", ".join(facts["missing"][:3]) + ")"
    return "the evidence states the same"


def relevance(f: dict) -> float:
    """How much a sentence is about the claim: the share of the claim's content words it
    carries (a word missing from it counts by its similarity to the nearest evidence word),
    blended with the sentence embedding similarity."""
    return 0.5 * f.get("soft_cover", f["cover"]) + 0.5 * max(0.0, f["cosine"])


def adjust(p: float, f: dict) -> float:
    """The model's P(supports) after the one hard rule: a figure of the claim that the
    evidence contradicts (and none it matches) outweighs word overlap."""
    if f["num_mismatch"] and not f["num_match"]:
        return min(p, 0.2)
    return p


def expand(z: np.ndarray) -> np.ndarray:
    """Standardised features (without the bias) and all their pairwise products, the input
    of the stance model: ``n`` features give ``n + n(n+1)/2`` columns."""
    z = np.atleast_2d(z)[:, 1:]
    i, j = np.triu_indices(z.shape[1])
    return np.hstack([z, z[:, i] * z[:, j]])


class FeatureVerifier:
    """Logistic stance model over :func:`pair_features` (see module doc).

    Args:
        weights: a ``verifier.json`` path or dict (default: the shipped one).
        encoder: a sentence encoder for the cosine feature (default: the index's MiniLM,
            loaded on first use); ``False`` to skip it.
    """

    def __init__(self, weights: str | os.PathLike | dict | None = None, encoder=None):
        w = weights if isinstance(weights, dict) else _load(weights or VERIFIER_WEIGHTS)
        self.mean = np.array([w.get("mean", {}).get(k, 0.0) for k in FEATURES])
        self.scale = np.array([w.get("scale", {}).get(k, 1.0) for k in FEATURES])
        n = len(FEATURES) - 1
        coef = w.get("coef")
        if coef is not None and len(coef) == n + n * (n + 1) // 2:
            self.coef, self.intercept = np.array(coef), float(w.get("intercept", 0.0))
        else:  # hand-set linear fallback
            lin = np.array([w["weights"].get(k, 0.0) for k in FEATURES[1:]])
            self.coef = np.concatenate([lin, np.zeros(n * (n + 1) // 2)])
            self.intercept = float(w["weights"].get("bias", 0.0))
        self._encoder = encoder
        self._words: dict[str, np.ndarray] = {}
        self._sents: dict[str, np.ndarray] = {}

    def remember(self, texts: list[str], vectors: np.ndarray) -> None:
        """Seed the sentence-vector cache (e.g. with the index's stored vectors of the
        retrieved passages, so they are not encoded again)."""
        for t, v in zip(texts, vectors, strict=True):
            self._sents[t] = np.asarray(v, dtype=np.float32)
        while len(self._sents) > 20_000:
            self._sents.pop(next(iter(self._sents)))

    def _cosines(self, claim: str, evidence: list[str]) -> list[float]:
        if self._encoder is False or not evidence:
            return [0.0] * len(evidence)
        if self._encoder is None:
            from qa.encoder import get_encoder

            self._encoder = get_encoder()
        todo = [t for t in dict.fromkeys([claim, *evidence]) if t not in self._sents]
        if todo:
            self.remember(todo, self._encoder.encode(todo))
        c = self._sents[claim]
        return [float(self._sents[e] @ c) for e in evidence]

    def _wordvec(self, words: list[str]) -> np.ndarray:
        missing = [w for w in dict.fromkeys(words) if w not in self._words]
        if missing:
            for w, v in zip(missing, self._encoder.encode(missing), strict=True):
                self._words[w] = v
            while len(self._words) > 50_000:
                self._words.pop(next(iter(self._words)))
        return np.vstack([self._words[w] for w in words])

    def featurize(self, claim: str, evidence: list[str], *, prefilter: bool = False
                  ) -> list[dict]:
        """Features of each (claim, evidence) pair. With ``prefilter``, sentences that are
        plainly not about the claim (low overlap and low similarity) skip the costlier
        word-similarity features."""
        cos = self._cosines(claim, evidence)
        wv = self._wordvec if self._encoder is not False else None
        out = []
        for e, c in zip(evidence, cos, strict=True):
            pf = pair_features(claim, e, c, None)
            if wv is not None and not (prefilter and relevance(pf["features"]) < 0.3
                                       and c < 0.35):
                pf = pair_features(claim, e, c, wv)
            out.append(pf)
        return out

    def stances(self, claim: str, evidence: list[str]) -> list[Stance]:
        out = []
        for pf in self.featurize(claim, evidence, prefilter=True):
            f = pf["features"]
            x = (np.array([f[k] for k in FEATURES]) - self.mean) / self.scale
            p = adjust(float(1 / (1 + np.exp(-(expand(x)[0] @ self.coef + self.intercept)))),
                       f)
            rel = relevance(f)
            st = "neutral" if rel < RELEVANT else ("supports" if p >= 0.5 else "refutes")
            out.append(Stance(st, p, rel, reason_for(st, pf["facts"])))
        return out


def _load(path) -> dict:
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return {"weights": {"bias": 0.0, "missing_share": -1.5, "neg_xor": -1.5,
                            "num_mismatch": -1.5, "name_share": -1.0, "cosine": 1.0}}


class CrossEncoderVerifier:
    """A local NLI cross-encoder folder (sentence-transformers ``CrossEncoder`` with labels
    such as contradiction / entailment / neutral). Nothing is downloaded.

    Args:
        path: the model folder.
        labels: the model's label order, default read from its config (``id2label``).
    """

    def __init__(self, path: str | os.PathLike, labels: list[str] | None = None, model=None):
        from qa.errors import FactcheckError

        if model is None:
            p = Path(path)
            if not p.is_dir():
                raise FactcheckError(f"no cross-encoder folder at {p}: set FACTCHECK_VERIFIER "
                                     "to a local NLI cross-encoder folder, or unset it")
            from sentence_transformers import CrossEncoder

            model = CrossEncoder(str(p), local_files_only=True)
        self.model = model
        if labels is None:
            cfg = getattr(getattr(model, "config", None), "id2label", None) or {}
            labels = [str(cfg[i]).lower() for i in sorted(cfg)] or [
                "contradiction", "entailment", "neutral"]
        self.labels = [lab.lower() for lab in labels]

    def stances(self, claim: str, evidence: list[str]) -> list[Stance]:
        if not evidence:
            return []
        scores = np.asarray(self.model.predict([(e, claim) for e in evidence],
                                               apply_softmax=True))
        out = []
        for e, row in zip(evidence, np.atleast_2d(scores), strict=True):
            d = dict(zip(self.labels, map(float, row), strict=False))
            ent = d.get("entailment", 0.0)
            con = d.get("contradiction", 0.0)
            neu = d.get("neutral", 0.0)
            st = max((("supports", ent), ("refutes", con), ("neutral", neu)),
                     key=lambda x: x[1])[0]
            facts = pair_features(claim, e)["facts"]
            out.append(Stance(st, ent / max(ent + con, 1e-9), 1.0 - neu,
                              reason_for(st, facts)))
        return out


def get_verifier(path: str | os.PathLike | None = None) -> Verifier:
    """``path`` or ``$FACTCHECK_VERIFIER`` (a local cross-encoder folder), else the
    built-in :class:`FeatureVerifier`."""
    path = path or os.environ.get("FACTCHECK_VERIFIER")
    if path:
        return CrossEncoderVerifier(path)
    global _default
    if _default is None:
        _default = FeatureVerifier()
    return _default


_default: FeatureVerifier | None = None


def claim_text(claim: str) -> str:
    """A yes/no question as a statement, for comparing with evidence:
    ``"Did the SDF agree a ceasefire?"`` -> ``"the SDF agree a ceasefire"``."""
    c = claim.strip().rstrip("?").strip()
    return re.sub(r"(?i)^(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|"
                  r"should)\s+", "", c)


def judge(claim: str, passages: list[Passage], verifier: Verifier, *,
          assume_relevant: bool = False
          ) -> tuple[Verdict, list[tuple[int, tuple[Passage, str]]]]:
    """The verdict on ``claim`` from ``passages`` and each passage's stance (most decisive
    first): ``(Verdict, [(i, (passage, stance))])``. ``assume_relevant`` treats every
    passage as about the claim (for gold evidence sentences, as in FEVER)."""
    text = claim_text(claim)
    st = verifier.stances(text, [p.text for p in passages])
    if assume_relevant:
        st = [Stance("supports" if s.support >= 0.5 else "refutes", s.support,
                     max(s.relevance, 1.0), s.reason if s.stance != "neutral" else "")
              for s in st]
    rel = [(i, s) for i, s in enumerate(st) if s.stance != "neutral"]
    order = sorted(range(len(st)), key=lambda i: (st[i].stance == "neutral",
                                                  -abs(st[i].support - 0.5) * st[i].relevance))
    stances = [(i, (passages[i], st[i].stance)) for i in order]
    if not rel:
        return Verdict(label="NOT_ENOUGH_INFO", reason="no sentence in the articles is about "
                       "this claim", confidence=0.0), stances
    sup = [(i, s) for i, s in rel if s.stance == "supports"]
    ref = [(i, s) for i, s in rel if s.stance == "refutes"]
    strength = {i: s.relevance * abs(s.support - 0.5) * 2 for i, s in rel}
    best_s = max((strength[i] for i, _ in sup), default=0.0)
    best_r = max((strength[i] for i, _ in ref), default=0.0)
    if sup and ref and min(best_s, best_r) > 0.3:
        i, s = max(sup, key=lambda x: strength[x[0]])
        j, r = max(ref, key=lambda x: strength[x[0]])
        return Verdict(label="CONFLICTING", confidence=round(min(best_s, best_r), 3),
                       reason=f"[{order.index(i) + 1}] supports it ({s.reason}) but "
                              f"[{order.index(j) + 1}] refutes it ({r.reason})"), stances
    if best_s >= best_r:
        i, s = max(sup, key=lambda x: strength[x[0]])
        return Verdict(label="SUPPORTED", reason=s.reason,
                       confidence=round(0.5 + 0.5 * best_s, 3)), stances
    i, s = max(ref, key=lambda x: strength[x[0]])
    return Verdict(label="REFUTED", reason=s.reason,
                   confidence=round(0.5 + 0.5 * best_r, 3)), stances
