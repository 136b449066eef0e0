"""``factcheck eval``: run the product on the data in ``../shared/eval`` and score it.

Formats and scoring follow ``../shared/eval/README.md``. Every run builds its own
temporary index from the given corpus; the user's index is never touched.

Example:
    >>> normalize_answer("The 400-to-600 Fighters!")
    '400 to 600 fighters'
    >>> token_f1("400 to 600", "400 to 600 jihadists")
    0.857
"""

from __future__ import annotations

import json
import re
import string
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from qa.index import Index
from qa.ingest import read_paths


def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    s = s.lower()
    s = "".join(" " if ch in string.punctuation or ch in "‘’“”–—" else ch for ch in s)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """True when any normalised answer occurs in the normalised text (on word bounds)."""
    t = f" {normalize_answer(text)} "
    return any(f" {a} " in t for a in (normalize_answer(x) for x in answers) if a)


def exact_match(pred: str | None, golds: list[str]) -> float:
    if pred is None:
        return 0.0
    return float(any(normalize_answer(pred) == normalize_answer(g) for g in golds))


def token_f1(pred: str | None, gold: str) -> float:
    """SQuAD token F1 between two strings (3 decimals)."""
    if pred is None:
        return 0.0
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if not p or not g or same == 0:
        return float(p == g)
    prec, rec = same / len(p), same / len(g)
    return round(2 * prec * rec / (prec + rec), 3)


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def build_temp_index(corpus: list[str], log: Callable[[str], None] = print) -> Index:
    """A fresh index in a temporary folder holding the articles of ``corpus``."""
    tmp = Path(tempfile.mkdtemp(prefix="factcheck-eval-"))
    idx = Index.create(tmp / "index")
    report = idx.add(read_paths(corpus))
    log(f"temporary index: {report.summary()}")
    for r in report.rejected:
        log(f"  rejected {r.path}: {r.reason}")
    return idx


