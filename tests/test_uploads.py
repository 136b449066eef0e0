"""Uploaded files (qa.uploads): allowed types, size limit, names that decide nothing."""

from __future__ import annotations

import doctest
import os
import tempfile
from pathlib import Path

from qa import uploads
from qa.models import Article, Rejection


def write(d: Path, name: str, data: str | bytes) -> Path:
    p = d / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def test_module_examples():
    assert doctest.testmod(uploads).failed == 0


def test_types_size_and_kinds_of_file_are_checked_before_reading(tmp_path):
    good = write(tmp_path, "Good one.txt", "A title\n\nThe council met on Monday.")
    big = write(tmp_path, "big.txt", "T\n\n" + "x" * 5000)
    exe = write(tmp_path, "tool.exe", "MZ")
    noext = write(tmp_path, "README", "text")
    empty = write(tmp_path, "empty.md", "")
    binary = write(tmp_path, "bin.txt", b"\x00\x01" * 100)
    link = tmp_path / "link.txt"
    link.symlink_to(good)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    items = uploads.read_uploads([good, big, exe, noext, empty, binary, link, folder,
                                  tmp_path / "gone.txt"], max_bytes=1000)
    [art] = [x for x in items if isinstance(x, Article)]
    assert art.id == "Good one" and art.path == "Good one.txt"
    assert art.text == "The council met on Monday."
    reasons = {x.path: x.reason for x in items if isinstance(x, Rejection)}
    assert reasons["big.txt"].startswith("file is 4.89 KB, over the 1000 bytes upload limit")
    assert reasons["tool.exe"].startswith("unsupported file type .exe")
    assert reasons["README"].startswith("unsupported file type (no extension)")
    assert reasons["empty.md"] == "empty file"
    assert reasons["bin.txt"].startswith("binary file")
    assert reasons["link.txt"] == "not a regular file"
    assert reasons["folder.txt"] == "not a regular file"
    assert reasons["gone.txt"].startswith("cannot read the upload")
    assert len(items) == 9


def test_names_never_decide_where_anything_is_written(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    tmp_root = tmp_path / "tmp"
    tmp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_root))
    src = tmp_path / "src"
    src.mkdir()
    hostile_names = ["..", "...txt", "..%2F..%2Fescape.txt", "-rf .txt", "~root.txt",
                     "$(touch pwned).txt", "a\nb.txt", " spaced .TXT", "CON.txt"]
    files = [write(src, n, f"Title {i}\n\nBody number {i} here.")
             for i, n in enumerate(hostile_names[1:], 1)]
    before = {p for p in tmp_path.rglob("*")}
    items = uploads.read_uploads(files)
    assert {p for p in tmp_path.rglob("*")} == before  # the staging folder is gone too
    assert list(work.iterdir()) == [] and list(tmp_root.iterdir()) == []
    arts = [x for x in items if isinstance(x, Article)]
    assert len(arts) == len(files)
    # the id of a text file is its stem, as with 'factcheck add'; control characters dropped
    assert [a.id for a in arts] == ["..", "..%2F..%2Fescape", "-rf", "~root",
                                    "$(touch pwned)", "ab", "spaced", "CON"]
    assert all(os.sep not in a.id for a in arts)


def test_records_keep_the_client_name_in_reports(tmp_path):
    csv = write(tmp_path, "feed.csv", "title,text,source,date\n"
                "Ok,Some text here.,Reuters,2017-01-02\nNo body,,AP,2017-01-03\n")
    jl = write(tmp_path, "items.jsonl", '{"id": "x1", "title": "T", "text": "Body."}\n{oops\n')
    items = uploads.read_uploads([csv, jl])
    arts = [x for x in items if isinstance(x, Article)]
    rej = [x for x in items if isinstance(x, Rejection)]
    assert {a.outlet for a in arts} >= {"Reuters"} and "x1" in {a.id for a in arts}
    assert rej and all(r.path.startswith(("feed.csv", "items.jsonl")) for r in rej)
    assert all("factcheck-upload-" not in r.path + r.reason for r in rej)


def test_too_many_files(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILES", 2)
    fs = [write(tmp_path, f"{i}.txt", f"T{i}\n\nBody {i}.") for i in range(3)]
    items = uploads.read_uploads(fs)
    assert [type(x).__name__ for x in items] == ["Article", "Article", "Rejection"]
    assert "more than 2 files" in items[2].reason
