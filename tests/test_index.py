"""The on-disk index with the real model: add/update/remove, duplicates, mismatch, safety."""

import json
import shutil

import numpy as np
import pytest

from qa.errors import IndexLocked, IndexMismatch, IndexMissing
from qa.index import MANIFEST, Index, WriterLock, rebuild
from qa.ingest import make_article, read_paths
from qa.retrieve import retrieve

from .conftest import FAKES, ROOT, SEED


def art(id_, text, title="A title", **kw):
    return make_article(id=id_, title=title, text=text, **kw)


@pytest.fixture
def idx(tmp_path, encoder):
    return Index.create(tmp_path / "index", encoder=encoder)


def test_add_search_and_metadata(idx):
    rep = idx.add(read_paths([SEED]))
    assert rep.added == ["000_f520d8b3061bf427"] and rep.sentences == 17  # no "Related news"
    [p] = retrieve("How many fighters remain in the enclave?", k=1, index=idx)
    assert p.text.startswith("Bali said 400 to 600 jihadists")
    assert p.article_id == "000_f520d8b3061bf427"
    assert p.title.startswith("Backed Syrian force")
    art_text = idx.article(p.article_id).text
    assert art_text[p.start:p.end] == p.text
    assert idx.check() == []


def test_readd_unchanged_is_a_noop(idx):
    idx.add(read_paths([SEED]))
    gen = idx.manifest.generation
    files = sorted(p.name for p in idx.path.iterdir())
    rep = idx.add(read_paths([SEED]))
    assert rep.unchanged == ["000_f520d8b3061bf427"] and not rep.added and rep.sentences == 0
    assert idx.manifest.generation == gen
    assert sorted(p.name for p in idx.path.iterdir()) == files


def test_changed_article_replaces_its_old_sentences(idx):
    idx.add([art("x", "The river flooded the valley. Farmers lost their crops.")])
    rep = idx.add([art("x", "The river flooded the valley. Rescuers saved 30 people.")])
    assert rep.updated == ["x"]
    assert len(idx) == 2
    texts = [p.text for p in retrieve("crops farmers", k=5, index=idx)]
    assert "Farmers lost their crops." not in texts
    assert "Rescuers saved 30 people." in texts
    assert idx.check() == []


def test_duplicate_content_reported_not_indexed(idx):
    idx.add([art("a", "A unique sentence about tanks.")])
    rep = idx.add([art("b", "A unique sentence about tanks."),
                   art("c", "Another text."), art("c", "Another text.")])
    assert rep.duplicates == [("b", "a"), ("c", "c")]
    assert rep.added == ["c"]
    assert sorted(idx.manifest.articles) == ["a", "c"]


def test_same_id_twice_with_different_content_in_one_batch(idx):
    rep = idx.add([art("d", "First version."), art("d", "Second version.")])
    assert rep.added == ["d"]
    assert len(rep.rejected) == 1 and "used by another article" in rep.rejected[0].reason


def test_remove(idx):
    idx.add([art("a", "Alpha sentence here."), art("b", "Beta sentence here.")])
    removed, missing = idx.remove(["a", "zzz"])
    assert (removed, missing) == (["a"], ["zzz"])
    assert [p.article_id for p in retrieve("Alpha sentence", k=5, index=idx)] == ["b"]
    assert idx.check() == []


def test_rejected_file_next_to_good_ones_and_index_kept(idx, tmp_path):
    idx.add([art("keep", "An article already indexed.")])
    d = tmp_path / "batch"
    d.mkdir()
    (d / "good.txt").write_text("Good title\n\nThe convoy reached Aleppo on Monday.")
    (d / "bad.json").write_text("{broken")
    (d / "bin.txt").write_bytes(b"\x00\xff" * 50)
    rep = idx.add(read_paths([d]))
    assert rep.added == ["good"]
    assert {r.path.rsplit("/", 1)[-1] for r in rep.rejected} == {"bad.json", "bin.txt"}
    assert sorted(idx.manifest.articles) == ["good", "keep"]


def test_adding_does_not_rewrite_existing_segments(idx):
    idx.add(read_paths([FAKES]))
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size)
              for s in idx.manifest.segments for p in (idx.path / s.name).iterdir()}
    idx.add([art("new", "One more article about the ceasefire in Idlib.")])
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in before}
    assert before == after
    assert len(idx.manifest.segments) == 2