def score_qa(preds: list[dict], gold: list[dict], ks=(1, 5, 10)) -> dict:
    """Retrieval recall@k, answer EM/F1, citation hit rate and abstention figures."""
    by_id = {p["id"]: p for p in preds}
    found = dict.fromkeys(ks, 0)
    n_ret = n_ans = n_unans = 0
    em = f1 = cite_hit = declined = unans_ok = 0.0
    for g in gold:
        p = by_id.get(g["id"])
        if p is None:
            continue
        answers = g.get("answers") or []
        if not answers:
            n_unans += 1
            unans_ok += bool(p.get("abstained"))
            continue
        n_ans += 1
        if p.get("abstained"):
            declined += 1
        em += exact_match(p.get("answer"), answers)
        f1 += max(token_f1(p.get("answer"), a) for a in answers)
        cites = p.get("citations") or []
        if cites and contains_answer(cites[0].get("text", ""), answers):
            cite_hit += 1
        if g.get("article_id") is None:
            continue
        n_ret += 1
        for k in ks:
            if any(x.get("article_id") == g["article_id"] and contains_answer(x["text"], answers)
                   for x in p.get("passages", [])[:k]):
                found[k] += 1
    out: dict = {"questions": len(gold), "answerable": n_ans, "unanswerable": n_unans}
    for k in ks:
        out[f"recall@{k}"] = round(found[k] / n_ret, 4) if n_ret else None
    if n_ans:
        out.update({"exact_match": round(em / n_ans, 4), "f1": round(f1 / n_ans, 4),
                    "first_citation_has_answer": round(cite_hit / n_ans, 4),
                    "declined_answerable": round(declined / n_ans, 4)})
    if n_unans:
        out["abstained_unanswerable"] = round(unans_ok / n_unans, 4)
    lat = sorted(p.get("latency_ms", 0.0) for p in preds)
    if lat:
        out["latency_ms_p50"] = round(lat[len(lat) // 2], 1)
        out["latency_ms_p95"] = round(lat[min(len(lat) - 1, int(len(lat) * 0.95))], 1)
    return out


def qa_prediction(g: dict, idx: Index, k: int = 10) -> dict:
    """One QA prediction row (the README's format) from :func:`qa.answer.ask`."""
    from qa.answer import ask

    t0 = time.perf_counter()
    a = ask(g["question"], index=idx, k=max(k, 10))
    pred = {
        "id": g["id"], "answer": a.answer, "abstained": a.abstained,
        "confidence": round(a.confidence, 4),
        "citations": [{"article_id": c.passage.article_id, "text": c.passage.text,
                       "speaker": _speaker(c.passage), "outlet": _outlet(c.passage)}
                      for c in a.citations],  # when abstaining: the closest passages shown
        "passages": [{"article_id": p.article_id, "text": p.text, "score": round(p.score, 5)}
                     for p in a.passages],
        "kind": a.kind,
    }
    if a.figures:
        pred["figures"] = [f.value for f in a.figures]
    pred["latency_ms"] = round((time.perf_counter() - t0) * 1000, 2)
    return pred


def _speaker(p) -> str | None:
    from qa.sources import speaker_of

    return speaker_of(p)


def _outlet(p) -> str | None:
    a = p.attribution
    if a is not None and a.via:
        return a.via
    return p.outlet


def score_figures(preds: list[dict], gold: list[dict]) -> dict:
    """Conflicts: how many gold figures appear in the answer or the first five citations;
    a reply *shows the disagreement* when at least two do."""
    by_id = {p["id"]: p for p in preds}
    shown = total = showing = 0
    for g in gold:
        figs = g.get("figures") or []
        if not figs:
            continue
        p = by_id.get(g["id"], {})
        texts = [p.get("answer") or ""] + [c.get("text", "") for c in
                                            (p.get("citations") or [])[:5]]
        hit = sum(1 for f in figs if any(contains_answer(t, [f]) or
                                         contains_answer(t.replace(",", ""), [f])
                                         for t in texts))
        shown += hit
        total += len(figs)
        showing += hit >= 2
    if not total:
        return {}
    return {"figures_shown": shown, "figures_total": total, "shows_disagreement": showing}


def eval_qa(corpus: list[str], questions: str, out: str, k: int = 10,
            log: Callable[[str], None] = print, progress=None) -> dict:
    """Build a temporary index from ``corpus``, answer every question, write predictions
    to ``out`` (one JSON object per line, the README's QA format) and return the scores."""
    gold = read_jsonl(questions)
    idx = build_temp_index(corpus, log)
    preds = []
    for i, g in enumerate(gold):
        pred = qa_prediction(g, idx, k=max(k, 10))
        preds.append(pred)
        if progress is not None:
            progress(i + 1, len(gold), "questions")
    write_jsonl(out, preds)
    scores = score_qa(preds, gold)
    scores.update(score_figures(preds, gold))
    return scores


def score_claims(preds: list[dict], gold: list[dict]) -> dict:
    """Accuracy and macro-F1 of verdicts over the gold labels."""
    by_id = {p["id"]: p for p in preds}
    labels = sorted({g["label"] for g in gold})
    pairs = [(g["label"], by_id[g["id"]]["verdict"]) for g in gold if g["id"] in by_id]
    acc = sum(a == b for a, b in pairs) / max(len(pairs), 1)
    f1s = []
    for lab in labels:
        tp = sum(a == lab and b == lab for a, b in pairs)
        fp = sum(a != lab and b == lab for a, b in pairs)
        fn = sum(a == lab and b != lab for a, b in pairs)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    verdicts = Counter(b for _, b in pairs)
    return {"claims": len(pairs), "accuracy": round(acc, 4),
            "macro_f1": round(sum(f1s) / max(len(f1s), 1), 4),
            "verdicts": dict(sorted(verdicts.items()))}


def eval_claims(claims: str, out: str, corpus: list[str] | None = None,
                log: Callable[[str], None] = print, progress=None) -> dict:
    """Give every claim of ``claims`` a verdict and score them.

    Without ``corpus`` each claim is judged on its own gold evidence sentences (they form its
    corpus, as in FEVER); with ``corpus`` a temporary index of those articles is searched.
    Predictions are written to ``out`` in the README's claims format."""
    from qa.answer import ask
    from qa.models import Passage
    from qa.verify import get_verifier, judge

    gold = read_jsonl(claims)
    idx = build_temp_index(corpus, log) if corpus else None
    verifier = get_verifier()
    preds = []
    for i, g in enumerate(gold):
        if idx is not None:
            a = ask(g["claim"], index=idx, k=10, verifier=verifier)
            verdict = a.verdict
            ev = [(c.passage, c.stance or "neutral") for c in a.citations]
        else:
            ps = [Passage(article_id=f"{g['id']}-ev{j}", text=t, start=0, end=len(t),
                          position=j) for j, t in enumerate(g.get("evidence") or [])]
            verdict, stances = judge(g["claim"], ps, verifier, assume_relevant=True)
            ev = [x for _, x in stances]
        preds.append({"id": g["id"], "verdict": verdict.label if verdict else "NOT_ENOUGH_INFO",
                      "confidence": verdict.confidence if verdict else 0.0,
                      "reason": verdict.reason if verdict else "",
                      "evidence": [{"article_id": p.article_id, "text": p.text, "stance": st}
                                   for p, st in ev]})
        if progress is not None:
            progress(i + 1, len(gold), "claims")
    write_jsonl(out, preds)
    return score_claims(preds, gold)


# --- attribution (PolNeAR) ---------------------------------------------------------------------

PRONOUN_SOURCES = {"he", "she", "they", "it", "i", "we", "you", "who", "which", "that", "him",
                   "her", "them", "us", "his", "their", "its", "whom"}


def _overlap(a, b) -> int:
    if not a or not b:
        return 0
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _norm_source(s: str | None) -> str:
    s = re.sub(r"^(the|a|an)\s+", "", (s or "").lower().strip())
    return " ".join(re.findall(r"[a-z0-9]+", s))


def _antecedent(gold: list[dict], i: int) -> str | None:
    """The nearest gold source before relation ``i`` that is not a pronoun."""
    start = (gold[i].get("source_span") or [0])[0]
    best = None
    for g in gold:
        sp = g.get("source_span")
        if (sp and sp[0] < start and _norm_source(g.get("source")) not in PRONOUN_SOURCES
                and (best is None or sp[0] > best[0])):
            best = (sp[0], g.get("source"))
    return best[1] if best else None


def _source_right(g: dict, p: dict, gold: list[dict], gi: int) -> bool:
    if not g.get("source_span") or not (p.get("source_span") or p.get("source")):
        return False
    if _overlap(g["source_span"], p.get("source_span")) > 0:
        return True
    if _norm_source(g.get("source")) in PRONOUN_SOURCES:
        named = {_norm_source(p.get("source")), _norm_source(p.get("speaker"))} - {""}
        ante = _norm_source(_antecedent(gold, gi))
        # the pronoun itself, or the speaker it stands for (same name, or a part of it)
        return bool(named & {_norm_source(g.get("source"))}) or any(
            ante and (n == ante or n in ante.split() or ante in n) for n in named)
    return False


def score_attribution_doc(pred: list[dict], gold: list[dict]) -> tuple[int, int, int, int]:
    """``(sources right, predicted sources, gold sources, relations matched)`` for one
    document. A predicted relation is matched to at most one gold relation whose content
    span it overlaps (pairs with a right source first, then by overlap)."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            ov = _overlap(g.get("content_span"), p.get("content_span"))
            if ov > 0:
                pairs.append((not _source_right(g, p, gold, gi), -ov, gi, pi))
    pairs.sort()
    used_g, used_p = set(), set()
    right = matched = 0
    for wrong, _, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        matched += 1
        right += not wrong
    n_pred = sum(1 for p in pred if p.get("source_span") or p.get("source"))
    n_gold = sum(1 for g in gold if g.get("source_span"))
    return right, n_pred, n_gold, matched


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


def score_attribution(preds: list[dict], gold: list[dict]) -> dict:
    """Source precision, recall and F1 as ``../shared/eval/README.md`` defines them, plus
    relation (content-overlap) P/R/F1.

    >>> g = [{"id": "d", "attributions": [{"source": "Bali", "source_span": [0, 4],
    ...       "content_span": [10, 20]}]}]
    >>> p = [{"id": "d", "attributions": [{"source": "Bali", "source_span": [0, 4],
    ...       "content_span": [12, 30]}]}]
    >>> score_attribution(p, g)["source_f1"]
    1.0
    """
    by_id = {p["id"]: p.get("attributions", []) for p in preds}
    tp = n_pred = n_gold = rel_tp = rel_pred = rel_gold = 0
    for g in gold:
        grel = g.get("attributions", [])
        prel = by_id.get(g["id"], [])
        a, b, c, m = score_attribution_doc(prel, grel)
        tp, n_pred, n_gold, rel_tp = tp + a, n_pred + b, n_gold + c, rel_tp + m
        rel_pred += len(prel)
        rel_gold += len(grel)
    sp, sr, sf = _prf(tp, n_pred, n_gold)
    rp, rr, rf = _prf(rel_tp, rel_pred, rel_gold)
    return {"documents": len(gold), "gold_relations": rel_gold, "predicted_relations": rel_pred,
            "source_precision": sp, "source_recall": sr, "source_f1": sf,
            "relation_precision": rp, "relation_recall": rr, "relation_f1": rf}


def eval_attribution(docs: str, out: str, progress=None) -> dict:
    """Extract attributions from every document of ``docs`` (PolNeAR-format JSONL:
    ``{"id", "text", "attributions"?}``), write predictions to ``out`` (offsets into each
    ``text``) and, when the documents carry gold ``attributions``, return the scores of
    :func:`score_attribution` (else just the counts)."""
    from qa.attribution import predictions
    from qa.errors import FactcheckError

    try:
        gold = read_jsonl(docs)
    except (OSError, ValueError) as e:
        raise FactcheckError(f"cannot read {docs}: {e}; give a JSONL file of "
                             '{"id", "text", "attributions"} objects') from e
    bad = next((i for i, g in enumerate(gold, 1)
                if not isinstance(g, dict) or not isinstance(g.get("text"), str)
                or "id" not in g), None)
    if bad is not None:
        raise FactcheckError(f"{docs} line {bad} has no \"id\" and \"text\"; each line must "
                             'be {"id", "text", "attributions"}')
    preds = []
    t0 = time.perf_counter()
    for i, g in enumerate(gold):
        preds.append({"id": g["id"], "attributions": predictions(g["text"])})
        if progress is not None:
            progress(i + 1, len(gold), "documents")
    write_jsonl(out, preds)
    secs = time.perf_counter() - t0
    if any("attributions" in g for g in gold):
        scores = score_attribution(preds, gold)
    else:
        scores = {"documents": len(gold),
                  "predicted_relations": sum(len(p["attributions"]) for p in preds)}
    scores["seconds"] = round(secs, 1)
    return scores
