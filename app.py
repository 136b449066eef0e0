"""factcheck chat (Gradio). Thin: builds a module-level ``demo`` from :mod:`qa`.

Run ``python app.py`` (builds ``./index`` from ``examples/`` on first start) and open
http://127.0.0.1:7860. Scripts can call the running app:
``gradio_client.Client(url).predict("How many fighters remain?", api_name="/chat")``.
"""

from __future__ import annotations

import os

import gradio as gr

from qa.errors import FactcheckError
from qa.index import default_index_path
from qa.retrieve import retrieve

INDEX = os.environ.get("FACTCHECK_INDEX") or str(default_index_path())


def chat(message: str, history: list) -> str:
    """Reply with the best-matching sentences and who said them."""
    try:
        passages = retrieve(message, k=5, index=INDEX)
    except FactcheckError as e:
        return f"⚠️ {e}"
    if not passages:
        return "The index is empty: add articles with `factcheck add PATH`."
    lines = []
    for i, p in enumerate(passages, 1):
        src = p.attribution.label() if p.attribution else "unattributed"
        meta = ", ".join(x for x in (p.outlet, p.published) if x)
        lines.append(f"[{i}] {p.text}\n    — {src}; *{p.title}*" + (f" ({meta})" if meta else ""))
    return "\n\n".join(lines)


demo = gr.ChatInterface(
    fn=chat,
    title="factcheck",
    description="Ask about the indexed news articles; every line cites its sentence and source.",
    examples=["How many fighters remain in the enclave?",
              "Who described the assault as the last battle?"],
)

if __name__ == "__main__":
    from qa.setup import ensure_index

    report = ensure_index(INDEX)
    if report is not None:
        print(f"built the index at {INDEX}: {report.summary()}")
    demo.launch(server_name=os.environ.get("FACTCHECK_HOST", "127.0.0.1"),
                server_port=int(os.environ.get("FACTCHECK_PORT", "7860")))
