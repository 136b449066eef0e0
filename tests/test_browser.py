"""The chat in a real browser: Debian chromium, headless, driven by playwright.

Asks a question and opens its sources, filters by date, uploads an article and gets it
cited, and loads an article full of hostile markup to check that nothing in it runs.
Screenshots go to tests/screenshots/ (ignored by git; docs/chat.png is a copy of one).

``make test`` installs chromium when it is missing and we are root; these tests skip (and
say so) only when it is absent and cannot be installed.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

from qa.webapp import EXAMPLES, build_demo, launch

from .conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "tests" / "screenshots"
# Generous: a wait, not a timing assert. On a loaded 2-core machine an upload's file name
# took over 120 s to show (the whole hostile-markup test: 220 s with four busy loops).
TIMEOUT_MS = 360_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not CHROMIUM.exists():
    if os.geteuid() == 0:
        pytest.fail("chromium is missing at /usr/bin/chromium although we are root: run the "
                    "suite with 'make test', which installs it (apt-get install chromium)",
                    pytrace=False)
    pytest.skip("needs Debian chromium at /usr/bin/chromium, and we are not root so cannot "
                "install it: 'sudo apt-get install chromium', then run again",
                allow_module_level=True)

HOSTILE = """Zorbian ministry statement <script>window.__pwned = "title"</script>

The Zorbian ministry said <script>window.__pwned = 1; alert(1)</script> that 77 zorbs were \
counted in Quaxville. Officials shared <img src=x onerror="window.__pwned = 2; alert(2)"> \
photos of the Quaxville zorbs. A leaflet said [click here](javascript:window.__pwned=3) to see \
the zorbs, and <a href="javascript:window.__pwned=4">this link</a> too.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url(examples_index, tmp_path_factory):
    index = examples_index.backup(tmp_path_factory.mktemp("browser") / "index")
    demo = build_demo(index)
    _, u, _ = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield u
    demo.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1360, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(url)
    pg.wait_for_selector("#fc-question textarea")
    pg.wait_for_function("document.querySelector('#fc-corpus')?.innerText.includes('articles')")
    yield pg
    ctx.close()


def ask(page, question: str):
    """Type a question, send it, wait for the answer and its sources box; the answer row."""
    n = page.locator("#fc-chat .thought").count()
    page.fill("#fc-question textarea", question)
    page.press("#fc-question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#fc-chat .thought').length > {n}")
    return page.locator("#fc-chat .bot-row").last


def open_sources(row) -> str:
    """Open the answer's Sources box; its text once it has finished opening."""
    row.locator(".thought .title").last.click()
    box = row.locator(".thought").last
    box.locator(".message-content").first.wait_for()
    # the box slides open: wait until its height holds still for one poll (for screenshots)
    box.evaluate("el => { el.__h = -1; }")
    row.page.wait_for_function(
        "el => { const h = el.getBoundingClientRect().height; const same = h === el.__h; "
        "el.__h = h; return same; }", arg=box.element_handle(), polling=150)
    return box.inner_text()


def upload(page, path: Path) -> str:
    page.set_input_files("#fc-files input[type=file]", str(path))
    page.locator("#fc-files").get_by_text(path.name).first.wait_for()
    page.click("#fc-add")
    page.wait_for_function(
        "/added \\d+, updated/.test(document.querySelector('#fc-add-result')?.innerText)")
    return page.inner_text("#fc-add-result")


def test_ask_an_example_and_open_its_sources(page):
    for q in EXAMPLES:
        assert page.get_by_text(q, exact=True).first.is_visible()
    page.get_by_text(EXAMPLES[0], exact=True).first.click()
    page.wait_for_selector("#fc-chat .thought")
    row = page.locator("#fc-chat .bot-row").last
    assert page.locator("#fc-chat .user-row").last.inner_text().strip() == EXAMPLES[0]
    answer = row.inner_text()
    assert answer.startswith("400 to 600") and "Mustafa Bali" in answer and "[1]" in answer
    sources = open_sources(row)
    assert "Bali said 400 to 600 jihadists were estimated to be holed up in the enclave" in sources
    assert "Backed Syrian force launches 'final battle' against IS enclave" in sources
    assert "Source: Mustafa Bali, SDF official, to Reuters" in sources
    assert row.locator(".thought mark").first.inner_text() == "400 to 600"
    page.screenshot(path=str(SHOTS / "chat.png"), full_page=True)
    assert page.dialogs == []


