"""UI latency benchmark: question sent -> answer shown, in a real browser.

Starts the chat in this process over an index of the bundled articles, then, in one run and
for the same questions:

1. ``ask``: the bare call the chat makes (``ChatService.ask`` -> ``qa.answer.ask``) - the
   baseline;
2. ``retrieve``: bare ``qa.retrieve.retrieve(question, k=5)``, for reference;
3. ``api``: ``gradio_client.Client.predict(question, api_name="/chat")``;
4. ``browser``: headless chromium (playwright) types the question, presses Enter, and the
   clock stops when the answer and its Sources box are on screen.

Each question is asked once to warm up, then ``--rounds`` times (a fresh page per round);
the answer engine caches parses, so repeats are its best case. ``*_first_time`` measure
questions the server has not seen before: the bench questions' warm-up pass through ``ask``,
and ten other questions through the browser. Reports p50/p95 of each and the browser p50
over the ``ask`` p50; writes ``bench/results/ui.json``.

    python bench/bench_ui.py                       # builds a temporary index (about a minute)
    python bench/bench_ui.py --index index --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from bench_load import QUESTIONS  # noqa: E402  (the same ten questions)

# asked only once, in the browser, so the server has never seen them (no cached parses)
FRESH = [
    "Who was blamed for the attack on the Damascus police station?",
    "How many children were killed in the school air raid?",
    "What did the World Health Organization say about the symptoms?",
    "Where did the Turkish-backed militants seize territory?",
    "How many Turkish soldiers were killed in the Daesh attack?",
    "Who controls the eastern Ghouta region?",
    "What did Russia say about the poison gas?",
    "How many people were wounded in the Qamishli bombing?",
    "When did the SDF begin the assault?",
    "Who fired rockets at Quneitra?",
]

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def summary(xs: list[float]) -> dict:
    return {"n": len(xs), "p50_s": round(statistics.median(xs), 4),
            "p95_s": round(pct(xs, 0.95), 4), "max_s": round(max(xs), 4)}


def timed(fn, *a, **kw) -> float:
    t0 = time.perf_counter()
    fn(*a, **kw)
    return time.perf_counter() - t0


def browser_times(url: str, questions: list[str], rounds: int,
                  fresh: list[str]) -> tuple[list[float], list[float]]:
    """(repeated questions, rounds after a warm-up round; fresh questions, asked once)."""
    from playwright.sync_api import sync_playwright

    out: list[float] = []
    cold: list[float] = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        # round 0 warms up the page and the server; the last round asks the fresh questions
        for r, qs in enumerate([questions] * (rounds + 1) + [fresh]):
            page = b.new_page(viewport={"width": 1360, "height": 1000})
            page.goto(url)
            page.wait_for_selector("#fc-question textarea")
            page.wait_for_function(
                "document.querySelector('#fc-corpus')?.innerText.includes('articles')")
            for i, q in enumerate(qs):
                page.fill("#fc-question textarea", q)
                t0 = time.perf_counter()
                page.press("#fc-question textarea", "Enter")
                page.wait_for_function(
                    f"document.querySelectorAll('#fc-chat .thought').length > {i}",
                    polling="raf", timeout=120_000)
                dt = time.perf_counter() - t0
                if r > rounds:
                    cold.append(dt)
                elif r:
                    out.append(dt)
            page.close()
        b.close()
    return out, cold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", help="an existing index (default: a temporary one)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    from gradio_client import Client

    from qa.retrieve import retrieve
    from qa.setup import ensure_index
    from qa.webapp import build_demo, launch

    with tempfile.TemporaryDirectory() as d:
        index = Path(args.index) if args.index else Path(d) / "index"
        ensure_index(index)
        demo = build_demo(index)
        svc = demo.service
        _, url, _ = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
        try:
            svc.ask("How many fighters remain?")  # load the models
            # first sight of each question (nothing cached), then warm repeats
            ask_cold = [timed(svc.ask, q) for q in QUESTIONS]
            ask_t = [timed(svc.ask, q) for _ in range(args.rounds) for q in QUESTIONS]
            ret_t = [timed(retrieve, q, 5, svc.index()) for _ in range(args.rounds)
                     for q in QUESTIONS]
            client = Client(url, verbose=False)
            for q in QUESTIONS:
                client.predict(q, api_name="/chat")
            api_t = [timed(client.predict, q, api_name="/chat") for _ in range(args.rounds)
                     for q in QUESTIONS]
            ui_t, ui_cold = browser_times(url, QUESTIONS, args.rounds, FRESH)
        finally:
            demo.close()
    res = {
        "questions": len(QUESTIONS), "rounds": args.rounds,
        "ask": summary(ask_t), "retrieve": summary(ret_t), "api": summary(api_t),
        "browser": summary(ui_t),
        "ask_first_time": summary(ask_cold), "browser_first_time": summary(ui_cold),
    }
    res["browser_p50_over_ask_p50"] = round(res["browser"]["p50_s"] / res["ask"]["p50_s"], 1)
    res["api_p50_over_ask_p50"] = round(res["api"]["p50_s"] / res["ask"]["p50_s"], 1)
    res["ui_overhead_p50_s"] = round(res["browser"]["p50_s"] - res["ask"]["p50_s"], 4)
    print(json.dumps(res, indent=1))
    out = ROOT / "bench" / "results" / "ui.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
