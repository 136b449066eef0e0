"""The manifest's columnar article table behaves as the dict it replaces."""

from __future__ import annotations

import json

import pytest

from qa.catalog import ArticleEntry, ArticleTable
from qa.errors import IndexCorrupt
from qa.index import MANIFEST, Index, Manifest, read_manifest
from qa.ingest import make_article

from .fakes import HashEncoder


def _entry(i: int, **kw) -> ArticleEntry:
    return ArticleEntry(hash=f"h{i}", segment=f"seg-{i % 3:06d}", rows=(i, i + 2),
                        title=kw.get("title", f"Title {i} é"), outlet=kw.get("outlet"),
                        published=kw.get("published"), url=kw.get("url"))


def test_table_matches_a_dict_through_updates_removals_and_compaction():
    table, ref = ArticleTable(), {}
    for i in range(3000):
        e = _entry(i, outlet=["AFP", None, "SANA"][i % 3],
                   published="2017-05-01" if i % 2 else None,
                   url=f"https://x.org/{i}" if i % 5 == 0 else None)
        table[f"a{i}"] = ref[f"a{i}"] = e
    for i in [i for i in range(3000) if i % 3]:  # enough removals to compact the table
        assert table.pop(f"a{i}") == ref.pop(f"a{i}")
    assert table._holes < 2000  # compacted on the way
    for i in (3, 9, 2997):  # replacing keeps the position, re-adding goes last
        table[f"a{i}"] = ref[f"a{i}"] = _entry(i + 10_000, title="new")
    table["a1"] = ref["a1"] = _entry(1)
    assert list(table) == list(ref) and dict(table.items()) == ref
    assert table == ref and len(table) == len(ref) == 1001
    assert "a2" not in table and table.get("a2") is None
    assert all(table.citation(a) == (e.title, e.outlet, e.published, e.url)
               for a, e in ref.items())
    assert table.citation("a2") is None
    assert dict(table.hashes()) == {e.hash: aid for aid, e in ref.items()}
    copy = table.copy()
    copy["a3"] = _entry(5, title="changed in the copy")
    del copy["a6"]
    assert table == ref and table["a3"].title == "new" and "a6" in table


def test_manifest_json_is_unchanged_and_round_trips(tmp_path):
    m = Manifest(model="m", dim=4, articles={"x": _entry(1, outlet="AFP").model_dump(),
                                             "y": _entry(2, url="u")})
    raw = json.loads(m.model_dump_json())
    assert raw["articles"]["x"] == {"hash": "h1", "segment": "seg-000001", "rows": [1, 3],
                                    "title": "Title 1 é", "outlet": "AFP",
                                    "published": None, "url": None}
    back = Manifest.model_validate_json(m.model_dump_json())
    assert isinstance(back.articles, ArticleTable) and back.articles == m.articles
    clone = back.clone()
    clone.articles.pop("x")
    assert "x" in back.articles


@pytest.mark.parametrize("bad", [{"hash": 5, "segment": "s", "rows": [0, 1]},
                                 {"segment": "s", "rows": [0, 1]},
                                 {"hash": "h", "segment": "s", "rows": [0]},
                                 {"hash": "h", "segment": "s", "rows": [0, 1], "url": 3}])
def test_a_bad_article_entry_is_a_corrupt_index(tmp_path, bad):
    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    idx.add([make_article(id="a", title="T", text="The dam burst.")])
    raw = json.loads((idx.path / MANIFEST).read_text())
    raw["articles"]["b"] = bad
    (idx.path / MANIFEST).write_text(json.dumps(raw))
    with pytest.raises(IndexCorrupt):
        read_manifest(idx.path)