def test_outlet_and_date_filters_constrain_the_sources(page):
    q = "How many civilians were killed in air strikes?"
    page.click("#fc-outlets input")
    page.get_by_role("option", name="reuters", exact=True).click()
    page.keyboard.press("Escape")
    page.locator("#fc-outlets .token", has_text="reuters").wait_for()  # the choice took
    sources = open_sources(ask(page, q))
    articles = [ln for ln in sources.splitlines() if ln.startswith("Article:")]
    assert articles and all(" — reuters, " in a for a in articles), sources
    page.screenshot(path=str(SHOTS / "filters.png"), full_page=True)

    page.get_by_role("button", name="Clear filters").click()
    # clearing is a server round trip; dates typed before its reply arrives are emptied by
    # it (seen on a loaded machine: the question then went out unfiltered)
    page.wait_for_function("document.querySelectorAll('#fc-outlets .token').length === 0")
    page.fill("#fc-from input, #fc-from textarea", "2017-01-01")
    page.fill("#fc-to input, #fc-to textarea", "2017-12-31")
    sources = open_sources(ask(page, q))
    dates = re.findall(r"\b(\d{4})-\d{2}-\d{2}\b", sources)
    assert dates and set(dates) == {"2017"}, sources
    assert page.locator("#fc-outlets .token").count() == 0  # the outlet filter was cleared

    page.fill("#fc-from input, #fc-from textarea", "last week")
    page.fill("#fc-question textarea", q)
    page.press("#fc-question textarea", "Enter")
    page.get_by_text("is not understood; write it as YYYY-MM-DD").first.wait_for()


def test_upload_an_article_and_get_it_cited(page, tmp_path):
    before = int(re.search(r"([\d,]+) articles", page.inner_text("#fc-corpus"))[1]
                 .replace(",", ""))
    f = tmp_path / "Glimmer bridge.txt"
    f.write_text("Glimmer bridge reopens after repairs\n\nThe Glimmer bridge over the Ondra "
                 "river reopened on Tuesday after 14 months of repairs, the city council said.")
    result = upload(page, f)
    assert "added 1," in result and "Glimmer bridge reopens after repairs" in result
    page.wait_for_function(
        f"document.querySelector('#fc-corpus')?.innerText.includes('{before + 1:,} articles')")
    sources = open_sources(ask(page, "How long was the Glimmer bridge under repair?"))
    first = sources.split("[2]")[0]
    assert "The Glimmer bridge over the Ondra river reopened on Tuesday" in first
    assert "Glimmer bridge reopens after repairs" in first
    page.screenshot(path=str(SHOTS / "upload.png"), full_page=True)


def test_hostile_markup_is_shown_as_text_and_runs_nothing(page, tmp_path):
    f = tmp_path / "<img src=x onerror=alert(7)>.txt"
    f.write_text(HOSTILE)
    result = upload(page, f)
    assert "added 1," in result
    assert 'Zorbian ministry statement <script>window.__pwned = "title"</script>' in result
    sources = open_sources(ask(page, "How many zorbs were counted in Quaxville?"))
    assert "<script>window.__pwned = 1; alert(1)</script>" in sources
    sources += open_sources(ask(page, "What photos of the Quaxville zorbs did officials share?"))
    assert '<img src=x onerror="window.__pwned = 2; alert(2)">' in sources
    sources += open_sources(ask(page, "What did the leaflet about the zorbs say?"))
    assert "[click here](javascript:window.__pwned=3)" in sources
    assert '<a href="javascript:window.__pwned=4">this link</a>' in sources
    page.wait_for_timeout(500)  # give an injected handler the chance to fire
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []
    chat = "#fc-chat"
    assert page.locator(f"{chat} script, {chat} img, {chat} [onerror]").count() == 0
    assert page.evaluate(
        "[...document.querySelectorAll('a[href]')].filter(a => "
        "!/^(https?:|blob:|#|\\/)/i.test(a.getAttribute('href'))).length") == 0
    page.screenshot(path=str(SHOTS / "hostile.png"), full_page=True)
