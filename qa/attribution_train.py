"""Train the attribution cue filter on PolNeAR train: one command, 5-9 minutes on 2 cores.

    python -m qa.attribution_train                       # writes qa/data/attribution_cues.json
    python -m qa.attribution_train --train FILE --out FILE --cache /tmp/polnear-train.spacy

Steps: split and parse every training article (tagger + parser, as at ingest); learn how often
each verb lemma heads a gold cue (the priors, which widen the candidate lexicon); run the
rules with that lexicon; label each candidate by the scorer's own matching (a candidate is
positive when it is matched to a gold relation and its source is right); fit a logistic
regression (scikit-learn, only needed here); choose the probability threshold that maximises
source F1 of out-of-fold probabilities (4 folds) over four fifths of the training articles;
report source F1 at that threshold on the last fifth, with a model fitted on the other four
(``heldout_source_f1``: never used for fitting or choosing); refit on all articles. Nothing from the dev set is used.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

from qa import attribution_lexicon as lex
from qa.attribution_model import CONTEXT_FEATURES, context_rows, drop_duplicates
from qa.attribution_rules import (
    neighbour_content,
    noun_lemma,
    prep_key,
    quote_regions,
    sentence_relations,
)
from qa.evaluate import _overlap, _source_right, read_jsonl, write_jsonl
from qa.sentences import split_spans
from qa.trees import trees_from_sklearn

_ROOT = Path(__file__).resolve().parents[1]
# ../shared next to the repository (a worktree sits one level deeper)
DEFAULT_TRAIN = next((p / "shared/eval/attribution/polnear_train.jsonl"
                      for p in (_ROOT.parent, _ROOT.parent.parent)
                      if (p / "shared/eval/attribution/polnear_train.jsonl").exists()),
                     _ROOT.parent / "shared/eval/attribution/polnear_train.jsonl")


def parse_all(rows: list[dict], cache: str | None):
    """``[(article id, sentence start, Doc)]`` for every sentence of every article."""
    from spacy.tokens import DocBin

    from qa.nlp import get_nlp

    nlp = get_nlp()
    meta, texts = [], []
    for r in rows:
        for s, e in split_spans(r["text"]):
            meta.append((r["id"], s))
            texts.append(lex.recase_headline(r["text"][s:e]))  # as qa.attribution parses
    if cache and Path(cache).exists():
        docs = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
        if len(docs) == len(texts):
            stale = [i for i, (d, t) in enumerate(zip(docs, texts, strict=True)) if d.text != t]
            for i, d in zip(stale, nlp.pipe([texts[i] for i in stale],
                                            disable=["ner", "attribute_ruler"]), strict=True):
                docs[i] = d  # a cache written before a change in what is parsed
            return [(a, s, d) for (a, s), d in zip(meta, docs, strict=True)]
    docs = []
    for i, d in enumerate(nlp.pipe(texts, disable=["ner", "attribute_ruler"], batch_size=128)):
        docs.append(d)
        if i % 2000 == 0:
            print(f"  parsed {i}/{len(texts)} sentences", file=sys.stderr)
    if cache:
        db = DocBin(store_user_data=False)
        for d in docs:
            db.add(d)
        db.to_disk(cache)
    return [(a, s, d) for (a, s), d in zip(meta, docs, strict=True)]


MIN_VERB_HITS = 1  # a verb seen inside a gold cue (once is enough) becomes a candidate cue


def learn_priors(rows: list[dict], parsed) -> dict[str, float]:
    """Lemma -> (times a verb with this lemma lies inside a gold cue) / (times it occurs)."""
    cues = {r["id"]: [a["cue_span"] for a in r["attributions"] if a.get("cue_span")]
            for r in rows}
    srcs = {r["id"]: [(a["cue_span"], a["source_span"]) for a in r["attributions"]
                      if a.get("cue_span") and a.get("source_span")] for r in rows}
    occ, hit = Counter(), Counter()
    for aid, off, doc in parsed:
        spans = cues[aid]
        for t in doc:
            if t.dep_ in ("aux", "auxpass"):
                continue  # "is expected": the cue is "expect"
            key = prep_key(t)
            if key is not None:  # "In a new poll, ...", "For voters, ...": prep + its object
                occ[key] += 1  # a hit: the preposition is the cue, its object the source
                pobj = next(c for c in t.children if c.dep_ == "pobj")
                hit[key] += any(a <= t.idx + off < b and sa <= pobj.idx + off < sb
                                for (a, b), (sa, sb) in srcs[aid])
                continue
            if t.tag_.startswith("VB"):
                lem = lex.verb_lemma(t.text)
            elif t.tag_ in ("NN", "NNS"):
                lem = "n:" + noun_lemma(t)  # stance and statement nouns
            else:
                continue
            occ[lem] += 1
            p = t.idx + off
            if any(a <= p < b for a, b in spans):
                hit[lem] += 1
    def enough(lem: str) -> bool:
        if lem.startswith(("n:", "p:")):  # nouns and prepositions: frequent, rarely cues
            return hit[lem] >= 3 and hit[lem] / occ[lem] >= 0.05
        return hit[lem] >= MIN_VERB_HITS

    priors = {lem: round(hit[lem] / occ[lem], 4) for lem in hit if enough(lem)}
    priors.update(learn_content_preps(rows, parsed))
    return priors


def learn_content_preps(rows: list[dict], parsed) -> dict[str, float]:
    """``c:point|to`` -> how often the object of this preposition, attached to a gold cue
    verb with this lemma (or to its object), lies in the gold content ("pointed to X",
    "took a shot at X"); kept when it does at least half the time, three times or more."""
    golds = {r["id"]: [(a["cue_span"], a["content_span"]) for a in r["attributions"]
                       if a.get("cue_span") and a.get("content_span")] for r in rows}
    occ, hit = Counter(), Counter()
    for aid, off, doc in parsed:
        for (ca, cb), (sa, sb) in golds[aid]:
            if not (off <= ca < off + len(doc.text)):
                continue
            for v in doc:
                if not (ca <= v.idx + off < cb and v.tag_.startswith("VB")) or \
                        v.dep_ in ("aux", "auxpass"):
                    continue
                heads = [v] + [c for c in v.children if c.dep_ == "dobj"]
                for h in heads:
                    for p in h.children:
                        if p.dep_ != "prep" or p.i < v.i:
                            continue
                        pobj = next((c for c in p.children if c.dep_ in ("pobj", "pcomp")),
                                    None)
                        if pobj is None:
                            continue
                        key = f"c:{lex.verb_lemma(v.text)}|{p.lower_}"
                        occ[key] += 1
                        hit[key] += sa <= pobj.idx + off < sb
    return {k: round(hit[k] / occ[k], 4) for k in hit if hit[k] >= 3 and hit[k] / occ[k] >= 0.5}


def candidates(rows: list[dict], parsed):
    """``{article id: [Raw]}`` with the widened lexicon and no filter."""
    quotes = {r["id"]: quote_regions(r["text"]) for r in rows}
    texts = {r["id"]: r["text"] for r in rows}
    spans = {r["id"]: split_spans(r["text"]) for r in rows}
    index = {aid: {s: k for k, (s, _) in enumerate(sp)} for aid, sp in spans.items()}
    out: dict[str, list] = {r["id"]: [] for r in rows}
    for aid, off, doc in parsed:
        for c in sentence_relations(doc, off, 0.0, quotes[aid]):
            neighbour_content(c, texts[aid], spans[aid], index[aid][off])
            c.extra["sent"] = index[aid][off]  # for the second stage's context
            out[aid].append(c)
    return out


def label(gold: list[dict], cands: list) -> list[int]:
    """1 for candidates the scorer would count as a right source, else 0."""
    preds = [{"source": c.source_text, "source_span": c.source, "content_span": c.content}
             for c in cands]
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(preds):
            ov = _overlap(g.get("content_span"), p.get("content_span"))
            if ov > 0:
                pairs.append((not _source_right(g, p, gold, gi), -ov, gi, pi))
    pairs.sort()
    ug, up, y = set(), set(), [0] * len(cands)
    for wrong, _, gi, pi in pairs:
        if gi in ug or pi in up:
            continue
        ug.add(gi)
        up.add(pi)
        y[pi] = int(not wrong)
    return y


def fit(X: list[list[str]], y: list[int], c: float):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    M = vec.fit_transform([dict.fromkeys(f, 1) for f in X])
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit(M, y)
    return vec, clf


STAGE2 = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15,
          "min_samples_leaf": 40}  # the second stage's trees


def context(docs, cands_by_doc, probs_by_doc):
    """Second-stage rows (:func:`qa.attribution_model.context_rows`) of the candidates of
    ``docs``, stacked, and each document's number of rows."""
    import numpy as np

    X, sizes = [], []
    for r in docs:
        cs = cands_by_doc[r["id"]]
        X += context_rows(cs, list(probs_by_doc[r["id"]]), [c.extra["sent"] for c in cs])
        sizes.append(len(cs))
    return np.array(X, dtype=float).reshape(-1, len(CONTEXT_FEATURES)), sizes


