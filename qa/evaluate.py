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
