"""Load benchmark: many ``gradio_client`` users asking at once against one chat server.

Starts ``app.py`` on a free loopback port over a fresh index of the bundled articles, then,
in one run:

1. ``single``: one user asks the questions one after another (the baseline);
2. ``load``: ``--users`` concurrent users (default 20) each ask ``--questions`` questions
   (default 10) through ``Client.predict(..., api_name="/chat")``.

Reports errors (goal 0), p50/p95 latency of each, and the load p50 as a ratio of the
single-user p50. Results go to ``bench/results/load.json``.

    python bench/bench_load.py
    python bench/bench_load.py --users 5 --questions 4     # quick
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "How many fighters remain in the enclave?",
    "Who described the assault as the last battle?",
    "When is the US military planning to leave Syria?",
    "How many people were killed in the chemical attack in Khan Sheikhoun?",
    "What did the Syrian Observatory for Human Rights say about the air strikes?",
    "Did the SDF agree a ceasefire with IS?",
    "How many civilians were killed in Aleppo?",
    "What is the capital of Australia?",
    "Who carried out the car bombing in Qamishli?",
    "Where did the suicide bombings hit Damascus?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "FACTCHECK_INDEX": str(index), "FACTCHECK_PORT": str(port),
           "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import urllib.request

    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()[-2000:]) from None
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not start")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def user(url: str, questions: list[str], lat: list, errors: list) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as e:
        errors.append(f"connect: {e!r}")
        return
    for q in questions:
        t0 = time.perf_counter()
        try:
            reply = client.predict(q, api_name="/chat")
            if not isinstance(reply, str) or not reply.strip():
                errors.append(f"empty reply to {q!r}")
                continue
            lat.append(time.perf_counter() - t0)
        except Exception as e:
            errors.append(f"{q!r}: {e!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--questions", type=int, default=10)
    args = ap.parse_args()
    from qa.setup import ensure_index

    with tempfile.TemporaryDirectory() as d:
        index = Path(d) / "index"
        ensure_index(index)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = start_server(index, port)
        try:
            single, s_err = [], []
            user(url, QUESTIONS * 2, single, s_err)  # first pass warms caches
            single = single[len(QUESTIONS):]
            lat, errors = [], []
            qs = [[QUESTIONS[(u + i) % len(QUESTIONS)] for i in range(args.questions)]
                  for u in range(args.users)]
            threads = [threading.Thread(target=user, args=(url, q, lat, errors)) for q in qs]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    res = {
        "users": args.users, "questions_each": args.questions,
        "requests": args.users * args.questions, "errors": len(errors) + len(s_err),
        "error_samples": (errors + s_err)[:5],
        "single_p50_s": round(statistics.median(single), 3) if single else None,
        "single_p95_s": round(pct(single, 0.95), 3) if single else None,
        "load_p50_s": round(statistics.median(lat), 3) if lat else None,
        "load_p95_s": round(pct(lat, 0.95), 3) if lat else None,
        "throughput_per_s": round(len(lat) / wall, 2),
    }
    if single and lat:
        res["load_p50_over_single_p50"] = round(res["load_p50_s"] / res["single_p50_s"], 1)
    print(json.dumps(res, indent=1))
    out = ROOT / "bench" / "results" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
