"""Attribution cost at ingest: ``Index.add`` of the bundled articles with and without
attribution, in the same run, rounds interleaved (the machine is shared, so only the ratio
means anything). Goal: attribution adds at most 50% to ingest time.

Also reports the attribution step alone, how many sentences the cheap filter sent to the
parser, and how many sentences ended up attributed. Results go to
``bench/results/attribution.json``.

    python bench/bench_attribution.py             # 3 rounds (about 3-6 minutes on 2 cores)
    python bench/bench_attribution.py --rounds 1
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qa.index  # noqa: E402
from qa import attribution  # noqa: E402
from qa.attribution_lexicon import is_candidate  # noqa: E402
from qa.encoder import get_encoder  # noqa: E402
from qa.index import Index  # noqa: E402
from qa.ingest import read_paths  # noqa: E402
from qa.models import Article  # noqa: E402
from qa.nlp import get_nlp  # noqa: E402
from qa.sentences import split_spans  # noqa: E402


def ingest(arts: list[Article], encoder, with_attribution: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one ``Index.add`` of ``arts``."""
    real = qa.index._attribute
    if not with_attribution:
        qa.index._attribute = lambda article, spans: [None] * len(spans)
    try:
        with tempfile.TemporaryDirectory() as d:
            idx = Index.create(Path(d) / "ix", encoder=encoder)
            t0, c0 = time.perf_counter(), time.process_time()
            idx.add(arts)
            return time.perf_counter() - t0, time.process_time() - c0
    finally:
        qa.index._attribute = real


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    arts = [a for a in read_paths([ROOT / "examples"]) if isinstance(a, Article)]
    spans = [split_spans(a.text) for a in arts]
    n_sent = sum(len(s) for s in spans)
    n_cand = sum(is_candidate(a.text[s:e], broad=False)
                 for a, sp in zip(arts, spans, strict=True)
                 for s, e in sp)
    enc = get_encoder()
    get_nlp()
    enc.encode(["warm up"])
    attribution.attribute_sentences(arts[0].text, spans[0], arts[0].outlet)
    with_t, without_t, attr_t = [], [], []
    for _ in range(args.rounds):
        without_t.append(ingest(arts, enc, False))
        with_t.append(ingest(arts, enc, True))
        t0 = time.perf_counter()
        attributed = 0
        for a, sp in zip(arts, spans, strict=True):
            attributed += sum(x.kind != "unattributed"
                              for x in attribution.attribute_sentences(a.text, sp, a.outlet))
        attr_t.append(time.perf_counter() - t0)
    w, wo, at = (min(x[0] for x in with_t), min(x[0] for x in without_t), min(attr_t))
    wc, woc = min(x[1] for x in with_t), min(x[1] for x in without_t)
    res = {"articles": len(arts), "sentences": n_sent, "parsed_candidates": n_cand,
           "attributed_sentences": attributed, "rounds": args.rounds,
           "ingest_without_s": round(wo, 2), "ingest_with_s": round(w, 2),
           "ingest_without_cpu_s": round(woc, 2), "ingest_with_cpu_s": round(wc, 2),
           "attribution_alone_s": round(at, 2),
           "overhead_ratio": round(w / wo - 1, 3),
           "overhead_ratio_cpu": round(wc / woc - 1, 3),
           "attribution_alone_vs_ingest_without": round(at / wo, 3)}
    print(f"{len(arts)} articles, {n_sent} sentences; {n_cand} ({n_cand / n_sent:.0%}) parsed, "
          f"{attributed} attributed")
    print(f"ingest without attribution: {wo:.2f}s   with: {w:.2f}s   -> overhead "
          f"{100 * (w / wo - 1):+.1f}% wall (goal <= +50%)")
    print(f"CPU time of the process:    {woc:.2f}s   with: {wc:.2f}s   -> overhead "
          f"{100 * (wc / woc - 1):+.1f}% CPU (less sensitive to other load on the machine)")
    print(f"attribution alone: {at:.2f}s = {at / wo:.2f}x the ingest without it")
    out = ROOT / "bench" / "results" / "attribution.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
