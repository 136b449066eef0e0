"""Rendering answers (qa.render): what a fact-checker sees, and that article text stays text.

The Markdown is rendered to HTML with markdown-it (CommonMark + tables, raw HTML on, like
the chat's renderer before its sanitizer) and the HTML is inspected element by element, so
the tests do not depend on the browser-side sanitizer catching anything.
"""

from __future__ import annotations

import doctest
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from qa import render
from qa.models import Answer, Attribution, Figure

from . import answers

MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")

ALLOWED = {  # element -> attributes our own markup may produce
    "p": set(), "strong": set(), "em": set(), "mark": set(), "h3": set(), "br": set(),
    "a": {"href"}, "span": {"class"}, "table": set(), "thead": set(), "tbody": set(),
    "tr": set(), "th": {"style"}, "td": {"style"}, "ul": set(), "li": set(),
}


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(md: str) -> Tree:
    t = Tree()
    t.feed(MD.render(md))
    return t


def assert_safe(md: str) -> Tree:
    t = parse(md)
    for tag, attrs in t.elements:
        assert tag in ALLOWED, f"unexpected <{tag}> in {md!r}"
        assert set(attrs) <= ALLOWED[tag], f"unexpected attributes {attrs} on <{tag}>"
        if tag == "a":
            assert attrs["href"].startswith(("http://", "https://")), attrs
        if tag == "span":
            assert attrs["class"].startswith("fc-badge "), attrs
    return t


def text_of(md: str) -> str:
    return "".join(parse(md).text)


def test_module_examples():
    assert doctest.testmod(render).failed == 0


# --- untrusted text ----------------------------------------------------------------------------

def test_hostile_article_renders_as_text_and_makes_no_elements():
    a = answers.hostile()
    body, sources = render.render_answer_markdown(a), render.render_sources_markdown(a)
    for md in (body, sources):
        assert_safe(md)
    shown = text_of(sources)
    # the characters are shown exactly...
    assert '<script>window.__pwned=1</script>' in shown
    assert '<img src=x onerror="window.__pwned=2">' in shown
    assert "[click](javascript:alert(3))" in shown
    assert "**counted** | in `Quaxville`" in shown
    assert '<img src=x onerror="alert(1)">Title' in shown and "<b>Outlet</b>" in shown
    assert "<script>x()</script>" in shown and "[r](javascript:y)" in shown
    # ...and none of it became markup: the only link-free, script-free elements are ours
    tags = [t for t, _ in parse(sources).elements]
    assert "script" not in tags and "img" not in tags and "a" not in tags  # url was javascript:
    assert tags.count("mark") == 1
    shown_body = text_of(body)
    assert "<script>alert(9)</script>" in shown_body and "<img src=x onerror=alert(5)>" in shown_body
    assert "<b>77</b>" in shown_body and "<script>s</script>" in shown_body
    # the "|" inside a figure's outlet did not add a column
    rows = [r for r in body.splitlines() if r.startswith("| ")]
    assert all(r.count(" | ") == 3 for r in rows)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_escaped_text_shows_exactly_its_characters(s):
    md = render.escape_md(s)
    t = assert_safe(md)
    assert not t.elements or [e for e, _ in t.elements] == ["p"]
    want = " ".join(render._CTRL.sub("", s).split())
    assert "".join(t.text).strip() == want.strip()


@pytest.mark.parametrize("url,ok", [
    ("https://example.org/a", True), ("http://x.y/p?q=1#f", True),
    ("javascript:alert(1)", False), ("JAVASCRIPT:alert(1)", False), (" javascript:x", False),
    ("data:text/html,<script>x</script>", False), ("//evil.org", False), ("ftp://x.y", False),
    ("https://x.y/\njavascript:x", False), ("https:///nohost", False), ("", False), (None, False),
    ("vbscript:msgbox", False), ("https://x.y/a)(b\"<c>", True),
])
def test_only_http_links(url, ok):
    u = render.safe_url(url)
    assert (u is not None) == ok
    if ok:
        assert not any(c in u for c in '()<>" \\'), u
        t = assert_safe(f"[t]({u})")
        assert t.elements == [("p", {}), ("a", {"href": u})]


# --- what a fact-checker sees ------------------------------------------------------------------

