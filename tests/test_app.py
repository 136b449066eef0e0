"""The chat app (app.py / qa.webapp), launched for real and driven through gradio_client."""

from __future__ import annotations

import importlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import gradio as gr
import pytest
from gradio_client import Client

from qa.errors import FactcheckError, IndexLocked
from qa.webapp import EXAMPLES, chat_messages, launch, make_filters, parse_date_filter

from . import answers
from .conftest import ROOT

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_index(examples_index, tmp_path_factory):
    """A writable copy of the bundled-articles index (segments hard-linked: instant)."""
    return examples_index.backup(tmp_path_factory.mktemp("app") / "index")


@pytest.fixture(scope="module")
def server(app_index):
    """app.py's module-level ``demo`` over ``app_index``, launched in this process."""
    old = os.environ.get("FACTCHECK_INDEX")
    os.environ["FACTCHECK_INDEX"] = str(app_index)
    try:
        app = importlib.reload(importlib.import_module("app"))
    finally:
        if old is None:
            os.environ.pop("FACTCHECK_INDEX", None)
        else:
            os.environ["FACTCHECK_INDEX"] = old
    assert isinstance(app.demo, gr.Blocks)
    _, url, _ = launch(app.demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield app.demo, url
    app.demo.close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server[1], verbose=False)


def test_binds_to_loopback(server):
    assert server[1].startswith("http://127.0.0.1:")


def test_chat_endpoint_replies_with_sources(client):
    reply = client.predict(EXAMPLES[0], api_name="/chat")
    assert isinstance(reply, str)
    assert reply.startswith("400 to 600 ") and "Mustafa Bali" in reply.splitlines()[0]
    assert "Bali said 400 to 600 jihadists were estimated to be holed up in the enclave" in reply
    assert "\nSources:\n[1] " in reply
    first = reply.split("\nSources:\n", 1)[1].splitlines()[0]
    assert "400 to 600" in first and "(Mustafa Bali, SDF official (to Reuters))" in first
    assert "Backed Syrian force launches 'final battle' against IS enclave" in first


def test_only_the_chat_endpoint_is_public(client):
    assert set(client.view_api(return_format="dict")["named_endpoints"]) == {"/chat"}


def test_unusable_question_gives_one_clear_error(client):
    with pytest.raises(Exception, match="the question is empty"):
        client.predict("   ", api_name="/chat")


def test_uploaded_article_is_searchable_at_once(server, client, tmp_path):
    demo, _ = server
    svc = demo.service
    before = svc.info()["articles"]
    f = tmp_path / "Quaxville census.txt"
    f.write_text("Quaxville census finds 77 zorbs\n\nThe Zorbian ministry said 77 zorbs were "
                 "counted in Quaxville during the spring census, up from 12 last year.")
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4")
    report, titles = svc.add_files([str(f), str(bad)])
    assert report.added == ["Quaxville census"] and titles == {
        "Quaxville census": "Quaxville census finds 77 zorbs"}
    assert [r.path for r in report.rejected] == ["notes.pdf"]
    assert svc.info()["articles"] == before + 1
    reply = client.predict("How many zorbs were counted in Quaxville?", api_name="/chat")
    first = reply.split("\nSources:\n", 1)[1].splitlines()[0]
    assert first.startswith("[1] \"The Zorbian ministry said 77 zorbs")
    assert "Quaxville census finds 77 zorbs" in first
    # the same file again is unchanged; edited, it is updated in place
    assert svc.add_files([str(f)])[0].unchanged == ["Quaxville census"]
    f.write_text(f.read_text().replace("77 zorbs were", "78 zorbs were"))
    assert svc.add_files([str(f)])[0].updated == ["Quaxville census"]
    assert "78 zorbs" in client.predict("How many zorbs were counted in Quaxville?",
                                        api_name="/chat")


def test_upload_while_another_writer_works_is_a_clear_message(server, tmp_path):
    svc = server[0].service
    f = tmp_path / "x.txt"
    f.write_text("T\n\nSome body text.")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pathlib; from qa.index import WriterLock\n"
         f"with WriterLock(pathlib.Path({str(svc.path)!r})):\n"
         "    print('locked', flush=True); sys.stdin.read()"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLocked, match=f"being updated by PID {holder.pid}"):
            svc.add_files([str(f)])
    finally:
        holder.communicate("", timeout=30)
    assert svc.add_files([str(f)])[0].added == ["x"]  # and works once the other is done


