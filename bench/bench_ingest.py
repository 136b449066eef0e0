"""Ingest benchmark: the ``factcheck add`` pipeline against a bare encode + FAISS add.

In one run, on the bundled articles (``examples/``):

1. ``baseline``: ``SentenceTransformer.encode`` (fp32) of the same sentences plus a FAISS
   ``IndexFlatIP.add`` -- what a plain script does;
2. ``pipeline``: ``Index.add`` (read, normalise, split, attribute, embed, write segment,
   commit), with the default encoder and with the same fp32 encoder as the baseline;
3. adding one article to indexes of 10k and 100k sentences (grown by copying stored
   articles and their vectors, so no re-embedding is needed to set them up).

Model loading is excluded from every timing. Rounds are interleaved and each ratio is taken
within its round (wall and CPU time), so a change in machine load hits both sides alike.
Speed is reported as ratios against the baseline measured in the same run. Results go to
``bench/results/ingest.json``.

    python bench/bench_ingest.py            # full run (about 10 minutes on 2 cores)
    python bench/bench_ingest.py --quick    # 10k only, fewer repeats
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.encoder import TorchEncoder, get_encoder  # noqa: E402
from qa.index import Index, Manifest, SegmentInfo, write_segment  # noqa: E402
from qa.ingest import make_article, read_paths  # noqa: E402
from qa.models import Article  # noqa: E402
from qa.sentences import split_spans  # noqa: E402


def timed(fn) -> tuple[float, float]:
    """Run ``fn`` and return (wall seconds, CPU seconds of this process, all threads)."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def bare_baseline(texts: list[str], st_encoder: TorchEncoder) -> None:
    import faiss

    vecs = st_encoder.model.encode(texts, batch_size=64, convert_to_numpy=True,
                                   normalize_embeddings=True, show_progress_bar=False)
    index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(np.ascontiguousarray(vecs, dtype=np.float32))


def pipeline(paths: list[Path], encoder) -> None:
    with tempfile.TemporaryDirectory() as d:
        idx = Index.create(Path(d) / "ix", encoder=encoder)
        idx.add(read_paths(paths))


def grow_index(path: Path, base: Index, target: int, mark_copies: bool = False) -> Index:
    """Fill an index to ``target`` sentences by copying ``base``'s articles (new ids, new
    hashes) and their stored vectors into segments of about 10k rows. ``mark_copies``
    appends `` (#n)`` to each copied sentence so copies are not exact duplicates."""
    src = [(base.article(aid), e) for aid, e in base.manifest.articles.items()]
    m = Manifest(model=base.manifest.model, dim=base.manifest.dim,
                 attribution=base.manifest.attribution)
    copy = 0
    while m.next_id < target:
        arts: list[Article] = []
        rows: list[dict] = []
        vecs = []
        ctx_rows, ctx_vecs = [], []  # the decontextualised rewrites' vectors, copied too
        name = f"seg-{m.next_segment:06d}"
        while len(rows) < 10_000 and m.next_id + len(rows) < target:
            a, e = src[copy % len(src)]
            seg = base._segments[e.segment]
            new = a.model_copy(update={"id": f"{a.id}-copy{copy}",
                                       "hash": f"{copy:08x}{a.hash[:8]}"})
            first = len(rows)
            for r in range(*e.rows):
                row = seg.row(r)
                row["a"] = len(arts)
                if mark_copies and copy >= len(src):  # keep the originals intact
                    row["text"] = f"{row['text']} (#{copy})"
                rows.append(row)
            vecs.append(np.asarray(seg.vectors[e.rows[0]:e.rows[1]]))
            has, cv = seg.context(np.arange(*e.rows))
            ctx_rows.append(first + np.flatnonzero(has))
            ctx_vecs.append(cv)
            arts.append(new)
            from qa.index import ArticleEntry

            m.articles[new.id] = ArticleEntry(hash=new.hash, segment=name,
                                              rows=(first, len(rows)), title=new.title,
                                              outlet=new.outlet, published=new.published)
            copy += 1
        write_segment(path, name, arts, rows, np.vstack(vecs),
                      (np.concatenate(ctx_rows), np.vstack(ctx_vecs)))
        m.segments.append(SegmentInfo(name=name, base=m.next_id, count=len(rows)))
        m.next_id += len(rows)
        m.next_segment += 1
    (path / "manifest.json").write_text(m.model_dump_json())
    return Index.open(path, encoder=base.encoder)


