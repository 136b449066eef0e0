"""The factcheck chat: a Gradio app over one index. It only translates between people and
:mod:`qa` (answers come from :mod:`qa.answer`, Markdown from :mod:`qa.render`).

``build_demo(index)`` returns a ``gr.Blocks`` with

- the **chat**: each answer with its numbered citations, then a collapsible *Sources* box
  (every cited sentence with the answer span marked, who said it, the article);
- the **corpus panel**: what is indexed, and outlet / date filters that constrain retrieval;
- **add articles**: upload files; the index is updated in place (progress bar) and the new
  articles are searchable at once;
- the API endpoint ``/chat``: ``Client(url).predict(message, api_name="/chat")`` returns
  the reply as plain text with its sources.

Example:
    >>> from qa.webapp import build_demo, launch            # doctest: +SKIP
    >>> demo = build_demo("index")                           # doctest: +SKIP
    >>> launch(demo, port=7860)                              # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

import gradio as gr

from qa import render
from qa.answer import ask
from qa.errors import FactcheckError
from qa.index import Index, default_index_path
from qa.ingest import MAX_BYTES, SUFFIXES, parse_date
from qa.models import Answer, Article
from qa.retrieve import Filters, open_index
from qa.uploads import read_uploads

log = logging.getLogger(__name__)

EXAMPLES = [
    "How many fighters remain in the enclave?",
    "How many people were killed in the Ghouta chemical attack in August 2013?",
    "The SDF agreed a ceasefire with IS.",
    "Who described the assault as the last battle?",
    "What is the capital of Australia?",
]

CSS = """
#fc-chat mark { background: #fde68a; color: inherit; padding: 0 .15em; border-radius: 3px; }
#fc-chat table { font-size: .9em; }
#fc-chat h3 { margin: .1em 0 .3em; }
#fc-corpus { font-size: .92em; }
.fc-badge { display: inline-block; padding: 0 .55em; border-radius: 999px; font-weight: 600;
            font-size: .9em; border: 1px solid currentColor; }