def test_filters_constrain_retrieval(server):
    svc = server[0].service
    q = "How many civilians were killed in air strikes?"
    free = svc.ask(q)
    outlets = {p.outlet for p in free.passages}
    assert len(outlets) > 1
    pick = sorted(outlets)[0]
    only = svc.ask(q, make_filters([pick], None, None))
    assert only.citations and {c.passage.outlet for c in only.citations} == {pick}
    y2017 = svc.ask(q, make_filters(None, "2017", "2017"))
    assert y2017.citations and all(c.passage.published.startswith("2017")
                                   for c in y2017.citations)
    none = svc.ask(q, make_filters(None, "2031-01-01", None))
    assert none.citations == [] and none.passages == []


def test_outlets_and_counts_for_the_corpus_panel(server):
    svc = server[0].service
    info = svc.info()
    assert info["articles"] >= 160 and info["sentences"] > 1000
    assert len(svc.outlets()) == 15 and "reuters" in svc.outlets()


@pytest.mark.parametrize("value,end,want", [
    ("", False, None), ("2017", False, "2017-01-01"), ("2017", True, "2017-12-31"),
    ("2017-4", True, "2017-04-31"), ("2017-04-05", False, "2017-04-05"),
    ("April 5, 2017", False, "2017-04-05"),
])
def test_date_filters(value, end, want):
    assert parse_date_filter(value, end=end) == want


def test_bad_date_filters_say_what_to_write():
    with pytest.raises(FactcheckError, match="YYYY-MM-DD"):
        parse_date_filter("last week")
    with pytest.raises(FactcheckError, match="the date range is empty"):
        make_filters(None, "2018", "2017")
    assert make_filters([], "", None) is None


def test_chat_messages_put_sources_in_a_closed_box():
    answer, box = chat_messages(answers.cited())
    assert answer["role"] == "assistant" and answer["content"].startswith("### 400 to 600")
    assert box["metadata"]["title"] == "Sources (1)" and box["metadata"]["status"] == "done"
    assert "<mark>400 to 600</mark>" in box["content"]
    [only] = chat_messages(answers.Answer(question="q"))
    assert "No sentence in the articles" in only["content"]
    body = chat_messages(answers.cited(), make_filters(["reuters"], "2017", None))[0]["content"]
    assert body.endswith("*Searched only: reuters; from 2017\\-01\\-01*")


def test_factcheck_serve(app_index, tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--index",
                             str(app_index), "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.5)
        reply = Client(url, verbose=False).predict(EXAMPLES[0], api_name="/chat")
        assert "400 to 600" in reply
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}" in out

    r = subprocess.run([sys.executable, "-m", "qa.cli", "serve", "--index",
                        str(tmp_path / "nothing")], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert "no index at" in r.stderr and "factcheck add" in r.stderr


def test_uploads_over_the_limit_are_refused_by_the_server(server):
    import httpx

    from qa.ingest import MAX_BYTES

    demo, url = server
    up = f"{url}gradio_api/upload"
    r = httpx.post(up, files={"files": ("big.txt", b"a" * (MAX_BYTES + 1), "text/plain")})
    assert r.status_code == 413
    # a client-chosen name with path parts lands inside the server's upload folder, and
    # from there only its base name is used (as the article id of a text file)
    r = httpx.post(up, files={"files": ("../../escape me.txt", b"Title\n\nA body sentence.",
                                        "text/plain")})
    assert r.status_code == 200
    [path] = r.json()
    assert os.path.basename(path) == "escape me.txt"
    report, _ = demo.service.add_files([path])
    assert report.added == ["escape me"]


def source_lines(reply: str) -> list[str]:
    """The numbered source lines of a /chat reply (Sources or Closest passages)."""
    tail = re.split(r"\n(?:Sources|Closest passages):\n", reply, maxsplit=1)[1]
    return [ln for ln in tail.splitlines() if re.match(r"\[\d+\] ", ln)]


def test_chat_endpoint_takes_optional_filters(client):
    q = "How many civilians were killed?"
    lines = source_lines(client.predict(q, ["reuters"], api_name="/chat"))
    assert lines and all(" | reuters | " in ln for ln in lines)
    reply = client.predict(q, date_from="2017", date_to="2017-06", api_name="/chat")
    dates = [re.search(r" \| (\d{4}-\d{2})-\d{2}", ln)[1] for ln in source_lines(reply)]
    assert dates and all("2017-01" <= d <= "2017-06" for d in dates), reply
    with pytest.raises(Exception, match="is not understood; write it as YYYY-MM-DD"):
        client.predict(q, date_from="garbage", api_name="/chat")