def add_one(idx: Index, repeats: int) -> list[float]:
    times = []
    for i in range(repeats):
        a = make_article(id=f"fresh-{i}", title=f"Fresh report {i}",
                         text=f"Shelling hit the town of Kafr {i} on Monday, a monitor said. "
                              f"At least {i + 3} people were killed, rescuers said. The army "
                              "denied the report. Residents fled north toward the border.")
        t0 = time.perf_counter()
        idx.add([a])
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    paths = [ROOT / "examples"]
    arts = [a for a in read_paths(paths) if isinstance(a, Article)]
    texts = [a.text[s:e] for a in arts for s, e in split_spans(a.text)]
    print(f"corpus: {len(arts)} articles, {len(texts)} sentences")

    fp32 = TorchEncoder()
    default = get_encoder()
    fp32.encode(texts[:64])  # warm up both
    default.encode(texts[:64])
    res: dict = {"sentences": len(texts), "default_backend": getattr(default, "backend", "?")}
    # Rounds are interleaved (baseline, fp32 pipeline, default pipeline, repeat) so that a
    # change in machine load hits all three alike; each ratio is taken within its round and
    # the median over rounds is reported, for wall time and for CPU time.
    rounds = 1 if args.quick else 3
    runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "fp32": [], "default": []}
    for r in range(rounds):
        runs["baseline"].append(timed(lambda: bare_baseline(texts, fp32)))
        runs["fp32"].append(timed(lambda: pipeline(paths, fp32)))
        runs["default"].append(timed(lambda: pipeline(paths, default)))
        print(f"round {r + 1}/{rounds}: " + ", ".join(
            f"{k} {v[-1][0]:.1f}s wall / {v[-1][1]:.1f}s cpu" for k, v in runs.items()))

    def ratio(name: str, which: int) -> float:
        return statistics.median(p[which] / b[which]
                                 for p, b in zip(runs[name], runs["baseline"], strict=True))

    base_t = statistics.median(w for w, _ in runs["baseline"])
    pipe_def = statistics.median(w for w, _ in runs["default"])
    res.update({
        "rounds": rounds,
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "baseline_s": round(base_t, 2),
        "baseline_sent_per_s": round(len(texts) / base_t, 1),
        "pipeline_default_sent_per_s": round(len(texts) / pipe_def, 1),
        "overhead_fp32_wall": round(ratio("fp32", 0) - 1, 3),
        "overhead_fp32_cpu": round(ratio("fp32", 1) - 1, 3),
        "ratio_default_wall": round(ratio("default", 0), 3),
        "ratio_default_cpu": round(ratio("default", 1), 3),
    })
    print(f"baseline encode+faiss (fp32): median {base_t:.2f}s "
          f"({len(texts) / base_t:.0f} sent/s)")
    print(f"factcheck add, fp32 encoder: overhead {100 * res['overhead_fp32_wall']:+.1f}% wall, "
          f"{100 * res['overhead_fp32_cpu']:+.1f}% CPU (goal <= +20%)")
    print(f"factcheck add, default ({res['default_backend']}): {res['ratio_default_wall']:.2f}x "
          f"the baseline's wall time, {res['ratio_default_cpu']:.2f}x its CPU time")

    sizes = [10_000] if args.quick else [10_000, 100_000]
    with tempfile.TemporaryDirectory() as d:
        base = Index.create(Path(d) / "base", encoder=default)
        base.add(arts)
        for n in sizes:
            idx = grow_index(Path(d) / f"n{n}", base, n)
            times = add_one(idx, 3 if args.quick else 7)
            res[f"add_one_at_{n}_median_s"] = round(statistics.median(times), 3)
            res[f"add_one_at_{n}_max_s"] = round(max(times), 3)
            print(f"add one article to {len(idx) - len(times) * 4:>7,} sentences: median "
                  f"{statistics.median(times):.3f}s, max {max(times):.3f}s (goal <= 2 s)")
    if len(sizes) == 2:
        res["add_one_ratio_100k_vs_10k"] = round(
            res["add_one_at_100000_median_s"] / res["add_one_at_10000_median_s"], 2)
        print(f"flat in N? median at 100k / at 10k = {res['add_one_ratio_100k_vs_10k']}")
    out = ROOT / "bench" / "results" / "ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