.fc-supported { background: #dcfce7; color: #166534; }
.fc-refuted { background: #fee2e2; color: #991b1b; }
.fc-conflicting { background: #fef3c7; color: #92400e; }
.fc-not-enough-info, .fc-unknown { background: #e5e7eb; color: #374151; }
"""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


# --- the work, without Gradio ------------------------------------------------------------------

def parse_date_filter(value: str | None, *, end: bool = False) -> str | None:
    """A date-filter box's text -> ``YYYY-MM-DD`` (or ``None`` when empty).

    ``2017`` and ``2017-04`` mean the whole year / month: the first day for "from", the
    last for "to". Other spellings ("5 April 2017") go through the ingest date parser.

    >>> parse_date_filter("2017"), parse_date_filter("2017-04", end=True)
    ('2017-01-01', '2017-04-31')
    >>> parse_date_filter("5 April 2017")
    '2017-04-05'
    """
    v = (value or "").strip()
    if not v:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", v)
    if m:
        y, mo, d = m.groups()
        mo = f"{int(mo):02d}" if mo else ("12" if end else "01")
        d = f"{int(d):02d}" if d else ("31" if end else "01")
        return f"{y}-{mo}-{d}"  # compared as text, so "-31" closes any month
    iso = parse_date(v)
    if iso and re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        return iso
    raise FactcheckError(f"the date {v!r} is not understood; write it as YYYY-MM-DD, "
                         "e.g. 2017-04-05 (or just 2017)")


def make_filters(outlets: list[str] | None, date_from: str | None,
                 date_to: str | None) -> Filters | None:
    """Filters from the panel's values; ``None`` when nothing is restricted."""
    f = Filters(outlets=[o for o in (outlets or []) if o] or None,
                date_from=parse_date_filter(date_from),
                date_to=parse_date_filter(date_to, end=True))
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise FactcheckError(f"the date range is empty: {f.date_from} is after {f.date_to}")
    return f if f.active() else None


class ChatService:
    """The app's link to :mod:`qa` for one index: answer, describe, add."""

    def __init__(self, index: str | os.PathLike | None = None):
        self.path = Path(index) if index is not None else default_index_path()

    # ---- reading ----
    def index(self) -> Index:
        """The shared reader (refreshed when a commit landed, so uploads show at once)."""
        return open_index(self.path)

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        """Answer ``question`` (raises :class:`FactcheckError` for unusable questions)."""
        t0 = time.perf_counter()
        a = ask(question, index=self.index(), filters=filters)
        if not a.latency_ms:
            a.latency_ms = (time.perf_counter() - t0) * 1000
        return a

    def info(self) -> dict:
        return self.index().info()

    def outlets(self) -> list[str]:
        return sorted((o for o in self.info()["outlets"] if o != "(unknown)"), key=str.lower)

    # ---- writing ----
    def add_files(self, files: list[str], progress=None, max_bytes: int = MAX_BYTES):
        """Index uploaded files; returns ``(AddReport, {article id: title})``."""
        items = read_uploads(files, max_bytes=max_bytes)
        arts = [x for x in items if isinstance(x, Article)]
        # uploads from this app take turns (the writer lock is also a thread lock); while
        # another process writes, IndexLocked says who and since when
        writer = Index.open(self.path, create=True)
        report = writer.add(items, progress=progress, total=len(arts))
        self.index()  # refresh the shared reader now
        return report, {a.id: a.title for a in arts}


# --- Gradio ------------------------------------------------------------------------------------

def _error_md(e: Exception) -> str:
    return f"⚠️ {render.escape_md(str(e))}"


def build_demo(index: str | os.PathLike | None = None) -> gr.Blocks:
    """The chat app for the index at ``index`` (default ``$FACTCHECK_INDEX`` or ``./index``).

    The index must exist (see :func:`qa.setup.ensure_index`); launch with :func:`launch`.
    """
    svc = ChatService(index)

    # Two steps: the question shows at once (unqueued), the answer arrives in one update.
    def post(message: str, history: list):
        message = (message or "").strip()
        if not message:
            return "", history, ""
        return "", list(history or []) + [{"role": "user", "content": message}], message

    def respond(question: str, history: list, outlets, date_from, date_to):
        if not question:
            return history
        try:
            filters = make_filters(outlets, date_from, date_to)
            a = svc.ask(question, filters)
        except FactcheckError as e:
            return list(history) + [{"role": "assistant", "content": _error_md(e)}]
        return list(history) + chat_messages(a, filters)

    def chat(message: str, outlets: list[str] | None = None, date_from: str | None = None,
             date_to: str | None = None) -> str:
        """Ask the articles a question; returns the reply with its numbered sources as text.
        Optional: only these outlets, only articles dated from / to (YYYY-MM-DD)."""
        try:
            return render.render_text(svc.ask(message, make_filters(outlets, date_from, date_to)))
        except FactcheckError as e:
            raise gr.Error(str(e)) from None

    def corpus_panel():
        try:
            info = svc.info()
        except FactcheckError as e:
            return _error_md(e), gr.Dropdown()
        outlets = sorted((o for o in info["outlets"] if o != "(unknown)"), key=str.lower)
        return render.render_corpus_markdown(info), gr.Dropdown(choices=outlets)

    def add(files, progress=gr.Progress()):  # noqa: B008 (how Gradio injects a progress bar)
        if not files:
            return "Choose one or more files first.", None
        progress(0, desc="Reading files")

        def tick(done: int, total: int | None, unit: str) -> None:
            progress((done, total or max(done, 1)), desc="Indexing", unit=unit)

        try:
            report, titles = svc.add_files(list(files), progress=tick)
        except FactcheckError as e:
            return _error_md(e), None
        return render.render_add_report(report, titles), None

    # uploads sit in Gradio's cache only until they are indexed: purge hourly what is an hour old
    with gr.Blocks(title="factcheck", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown("## factcheck\nAsk about the indexed news articles. Every answer cites "
                    "its sentences and says who said them.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    elem_id="fc-chat", height=620, show_label=False, layout="panel",
                    sanitize_html=True, allow_tags=False, latex_delimiters=[],
                    render_markdown=True, line_breaks=True, feedback_options=None,
                    buttons=["copy"], examples=[{"text": q} for q in EXAMPLES],
                    placeholder="**Ask a question about the articles**, or pick an example.",
                )
                msg = gr.Textbox(elem_id="fc-question", show_label=False, submit_btn="Ask",
                                 placeholder="How many fighters remain in the enclave?",
                                 max_lines=4, autofocus=True)
            with gr.Column(scale=1, min_width=280):
                gr.Markdown("### Corpus")
                corpus = gr.Markdown("…", elem_id="fc-corpus", line_breaks=True)
                with gr.Accordion("Filters", open=True):
                    outlets = gr.Dropdown(choices=[], multiselect=True, label="Outlets",
                                          elem_id="fc-outlets", info="Empty: all outlets")
                    with gr.Row():
                        date_from = gr.Textbox(label="From", placeholder="YYYY-MM-DD",
                                               elem_id="fc-from", max_lines=1)
                        date_to = gr.Textbox(label="To", placeholder="YYYY-MM-DD",
                                             elem_id="fc-to", max_lines=1)
                    clear_filters = gr.Button("Clear filters", size="sm")
                with gr.Accordion("Add articles", open=True):
                    files = gr.File(
                        file_count="multiple", file_types=sorted(SUFFIXES), type="filepath",
                        label=f"Files ({', '.join(sorted(SUFFIXES))}; up to "
                              f"{MAX_BYTES // 2**20} MB each)", elem_id="fc-files", height=120)
                    add_btn = gr.Button("Add to the index", variant="primary",
                                        elem_id="fc-add")
                    add_result = gr.Markdown(elem_id="fc-add-result")

        filt = [outlets, date_from, date_to]
        question = gr.State("")
        for trigger in (msg.submit(post, [msg, chatbot], [msg, chatbot, question],
                                   api_visibility="private", queue=False),
                        chatbot.example_select(_example_text, None, msg,
                                               api_visibility="private", queue=False).then(
                            post, [msg, chatbot], [msg, chatbot, question],
                            api_visibility="private", queue=False)):
            trigger.then(respond, [question, chatbot, *filt], chatbot, api_visibility="private",
                         concurrency_limit=4, concurrency_id="ask")
        gr.api(chat, api_name="chat", concurrency_limit=4, concurrency_id="ask")
        clear_filters.click(lambda: ([], "", ""), None, filt, api_visibility="private",
                            queue=False)
        add_btn.click(add, files, [add_result, files], api_visibility="private",
                      concurrency_limit=1).then(
            corpus_panel, None, [corpus, outlets], api_visibility="private")
        demo.load(corpus_panel, None, [corpus, outlets], api_visibility="private")
        # articles added elsewhere (factcheck add, another browser) show up in the panel too
        gr.Timer(60).tick(lambda: corpus_panel()[0], None, corpus, api_visibility="private",
                          show_progress="hidden", queue=False)
    demo.service = svc  # for tests and tools
    return demo


def _example_text(evt: gr.SelectData) -> str:
    v = evt.value
    return v.get("text", "") if isinstance(v, dict) else str(v or "")


def chat_messages(a: Answer, filters: Filters | None = None) -> list[dict]:
    """The chat messages for one answer: the reply, then a collapsed *Sources* box."""
    body = render.render_answer_markdown(a)
    if filters is not None and filters.active():
        body += "\n\n" + render.filters_note(filters.outlets, filters.date_from, filters.date_to)
    out = [{"role": "assistant", "content": body}]
    if a.citations or a.passages:
        out.append({"role": "assistant", "content": render.render_sources_markdown(a),
                    "metadata": {"title": render.sources_title(a), "status": "done",
                                 "duration": round(a.latency_ms / 1000, 2)}})
    return out


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, **kw):
    """Launch ``demo`` with factcheck's settings: loopback unless told otherwise, the upload
    size limit, the app's CSS. Extra keywords go to ``demo.launch``."""
    host = host or os.environ.get("FACTCHECK_HOST") or DEFAULT_HOST
    if port is None:
        port = int(os.environ.get("FACTCHECK_PORT") or DEFAULT_PORT)
    kw.setdefault("max_file_size", MAX_BYTES)
    kw.setdefault("css", CSS)
    kw.setdefault("footer_links", ["api"])
    demo.queue(default_concurrency_limit=4)
    return demo.launch(server_name=host, server_port=port, **kw)


__all__ = ["EXAMPLES", "ChatService", "build_demo", "chat_messages", "launch",
           "make_filters", "parse_date_filter"]
