"""Scale benchmark: retrieval latency, recall against exact search and resident memory at
100k and 1M sentences.

How the large indexes are made (without re-encoding a million sentences): the real
sentences of the bundled FA-KES articles, the example article and the xquad/newsqa
corpora are embedded once; each is then replicated with variations -- its numbers
replaced by random ones, and its vector perturbed with Gaussian noise (cosine to the
original about 0.9) and re-normalised. The replicas are written as one segment through
the normal segment writer (so BM25 and the FAISS index are built exactly as in
production: ``Flat`` at 100k, ``IVF..,SQ8`` at 1M, see ``qa.ann``).

Measured, for each size, in a fresh process holding only the encoder and the index:

* ``retrieve()`` latency (p50/p95) over real questions, against the question encoding
  alone (the irreducible part) measured in the same process;
* recall@10 of the index's dense search against exact (brute-force float32) search, for
  several ``nprobe`` values when the index is an IVF;
* resident memory (VmRSS) after the queries, and before opening the index.

    python bench/bench_scale.py                 # 100k and 1M (about 15 minutes on 2 cores)
    python bench/bench_scale.py --sizes 100000  # one size
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EVAL = ROOT.parent / "shared" / "eval"
if not EVAL.exists():
    EVAL = ROOT.parents[1] / "shared" / "eval"


def _real_corpus():
    """Articles and their sentences (texts, vectors) from the bundled and eval corpora."""
    from qa.encoder import get_encoder
    from qa.ingest import read_paths
    from qa.models import Article
    from qa.sentences import split_spans

    paths = [ROOT / "examples"] + [p for p in (EVAL / "corpus" / "xquad_dev.jsonl",
                                               EVAL / "corpus" / "newsqa_sample.jsonl")
                                   if p.exists()]
    arts = [a for a in read_paths(paths) if isinstance(a, Article)]
    spans = [split_spans(a.text) for a in arts]
    texts = [a.text[s:e] for a, sp in zip(arts, spans, strict=True) for s, e in sp]
    import hashlib

    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"factcheck-bench-vectors-{key}.npy"
    if cache.exists():  # the same sentences were embedded by an earlier run
        return arts, spans, np.load(cache)
    vecs = get_encoder().encode(texts)
    np.save(cache, vecs)
    return arts, spans, vecs


def _vary(text: str, rng: np.random.Generator) -> str:
    return re.sub(r"\d+", lambda m: str(int(rng.integers(1, 10 ** len(m.group()) + 1))), text)


def build_index(path: Path, n: int, arts, spans, vecs, noise: float = 0.025,
                seed: int = 0) -> dict:
    """Write an index of ``n`` sentences (one segment) made of varied replicas."""
    from qa.encoder import get_encoder
    from qa.index import ArticleEntry, Manifest, SegmentInfo, write_segment

    rng = np.random.default_rng(seed)
    enc = get_encoder()
    m = Manifest(model=enc.name, dim=enc.dim)
    offsets = np.cumsum([0] + [len(s) for s in spans])
    name = "seg-000001"
    out_arts, rows, parts = [], [], []
    outlets = ["reuters", "afp", "sana", "aljazeera", "bbc", "alalam", "nna", "tass"]
    copy = 0
    cos: list[float] = []
    t0 = time.perf_counter()
    while len(rows) < n:
        ai = copy % len(arts)
        a = arts[ai]
        sp = spans[ai][: n - len(rows)]
        if not sp:
            copy += 1
            continue
        new_text_parts, new_spans, pos = [], [], 0
        for s, e in sp:
            t = _vary(a.text[s:e], rng) if copy >= len(arts) else a.text[s:e]
            new_spans.append((pos, pos + len(t)))
            new_text_parts.append(t)
            pos += len(t) + 1
        text = " ".join(new_text_parts)
        year = 2011 + copy % 9
        art = a.model_copy(update={
            "id": f"{a.id}-r{copy}", "text": text, "hash": f"{copy:016x}",
            "outlet": outlets[copy % len(outlets)],
            "published": f"{year}-{1 + copy % 12:02d}-{1 + copy % 28:02d}"})
        first = len(rows)
        for p_, (s, e) in enumerate(new_spans):
            rows.append({"a": len(out_arts), "text": text[s:e], "start": s, "end": e,
                         "position": p_, "attribution": None})
        v = vecs[offsets[ai]:offsets[ai] + len(sp)]
        if copy >= len(arts):
            orig = v
            v = v + rng.normal(0, noise, v.shape).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            if len(cos) < 2000:
                cos.extend(np.sum(v * orig, 1).tolist())
        parts.append(v.astype(np.float32))
        out_arts.append(art)
        m.articles[art.id] = ArticleEntry(hash=art.hash, segment=name,
                                          rows=(first, len(rows)), title=art.title,
                                          outlet=art.outlet, published=art.published)
        copy += 1
    vectors = np.vstack(parts)
    t1 = time.perf_counter()
    write_segment(path, name, out_arts, rows, vectors)
    t2 = time.perf_counter()
    m.segments.append(SegmentInfo(name=name, base=0, count=len(rows)))
    m.next_id, m.next_segment = len(rows), 2
    (path / "manifest.json").write_text(m.model_dump_json())
    info = json.loads((path / name / "segment.json").read_text())
    return {"sentences": len(rows), "articles": len(out_arts), "dense_index": info["dense"],
            "synthesise_s": round(t1 - t0, 1), "write_segment_s": round(t2 - t1, 1),
            "cos_replica_vs_original": round(float(np.mean(cos)), 3) if cos else None}


PROBE = r'''
import json, os, sys, time, statistics
import numpy as np
sys.path.insert(0, {root!r})
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
from qa.encoder import get_encoder
from qa.retrieve import retrieve
from qa.index import Index
enc = get_encoder()
qs = json.load(open({qfile!r}))
enc.encode(qs[:3])
rss_encoder = rss()
idx = Index.open({path!r}, encoder=enc)
t0 = time.perf_counter()
retrieve(qs[0], k=10, index=idx)
first = time.perf_counter() - t0
for q in qs[:5]:
    retrieve(q, k=10, index=idx)
lat, enc_lat, filt = [], [], []
for q in qs:
    t0 = time.perf_counter(); enc.encode([q]); enc_lat.append(time.perf_counter() - t0)
    t0 = time.perf_counter(); retrieve(q, k=10, index=idx); lat.append(time.perf_counter() - t0)
for q in qs[:30]:
    t0 = time.perf_counter(); retrieve(q, k=10, index=idx, outlets=["afp"], date_from="2014-01-01")
    filt.append(time.perf_counter() - t0)
# dense recall against exact search, per nprobe
import faiss
seg = idx.segments[0][1]
dense = seg.dense()
Q = enc.encode(qs)
V = np.load(os.path.join({path!r}, seg.name, "vectors.npy"), mmap_mode="r")
exact = []
for i in range(0, V.shape[0], 200000):
    exact.append((Q @ np.asarray(V[i:i + 200000]).T))
S = np.hstack(exact); del exact
truth = np.argsort(-S, axis=1)[:, :10]; del S
def rec(ids):
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth)]))
recall = {{}}
if dense.kind.startswith("IVF"):
    ivf = faiss.extract_index_ivf(dense.index)
    default = ivf.nprobe
    for nprobe in (8, 16, 32, 64, 128):
        ivf.nprobe = nprobe
        t0 = time.perf_counter(); _, ids = dense.search(Q, 10); dt = time.perf_counter() - t0
        recall[str(nprobe)] = {{"recall@10": round(rec(ids), 4), "ms_per_query": round(1000 * dt / len(Q), 2)}}
    ivf.nprobe = default
    recall["default_nprobe"] = default
else:
    _, ids = dense.search(Q, 10)
    recall["exact"] = {{"recall@10": round(rec(ids), 4)}}
print(json.dumps({{
    "dense_index": dense.kind,
    "retrieve_ms_p50": round(1000 * statistics.median(lat), 1),
    "retrieve_ms_p95": round(1000 * sorted(lat)[int(0.95 * len(lat))], 1),
    "encode_ms_p50": round(1000 * statistics.median(enc_lat), 1),
    "retrieve_over_encode_p50": round(statistics.median(lat) / statistics.median(enc_lat), 2),
    "filtered_retrieve_ms_p50": round(1000 * statistics.median(filt), 1),
    "first_query_s": round(first, 2),
    "rss_mb_encoder_only": rss_encoder,
    "rss_mb_after_queries": RSS_AFTER,
    "dense_recall_vs_exact": recall,
}}))
'''


def probe(path: Path, questions: list[str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(questions, f)
    code = PROBE.format(root=str(ROOT), qfile=f.name, path=str(path))
    # RSS is read right after the timed queries, before the recall check loads vectors
    code = code.replace("print(json.dumps({", "RSS_AFTER = _rss_after\nprint(json.dumps({")
    code = code.replace("# dense recall against exact search", "_rss_after = rss()\n# dense")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
                            "PATH": "/usr/bin:/bin"})
    if r.returncode:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--questions", type=int, default=150)
    ap.add_argument("--keep", metavar="DIR", help="build the indexes here and keep them "
                    "(an index already built there by an earlier run is reused)")
    args = ap.parse_args()
    from qa.evaluate import read_jsonl

    qs = [g["question"] for f in ("xquad_dev.jsonl", "seed_dev.jsonl", "newsqa_sample.jsonl")
          if (EVAL / "qa" / f).exists() for g in read_jsonl(EVAL / "qa" / f)]
    rng = np.random.default_rng(1)
    qs = [qs[i] for i in rng.permutation(len(qs))[:args.questions]]
    t0 = time.perf_counter()
    arts, spans, vecs = _real_corpus()
    print(f"real corpus: {len(arts)} articles, {len(vecs)} sentences embedded in "
          f"{time.perf_counter() - t0:.0f}s")
    res: dict = {"real_sentences": len(vecs), "questions": len(qs), "sizes": {}}
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="factcheck-scale-"))
    for n in args.sizes:
        path = base / f"n{n}"
        if args.keep and (path / "built.json").exists():  # kept from an earlier run
            built = json.loads((path / "built.json").read_text())
        else:
            path.mkdir(parents=True, exist_ok=True)
            built = build_index(path, n, arts, spans, vecs)
            (path / "built.json").write_text(json.dumps(built))
        print(f"{n:>9,} sentences: built in {built['synthesise_s'] + built['write_segment_s']:.0f}s "
              f"({built['dense_index']})")
        r = {**built, **probe(path, qs)}
        res["sizes"][str(n)] = r
        print(json.dumps(r, indent=1))
        if not args.keep:
            import shutil

            shutil.rmtree(path, ignore_errors=True)
    out = ROOT / "bench" / "results" / "scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
