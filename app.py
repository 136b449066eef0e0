"""factcheck chat (Gradio). Thin: builds a module-level ``demo`` from :mod:`qa`.

Run ``python app.py`` (or ``factcheck serve``; builds ``./index`` from ``examples/`` on first
start) and open http://127.0.0.1:7860. ``$FACTCHECK_INDEX``, ``$FACTCHECK_HOST`` and
``$FACTCHECK_PORT`` override the defaults. Scripts can call the running app:
``gradio_client.Client(url).predict("How many fighters remain?", api_name="/chat")``.
"""

from __future__ import annotations

import os

from qa.index import default_index_path
from qa.webapp import build_demo, launch

INDEX = os.environ.get("FACTCHECK_INDEX") or str(default_index_path())

demo = build_demo(INDEX)

if __name__ == "__main__":
    from qa.setup import ensure_index

    report = ensure_index(INDEX)
    if report is not None:
        print(f"built the index at {INDEX}: {report.summary()}")
    launch(demo)