def test_cited_answer_with_span_speaker_role_outlet_article_and_link():
    a = answers.cited()
    body = text_of(render.render_answer_markdown(a))
    assert body.startswith("400 to 600") and "[1]" in body
    md = render.render_sources_markdown(a)
    t = assert_safe(md)
    shown = "".join(t.text)
    assert "[1]" in shown and answers.FIGHTERS in shown
    assert "Mustafa Bali, SDF official, to Reuters" in shown
    assert "Backed Syrian force launches 'final battle' — Reuters, 2019-02-10" in shown
    assert "Also in: Ahram (2019-02-11)" in shown
    html = MD.render(md)
    assert "<mark>400 to 600</mark>" in html
    assert ('<a href="https://example.org/news/1"><em>Backed Syrian force launches '
            "'final battle'</em></a>") in html.replace("&#x27;", "'")
    assert render.sources_title(a) == "Sources (1)"


def test_disagreeing_figures_as_a_table():
    a = answers.conflict()
    md = render.render_answer_markdown(a)
    t = assert_safe(md)
    tags = [e for e, _ in t.elements]
    assert tags.count("tr") == 3 and tags.count("th") == 4
    html = MD.render(md)
    for cell in ("Figure", "Source", "Outlet", "Date", "Syrian Observatory for Human Rights",
                 "alaraby", "2017-04-04", "WHO", "reuters", "2017-04-05"):
        assert f">{cell}</t" in html, cell
    assert "<strong>at least 58</strong> [1]" in html and "<strong>52</strong> [2]" in html
    txt = render.render_text(a)
    assert "- at least 58 [1] — Syrian Observatory for Human Rights; alaraby; 2017-04-04" in txt
    assert "- 52 [2] — WHO; reuters; 2017-04-05" in txt


def test_verdict_badge_with_reason():
    a = answers.verdict()
    md = render.render_answer_markdown(a)
    assert_safe(md)
    assert md.startswith('Verdict: <span class="fc-badge fc-refuted">Refuted</span>')
    assert "The SDF denies agreeing a ceasefire [1]." in text_of(md)
    assert "refutes" in text_of(render.render_sources_markdown(a))
    assert render.render_text(a).startswith("Verdict: REFUTED — The SDF denies")
    for label, cls in [("SUPPORTED", "fc-supported"), ("CONFLICTING", "fc-conflicting"),
                       ("NOT_ENOUGH_INFO", "fc-not-enough-info")]:
        a.verdict.label = label
        assert f'class="fc-badge {cls}"' in render.render_answer_markdown(a)


def test_declined_question_says_so_and_shows_closest_passages():
    a = answers.declined()
    body = text_of(render.render_answer_markdown(a))
    assert body.startswith("Not in the articles.")
    assert render.sources_title(a) == "Closest passages (2)"
    src = text_of(render.render_sources_markdown(a))
    assert "Canberra hosted talks" in src and "The capital Damascus was shelled." in src
    txt = render.render_text(a)
    assert txt.startswith("Not in the articles.") and "Closest passages:" in txt
    assert "Sources:" not in txt


def test_question_in_another_language_is_not_called_missing_from_the_articles():
    # before: "Not in the articles. The question does not look like English; ..."
    a = Answer(question="¿Cuántos combatientes quedan?", abstained=True, declined="not_english",
               reply="The question does not look like English; ask in English.")
    for out in (text_of(render.render_answer_markdown(a)), render.render_text(a)):
        assert out.startswith("The question does not look like English")
        assert "Not in the articles" not in out
    assert render.render_text(answers.declined()).startswith("Not in the articles.")


def test_an_unattributed_figure_names_its_outlet_once_in_text():
    # before: "- Hundreds [1] — ahram; ahram; 2017-04-04"
    figs = [Figure(value="Hundreds", low=200, citations=[1], sources=["ahram"],
                   outlets=["ahram"], dates=["2017-04-04"]),
            Figure(value="at least 640", low=640, citations=[2], sources=["World leaders"],
                   outlets=["arabiya"], dates=["2013-08-21"])]
    a = Answer(question="How many?", answer="Hundreds", reply="Hundreds [1].",
               figures=figs, conflict=True)
    txt = render.render_text(a)
    assert "- Hundreds [1] — ahram; 2017-04-04" in txt
    assert "- at least 640 [2] — World leaders; arabiya; 2013-08-21" in txt


