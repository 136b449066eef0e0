"""Crash torture: SIGKILL ``factcheck add`` at random moments and check the index each time.

Each round copies a base index (holding the example article), starts
``factcheck add examples/fakes_dev.csv --commit-every 150`` in a subprocess (about a dozen
commits and a few segment merges per run), kills it with SIGKILL after a random delay, then
checks that:

* the index opens and ``Index.check()`` finds no problem (files, hashes and counts agree);
* it holds exactly a committed state: the example article plus a prefix, in input order,
  of the CSV's distinct articles, each with its expected hash and sentence count;
* the next writer removes every temporary file and unreferenced segment left behind.

Delays are drawn as fractions of one uninterrupted run timed first on the same machine, so
kills land at every stage (start-up, embedding, commits, merges) however fast or loaded the
machine is. A kill at a random moment rarely lands while a file is being written (writing
takes a few percent of a run), so every fourth round is aimed there instead: the round
watches the index folder and kills the writer the moment its n-th temporary file or folder
appears (a segment being written, or the manifest being replaced), n drawn from the writes a
full run makes. Those rounds must leave leftovers for the next writer to clean.

The CI test runs 20 rounds (``tests/test_reliability.py``); run more by hand:

    python bench/crash_torture.py --rounds 200
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.index import Index  # noqa: E402
from qa.ingest import read_paths  # noqa: E402
from qa.models import Article  # noqa: E402
from qa.sentences import split_spans  # noqa: E402

SEED = ROOT / "examples" / "000_f520d8b3061bf427.txt"
FAKES = ROOT / "examples" / "fakes_dev.csv"
COMMIT_EVERY = 150


def expected_order() -> list[Article]:
    """The CSV's distinct articles in the order ``factcheck add`` indexes them."""
    seen, out = set(), []
    for a in read_paths([FAKES]):
        if isinstance(a, Article) and a.id not in seen:
            seen.add(a.id)
            out.append(a)
    return out


def check_state(path: Path, order: list[Article], seed_id: str) -> int:
    """Assert the index at ``path`` is sound and a committed state; return the prefix
    length it holds."""
    idx = Index.open(path)
    problems = idx.check()
    assert not problems, f"integrity check failed: {problems}"
    ids = set(idx.manifest.articles)
    assert seed_id in ids, "the article indexed before the run is gone"
    n = sum(1 for a in order if a.id in ids)
    prefix = order[:n]
    assert ids == {seed_id} | {a.id for a in prefix}, "not a prefix of the input"
    want = len(split_spans(idx.article(seed_id).text)) + sum(
        len(split_spans(a.text)) for a in prefix)
    assert len(idx) == want, f"{len(idx)} sentences, a committed state has {want}"
    for a in prefix:
        assert idx.manifest.articles[a.id].hash == a.hash
    return n


def leftovers(path: Path, idx: Index) -> list[str]:
    keep = {s.name for s in idx.manifest.segments}
    return sorted(p.name for p in path.iterdir()
                  if ".tmp-" in p.name or (p.name.startswith("seg-") and p.name not in keep))


def make_base(workdir: Path) -> tuple[Path, str]:
    base = workdir / "base"
    idx = Index.create(base)
    [seed_id] = idx.add(read_paths([SEED])).added
    return base, seed_id


def _start(ix: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "add", str(FAKES), "--index", str(ix),
         "--commit-every", str(COMMIT_EVERY), "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _fresh_copy(base: Path, workdir: Path) -> Path:
    ix = workdir / "ix"
    if ix.exists():
        shutil.rmtree(ix)
    shutil.copytree(base, ix)
    return ix


def _temp_names(ix: Path) -> set[str]:
    try:
        return {p.name for p in ix.iterdir() if ".tmp-" in p.name}
    except OSError:
        return set()


def _watch(proc: subprocess.Popen, ix: Path, kill_at: int | None = None) -> int:
    """Poll ``ix`` until ``proc`` ends, counting the temporary files and folders that
    appear; with ``kill_at``, SIGKILL ``proc`` as soon as the ``kill_at``-th one is seen.
    Returns how many appearances were seen."""
    before: set[str] = set()
    seen = 0  # appearances: the manifest's temporary file has the same name every commit
    while proc.poll() is None:
        now = _temp_names(ix)
        seen += len(now - before)
        before = now
        if kill_at is not None and seen >= kill_at:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.0005)
    proc.wait()
    return seen