def unstack(docs, flat, sizes) -> dict:
    """``flat`` (one value per candidate, as :func:`context` stacked them) split back into
    ``{document id: values}``."""
    out, k = {}, 0
    for r, n in zip(docs, sizes, strict=True):
        out[r["id"]], k = flat[k:k + n], k + n
    return out


def fit_stage2(X, y):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=0, **STAGE2).fit(X, y)


def source_f1(rows, cands_by_doc, probs_by_doc, thr: float) -> float:
    from qa.evaluate import score_attribution_doc

    tp = n_pred = n_gold = 0
    for r in rows:
        kept = drop_duplicates([(p, c) for c, p in zip(cands_by_doc[r["id"]],
                                                        probs_by_doc[r["id"]], strict=True)
                                if p >= thr])
        preds = [{"source": c.source_text, "source_span": c.source, "content_span": c.content}
                 for c in kept]
        a, b, g, _ = score_attribution_doc(preds, r["attributions"])
        tp, n_pred, n_gold = tp + a, n_pred + b, n_gold + g
    p = tp / n_pred if n_pred else 0
    rec = tp / n_gold if n_gold else 0
    return 2 * p * rec / (p + rec) if p + rec else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the attribution cue filter.")
    ap.add_argument("--train", default=str(DEFAULT_TRAIN), help="PolNeAR-format JSONL")
    ap.add_argument("--out", default=str(lex.LEARNED_CUES), help="weights file to write")
    ap.add_argument("--cache", default=None, help="DocBin file to cache the parses in")
    ap.add_argument("--c", type=float, default=0.1, help="inverse L2 strength")
    ap.add_argument("--holdout-out", default=None,
                    help="write the held-out fifth here and fit without it (for checking "
                         "the whole pipeline on it: factcheck eval attribution --docs FILE)")
    args = ap.parse_args(argv)
    t0 = time.time()
    rows = read_jsonl(args.train)
    print(f"{len(rows)} training articles", file=sys.stderr)
    parsed = parse_all(rows, args.cache)
    priors = learn_priors(rows, parsed)
    print(f"{len(priors)} cue lemmas learned", file=sys.stderr)
    # the candidate lexicon is widened by the priors, without any filter
    lex.learned_priors.cache_clear()
    lex._candidate_re.cache_clear()
    lex.learned_priors = lambda: priors  # noqa: E731 - in-process override for training
    cands = candidates(rows, parsed)
    feats = {r["id"]: [c.extra.get("f", []) for c in cands[r["id"]]] for r in rows}
    ys = {r["id"]: label(r["attributions"], cands[r["id"]]) for r in rows}

    ids = [r["id"] for r in rows]
    random.Random(13).shuffle(ids)
    fifth = len(ids) // 5
    held, tune = set(ids[:fifth]), set(ids[fifth:2 * fifth])  # tune: one of the 4 folds
    ho = [r for r in rows if r["id"] in held]
    tu = [r for r in rows if r["id"] in tune]
    tr = [r for r in rows if r["id"] not in held | tune]

    def probs_for(vec, clf, docs):
        return {r["id"]: (clf.predict_proba(vec.transform([dict.fromkeys(f, 1)
                                                           for f in feats[r["id"]]]))[:, 1]
                          if feats[r["id"]] else []) for r in docs}

    # the threshold: out-of-fold probabilities over the four fifths that are not held out
    rest = tr + tu
    oof: dict[str, list] = {}
    for k in range(4):
        part = [r for j, r in enumerate(rest) if j % 4 == k]
        other = [r for j, r in enumerate(rest) if j % 4 != k]
        vec, clf = fit([f for r in other for f in feats[r["id"]]],
                       [y for r in other for y in ys[r["id"]]], args.c)
        oof.update(probs_for(vec, clf, part))
    best = max((source_f1(rest, cands, oof, t / 100), t / 100) for t in range(20, 71, 2))
    vec, clf = fit([f for r in rest for f in feats[r["id"]]],
                   [y for r in rest for y in ys[r["id"]]], args.c)
    p_ho = probs_for(vec, clf, ho)
    held_f1 = source_f1(ho, cands, p_ho, best[1])
    print(f"first stage: threshold {best[1]} (out-of-fold source F1 {best[0]:.4f}); held-out "
          f"fifth of train at that threshold: source F1 {held_f1:.4f}", file=sys.stderr)

    # the second stage, over the first stage's out-of-fold probabilities, in the same folds
    import numpy as np

    X, sizes = context(rest, cands, oof)
    y = np.array([v for r in rest for v in ys[r["id"]]])
    fold = np.repeat([j % 4 for j in range(len(rest))], sizes)
    oof2 = np.zeros(len(y))
    for k in range(4):
        oof2[fold == k] = fit_stage2(X[fold != k], y[fold != k]).predict_proba(X[fold == k])[:, 1]
    best2 = max((source_f1(rest, cands, unstack(rest, oof2, sizes), t / 100), t / 100)
                for t in range(20, 71, 2))
    Xh, sizes_h = context(ho, cands, p_ho)
    held2 = source_f1(ho, cands, unstack(ho, fit_stage2(X, y).predict_proba(Xh)[:, 1], sizes_h),
                      best2[1])
    print(f"second stage: threshold {best2[1]} (out-of-fold source F1 {best2[0]:.4f}); "
          f"held-out fifth: source F1 {held2:.4f}", file=sys.stderr)
    final = rows
    if args.holdout_out:  # a model that never saw the held-out fifth, for a pipeline check
        write_jsonl(args.holdout_out, ho)
        final = [r for r in rows if r["id"] not in held]
        print(f"held-out fifth written to {args.holdout_out}; fitting on the other "
              f"{len(final)} articles only", file=sys.stderr)
    else:  # the held-out fifth's first-stage probabilities are out-of-sample too
        Xh_y = np.array([v for r in ho for v in ys[r["id"]]])
        X, y = np.vstack([X, Xh]), np.concatenate([y, Xh_y])
    stage2 = trees_from_sklearn(fit_stage2(X, y), list(CONTEXT_FEATURES), digits=6)
    stage2.update(keep_threshold=best2[1], oof_source_f1=round(best2[0], 4),
                  heldout_source_f1=round(held2, 4))
    vec, clf = fit([f for r in final for f in feats[r["id"]]],
                   [y for r in final for y in ys[r["id"]]], args.c)
    weights = {name: round(float(w), 4) for name, w in zip(vec.get_feature_names_out(),
                                                            clf.coef_[0], strict=True)
               if abs(w) >= 1e-3}
    out = {"version": time.strftime("%Y%m%d"), "trained_on": Path(args.train).name,
           "heldout_source_f1": round(held_f1, 4), "threshold": best[1],
           "oof_source_f1": round(best[0], 4), "stage2": stage2,
           "fitted_without_heldout": bool(args.holdout_out),
           "bias": round(float(clf.intercept_[0]), 4), "priors": priors, "weights": weights}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=0, sort_keys=True), "utf-8")
    print(f"wrote {args.out} ({len(weights)} weights) in {time.time() - t0:.0f}s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