def test_plain_text_reply_for_scripts():
    txt = render.render_text(answers.cited())
    assert txt.splitlines()[0].startswith("400 to 600 jihadists are holed up")
    assert ("[1] \"" + answers.FIGHTERS + "\" (Mustafa Bali, SDF official (to Reuters)) | "
            "Backed Syrian force launches 'final battle' | Reuters | 2019-02-10 | "
            "https://example.org/news/1") in txt
    empty = render.render_text(Answer(question="q"))
    assert empty == "No sentence in the articles matches this question."


@pytest.mark.parametrize("att,want", [
    (None, "unattributed"),
    (Attribution(speaker="Reuters", kind="unattributed"), "unattributed (Reuters)"),
    (Attribution(source="he", kind="direct"), "he (not resolved)"),
    (Attribution(speaker="Mustafa Bali", role="SDF official", via="Reuters", kind="indirect"),
     "Mustafa Bali, SDF official (to Reuters)"),
    (Attribution(speaker="SDF official Mustafa Bali", role="SDF official", kind="direct"),
     "SDF official Mustafa Bali"),
])
def test_source_line(att, want):
    assert render.source_line(att) == want


def test_corpus_and_upload_reports_escape_names():
    from qa.models import AddReport, Rejection

    info = {"articles": 3, "sentences": 40, "outlets": {"<img src=x onerror=y>": 2,
                                                         "(unknown)": 1},
            "dates": ["2016-01-01", "2017-02-02"]}
    md = render.render_corpus_markdown(info)
    assert_safe(md)
    assert "3 articles · 40 sentences · 1 outlet" in text_of(md)
    assert "<img src=x onerror=y> (2)" in text_of(md)
    rep = AddReport(added=["a<b>"], updated=["u"], unchanged=["c"],
                    duplicates=[("d", "e")],
                    rejected=[Rejection(path="<script>x</script>.txt", reason="empty file")])
    md = render.render_add_report(rep, {"a<b>": "T*i*tle"})
    assert_safe(md)
    shown = text_of(md)
    for s in ("Added: T*i*tle (id a<b>)", "Updated: id u", "Unchanged: id c",
              "Duplicate: id d has the same text as id e",
              "Rejected: <script>x</script>.txt — empty file"):
        assert s in shown, s


def test_reply_lists_become_the_table_and_the_box_not_repeated_prose():
    a = answers.conflict_with_listed_figures()
    body = text_of(render.render_answer_markdown(a))
    assert "according to SOHR" not in body and "The sources disagree:" in body  # table heading
    assert "at least 58, according to the Syrian Observatory for Human Rights [1]." in body
    assert "(Low confidence: check the cited sentence.)" in body
    txt = render.render_text(a)
    assert "according to SOHR" not in txt and txt.count("- at least 58 [1]") == 1


def test_decline_shows_the_closest_passages_numbered_as_in_the_reply():
    a = answers.declined_with_closest()
    body = text_of(render.render_answer_markdown(a))
    assert body.startswith("Not in the articles. The articles do not say what is the capital")
    assert "Hasakeh" not in body
    assert render.sources_title(a) == "Closest passages (2)"
    box = text_of(render.render_sources_markdown(a))
    assert box.index("[1] “Hasakeh city") < box.index("[2] “Shelling hit") and "Unrelated" not in box
    txt = render.render_text(a)
    assert txt.count("Hasakeh city") == 1 and "\nClosest passages:\n[1] \"Hasakeh" in txt


def test_claim_sources_carry_their_stance_in_text():
    assert "[1] [refutes] \"The SDF said it has not" in render.render_text(answers.verdict())


def test_compatible_figures_are_different_not_a_disagreement():
    a = answers.conflict()
    a.figures[1] = a.figures[1].model_copy(update={"value": "72", "low": 72, "high": 72})
    assert "The sources give different figures:" in text_of(render.render_answer_markdown(a))
    assert "The sources give different figures:" in render.render_text(a)
    assert "The sources disagree:" in render.render_text(answers.conflict())