def calibrate(base: Path, seed_id: str, order: list[Article],
              workdir: Path) -> tuple[float, int]:
    """Seconds one uninterrupted run takes here, and how many temporary files it writes;
    it must end holding every article."""
    ix = _fresh_copy(base, workdir)
    t0 = time.perf_counter()
    proc = _start(ix)
    writes = _watch(proc, ix)
    took = time.perf_counter() - t0
    err = proc.stderr.read() if proc.stderr else b""
    assert proc.returncode == 0, err.decode("utf-8", "replace")[-2000:]
    assert check_state(ix, order, seed_id) == len(order), "a full run did not index all"
    return took, writes


def run_round(base: Path, seed_id: str, order: list[Article], workdir: Path,
              delay: float | None = None, kill_at_write: int | None = None) -> dict:
    """One round: kill after ``delay`` seconds, or when the ``kill_at_write``-th
    temporary file appears; then check the state and the next writer's clean-up."""
    ix = _fresh_copy(base, workdir)
    t0 = time.perf_counter()
    proc = _start(ix)
    if kill_at_write is not None:
        _watch(proc, ix, kill_at_write)
        finished = proc.returncode == 0
    else:
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
    delay = time.perf_counter() - t0
    n = check_state(ix, order, seed_id)
    left_before = leftovers(ix, Index.open(ix))
    idx = Index.open(ix)
    idx.merge()  # any writer cleans up first
    left_after = leftovers(ix, idx)
    assert not left_after, f"left behind after the next writer: {left_after}"
    return {"delay": round(delay, 2), "killed": not finished, "articles": n,
            "mid_write": kill_at_write is not None, "leftovers_cleaned": left_before}


def run(rounds: int, seed: int | None = None, log=print) -> list[dict]:
    """``rounds`` kills: at random fractions (2% to 105%) of one timed full run, and
    every fourth round at a random one of the run's file writes."""
    rng = random.Random(seed)
    order = expected_order()
    with tempfile.TemporaryDirectory(prefix="factcheck-crash-") as d:
        workdir = Path(d)
        base, seed_id = make_base(workdir)
        full, writes = calibrate(base, seed_id, order, workdir)
        log(f"one full run takes {full:.1f}s here and writes {writes} temporary files")
        results = []
        for i in range(rounds):
            if i % 4 == 3 and writes:
                r = run_round(base, seed_id, order, workdir,
                              kill_at_write=rng.randint(1, writes))
            else:
                r = run_round(base, seed_id, order, workdir,
                              delay=rng.uniform(0.02, 1.05) * full)
            results.append(r)
            how = "at a file write" if r["mid_write"] else "at random"
            log(f"round {i + 1:3d}: killed {how} after {r['delay']:4.1f}s -> "
                f"{r['articles']:3d}/{len(order)} articles committed, "
                f"{len(r['leftovers_cleaned'])} leftovers cleaned "
                f"{' '.join(r['leftovers_cleaned'])}")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description="SIGKILL factcheck add at random moments")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    res = run(args.rounds, args.seed)
    killed = sum(r["killed"] for r in res)
    states = sorted({r["articles"] for r in res})
    dirty = sum(bool(r["leftovers_cleaned"]) for r in res)
    print(f"{len(res)} rounds, {killed} killed mid-run "
          f"({sum(r['mid_write'] for r in res)} aimed at a file write), all checks passed; "
          f"{dirty} rounds left temporary files that the next writer removed; "
          f"committed states seen (articles): {states}")


if __name__ == "__main__":
    main()
