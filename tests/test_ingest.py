"""Reading articles: every format, normalisation, and one-line rejections (no model)."""

import json

import pytest

from qa.ingest import decode_bytes, make_article, normalise_text, parse_date, read_paths
from qa.models import Article, Rejection

from .conftest import FAKES, SEED


def _articles(items):
    return [x for x in items if isinstance(x, Article)]


def _rejections(items):
    return [x for x in items if isinstance(x, Rejection)]


def test_txt_first_line_is_title_and_repeated_title_removed():
    [a] = _articles(read_paths([SEED]))
    assert a.id == "000_f520d8b3061bf427"
    assert a.title == "Backed Syrian force launches 'final battle' against IS enclave"
    assert a.text.startswith("USA -backed and Kurdish-led Syrian forces")
    assert a.title not in a.text
    assert len(a.hash) == 16


def test_markdown(tmp_path):
    p = tmp_path / "note.md"
    p.write_text("# Big headline\n\nThe **army** said [ten](http://x) people died.\n")
    [a] = _articles(read_paths([p]))
    assert (a.title, a.text) == ("Big headline", "The army said ten people died.")


def test_html_main_text_extracted_with_metadata(tmp_path):
    p = tmp_path / "page.html"
    p.write_text(
        "<html><head><title>Strike kills 12 in Idlib</title>"
        '<meta property="og:site_name" content="Example News">'
        '<meta property="article:published_time" content="2017-04-08"></head><body>'
        "<nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        "<article><h1>Strike kills 12 in Idlib</h1>"
        "<p>An air strike killed 12 civilians in Idlib province on Saturday, a monitor said.</p>"
        "<p>The Syrian Observatory for Human Rights said the strike hit a market.</p></article>"
        "<script>alert('x')</script><footer>Copyright 2017</footer></body></html>")
    [a] = _articles(read_paths([p]))
    assert "An air strike killed 12 civilians" in a.text
    assert "Observatory" in a.text
    assert "alert" not in a.text and "Home" not in a.text
    assert a.title == "Strike kills 12 in Idlib"
    assert a.published == "2017-04-08"


def test_json_object_list_and_jsonl(tmp_path):
    rec = {"id": "a1", "title": "T one", "text": "First body.", "outlet": "AP",
           "url": "http://x/1", "published": "2019-02-10"}
    (tmp_path / "one.json").write_text(json.dumps(rec))
    (tmp_path / "many.json").write_text(json.dumps([dict(rec, id="a2", text="Second."),
                                                    dict(rec, id="a3", text="Third.")]))
    (tmp_path / "lines.jsonl").write_text(
        json.dumps(dict(rec, id="a4", text="Fourth.")) + "\n\n" +
        json.dumps(dict(rec, id="a5", text="Fifth.")) + "\n")
    arts = _articles(read_paths([tmp_path]))
    assert sorted(a.id for a in arts) == ["a1", "a2", "a3", "a4", "a5"]
    a1 = next(a for a in arts if a.id == "a1")
    assert (a1.outlet, a1.url, a1.published) == ("AP", "http://x/1", "2019-02-10")


def test_fakes_csv_ingests_as_is():
    items = list(read_paths([FAKES]))
    arts = _articles(items)
    assert len(arts) == 160 and not _rejections(items)
    a = arts[0]
    assert a.id == "1914947530" and a.outlet == "nna" and a.published == "2017-04-05"
    # the date stamp and the repeated title are gone from the body
    assert a.text.startswith("Victims of a suspected chemical attack")


def test_generic_csv_columns_by_name(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("Headline;Body;Publisher;Date\nA headline;Some body text.;BBC;2020-01-02\n")
    [a] = _articles(read_paths([p]))
    assert (a.title, a.text, a.outlet, a.published) == (
        "A headline", "Some body text.", "BBC", "2020-01-02")


def test_normalisation_encoding_whitespace(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 news\n\nThe caf\xe9 opened.".encode("latin-1"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfBOM title\r\n\r\nBody\xc2\xa0 here.\r\n")
    arts = {a.id: a for a in _articles(read_paths([tmp_path]))}
    assert arts["latin"].text == "The café opened."
    assert arts["bom"].title == "BOM title" and arts["bom"].text == "Body here."
    assert normalise_text("a\u200b b\n\n\n\nc") == "a b\n\nc"


def test_bad_files_are_rejected_with_a_reason_and_good_ones_kept(tmp_path):
    (tmp_path / "good.txt").write_text("Good title\n\nGood body sentence.")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "nocol.csv").write_text("a,b\n1,2\n")
    (tmp_path / "ragged.csv").write_text('title,text\nT,"ok text."\nT2,x,extra\n')
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "notext.jsonl").write_text('{"title": "no text"}\n')
    items = list(read_paths([tmp_path, tmp_path / "missing.txt"]))
    assert sorted(a.title for a in _articles(items)) == ["Good title", "T"]
    reasons = {r.path.rsplit("/", 1)[-1]: r.reason for r in _rejections(items)}
    assert "binary" in reasons["binary.txt"]
    assert reasons["empty.txt"] == "empty file"
    assert reasons["broken.json"].startswith("invalid JSON")
    assert reasons["nocol.csv"].startswith("no text column")
    assert "columns" in reasons["ragged.csv:row 3"]
    assert reasons["image.png"].startswith("unsupported file type .png")
    assert "text" in reasons["notext.jsonl:1"]
    assert reasons["missing.txt"] == "no such file or folder"


def test_oversized_file_rejected(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("Title\n\n" + "word " * 1000)
    [r] = _rejections(read_paths([p], max_bytes=1000))
    assert "over the" in r.reason and "--max-mb" in r.reason


@pytest.mark.parametrize("raw,iso", [
    ("4/5/17", "2017-04-05"), ("2019-02-10T08:00:00Z", "2019-02-10"),
    ("Wed 05 Apr 2017", "2017-04-05"), ("9 August 2016", "2016-08-09"),
    ("Fri Feb 27 2015", "2015-02-27"), ("sometime", "sometime"), ("", None),
])
def test_parse_date(raw, iso):
    assert parse_date(raw) == iso


def test_stable_ids_and_hashes():
    a = make_article(title="Same", text="Body text.")
    b = make_article(title="Same", text="Body text.")
    c = make_article(title="Same", text="Body text changed.")
    assert a.id == b.id and a.hash == b.hash
    assert a.hash != c.hash


def test_decode_rejects_binary_and_handles_utf16():
    assert decode_bytes("héllo".encode("utf-16")) == "héllo"
    with pytest.raises(Exception, match="binary"):
        decode_bytes(b"abc\x00def")