def test_model_mismatch_fails_with_one_line(idx):
    idx.add([art("a", "Some text.")])
    m = json.loads((idx.path / MANIFEST).read_text())
    m["model"], m["dim"] = "some/other-model", 768
    (idx.path / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(IndexMismatch) as e:
        Index.open(idx.path, encoder=idx.encoder)
    msg = str(e.value)
    assert "factcheck rebuild" in msg and "\n" not in msg and "some/other-model" in msg


def test_format_mismatch_and_rebuild_upgrades(idx, encoder):
    idx.add([art("a", "The dam burst on Tuesday. Two villages were flooded.")])
    m = json.loads((idx.path / MANIFEST).read_text())
    m["model"] = "old/model"
    (idx.path / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(IndexMismatch):
        Index.open(idx.path, encoder=encoder)
    rep = rebuild(idx.path, encoder=encoder)
    assert rep.added == ["a"] and rep.sentences == 2
    fresh = Index.open(idx.path, encoder=encoder)
    assert fresh.manifest.model == encoder.name and fresh.check() == []
    assert retrieve("villages flooded", k=1, index=fresh)[0].text == "Two villages were flooded."


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissing, match="factcheck add"):
        Index.open(tmp_path / "nothing")


def test_uncommitted_segment_is_ignored_and_cleaned(idx):
    idx.add([art("a", "Committed sentence.")])
    gen = idx.manifest.generation
    # a crashed writer left a finished segment folder and a temp manifest behind
    shutil.copytree(idx.path / idx.manifest.segments[0].name, idx.path / "seg-000999")
    (idx.path / ".manifest.json.tmp-12345").write_text("{half")
    fresh = Index.open(idx.path, encoder=idx.encoder)
    assert fresh.manifest.generation == gen and len(fresh) == 1
    fresh.add([art("b", "Another committed sentence.")])
    names = {p.name for p in idx.path.iterdir()}
    assert "seg-000999" not in names and ".manifest.json.tmp-12345" not in names
    assert fresh.check() == []


def test_second_writer_is_refused_and_a_killed_writers_lock_recovered(idx):
    import os
    import signal
    import subprocess
    import sys
    import time

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from qa.index import WriterLock; l = WriterLock(Path(sys.argv[1])); l.__enter__(); "
         "print('locked', flush=True); time.sleep(60)", str(idx.path)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLocked, match=f"being updated by PID {holder.pid}"):
            idx.add([art("a", "Text.")])
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    time.sleep(0.1)
    # the holder was killed: the kernel dropped its lock, so this writer goes ahead
    rep = idx.add([art("a", "Text.")])
    assert rep.added == ["a"]
    with WriterLock(idx.path):
        assert (idx.path / ".lock").read_text().split()[0] == str(os.getpid())
    assert (idx.path / ".lock").read_text() == ""


def test_readers_refresh_to_see_new_commits(idx, encoder):
    idx.add([art("a", "The bridge was destroyed.")])
    reader = Index.open(idx.path, encoder=encoder)
    idx.add([art("b", "Peace talks resumed in Geneva.")])
    assert len(reader) == 1
    assert reader.refresh() and len(reader) == 2


def test_small_segments_are_merged_without_reembedding(idx, monkeypatch):
    for i in range(10):
        idx.add([art(f"a{i}", f"Sentence number {i} about convoy {i * 7}.")])
    assert len(idx.manifest.segments) == 1  # ten same-tier segments were merged
    assert idx.check() == []
    calls = []
    monkeypatch.setattr(idx.encoder, "encode", lambda *a, **k: calls.append(1) or np.zeros(0))
    assert idx.merge(force=True) == 0 and not calls


def test_filters_apply_inside_search(examples_index):
    ps = retrieve("killed in air strikes", k=7, index=examples_index, outlets=["reuters"])
    assert len(ps) == 7 and {p.outlet for p in ps} == {"reuters"}
    ps = retrieve("killed", k=5, index=examples_index, date_from="2016-01-01",
                  date_to="2016-12-31")
    assert len(ps) == 5 and all("2016-01-01" <= p.published <= "2016-12-31" for p in ps)
    ps = retrieve("killed", k=3, index=examples_index, article_ids=["1914947535"])
    assert ps and {p.article_id for p in ps} == {"1914947535"}


def test_info_counts(examples_index):
    info = examples_index.info()
    assert info["articles"] == 160  # 159 distinct FA-KES rows (one is repeated) + the seed
    assert info["sentences"] == len(examples_index)
    assert len([o for o in info["outlets"] if o != "(unknown)"]) == 15


def test_backup_is_a_consistent_openable_copy(idx, tmp_path):
    idx.add([art("a", "The first article."), art("b", "The second article.")])
    idx.remove(["a"])
    out = idx.backup(tmp_path / "backup")
    copy = Index.open(out, encoder=idx.encoder)
    assert sorted(copy.manifest.articles) == ["b"] and copy.check() == []
    idx.add([art("c", "Added after the backup.")])
    assert sorted(Index.open(out, encoder=idx.encoder).manifest.articles) == ["b"]


def test_every_input_format_is_indexed_and_searchable(idx, tmp_path):
    d = tmp_path / "formats"
    d.mkdir()
    (d / "plain.txt").write_text("Plain title\n\nA giraffe escaped from the Damascus zoo.")
    (d / "notes.md").write_text("# Markdown title\n\nThe **harbour** of Tartus froze solid.")
    (d / "page.html").write_text(
        "<html><head><title>HTML title</title></head><body><article><h1>HTML title</h1>"
        "<p>Beekeepers in Latakia reported a record honey harvest this autumn.</p>"
        "<p>The cooperative said exports would double.</p></article></body></html>")
    (d / "one.json").write_text(json.dumps(
        {"id": "j1", "title": "JSON title", "text": "A violinist played on the ruined bridge."}))
    (d / "many.jsonl").write_text(json.dumps(
        {"id": "l1", "title": "JSONL title", "text": "Snow closed the mountain pass to Lebanon."}))
    (d / "table.csv").write_text(
        "article_title,article_content,source,date\n"
        'CSV title,"A chess tournament was held in a bombed school.",sana,3/2/18\n')
    rep = idx.add(read_paths([d]))
    assert len(rep.added) == 6 and not rep.rejected
    for q, want in [("zoo animal escaped", "plain"), ("frozen harbour", "notes"),
                    ("honey harvest", "page"), ("violin music on a bridge", "j1"),
                    ("snow mountain pass", "l1"), ("chess competition", None)]:
        [p] = retrieve(q, k=1, index=idx)
        if want is None:
            assert p.outlet == "sana" and p.published == "2018-03-02"
        else:
            assert p.article_id == want, (q, p.article_id, p.text)
