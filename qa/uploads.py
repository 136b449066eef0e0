"""Files uploaded through the chat -> articles, safely.

An uploaded file's name is untrusted: it is shown to the user (escaped) and, as with
``factcheck add``, its stem becomes the article id of a ``.txt``/``.md``/``.html`` file; it
never decides where anything is written. Each upload is copied into a fresh temporary
folder under a server-chosen name (``0000.txt``, ``0001.csv``, ...) that keeps only an
allowed suffix. Files over the size limit, of another type, or that are not regular files
are rejected before a byte is read.

Example:
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "my notes.txt").write_text("Title\\n\\nBali said 400 to 600 remain.")
    >>> items = read_uploads([d / "my notes.txt", d / "x.exe"])
    >>> [(type(x).__name__, x.id if hasattr(x, "id") else x.reason[:22]) for x in items]
    [('Article', 'my notes'), ('Rejection', 'unsupported file type ')]
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from qa.ingest import _CTRL, MAX_BYTES, SUFFIXES, _unsupported, read_file
from qa.models import Article, Rejection

MAX_FILES = 200  # per upload


def display_name(path: str | os.PathLike) -> str:
    """The client's file name as shown in reports: base name only, no control characters.

    >>> display_name("/tmp/gradio/3f2a/My report\\x00.txt")
    'My report.txt'
    """
    name = os.path.basename(str(path).replace("\\", "/").rstrip("/"))
    return _clean(name)[:200] or "upload"


def _clean(name: str) -> str:
    """No control characters (newlines included) and no surrounding space."""
    return _CTRL.sub("", "".join(c for c in name if c >= " " and c != "\x7f")).strip()


def _size(n: int) -> str:
    """``_size(20 * 2**20) == '20 MB'``, ``_size(1500) == '1.46 KB'``."""
    if n >= 2**20:
        return f"{n / 2**20:.3g} MB"
    return f"{n / 2**10:.3g} KB" if n >= 2**10 else f"{n} bytes"


def _stage(src: Path, dest: Path, max_bytes: int) -> Rejection | None:
    """Copy ``src`` to ``dest`` after checking type and size; a Rejection if not taken."""
    name = display_name(src)
    try:
        st = os.lstat(src)
    except OSError as e:
        return Rejection(path=name, reason=f"cannot read the upload ({e.strerror or e})")
    if not stat.S_ISREG(st.st_mode):
        return Rejection(path=name, reason="not a regular file")
    if st.st_size > max_bytes:
        return Rejection(path=name, reason=(
            f"file is {_size(st.st_size)}, over the {_size(max_bytes)} upload limit "
            "(split it, or add it with 'factcheck add --max-mb N')"))
    if st.st_size == 0:
        return Rejection(path=name, reason="empty file")
    with open(src, "rb") as fi, open(dest, "xb") as fo:
        # copy at most max_bytes + 1, so a file that grows after the check is still caught
        shutil.copyfileobj(_Limited(fi, max_bytes + 1), fo)
    if dest.stat().st_size > max_bytes:
        dest.unlink()
        return Rejection(path=name, reason=f"file is over the {_size(max_bytes)} upload limit")
    return None


class _Limited:
    def __init__(self, f, limit: int):
        self.f, self.left = f, limit

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if n < 0 else min(n, self.left)
        data = self.f.read(n)
        self.left -= len(data)
        return data


def _rename(item: Article | Rejection, staged: Path, name: str) -> Article | Rejection:
    """Put the client's name back where the staged name shows (id of a text file, paths)."""
    if isinstance(item, Rejection):
        return item.model_copy(update={"path": item.path.replace(str(staged), name)})
    update: dict = {"path": (item.path or "").replace(str(staged), name) or name}
    if item.id == staged.stem:
        update["id"] = _clean(Path(name).stem) or staged.stem
    return item.model_copy(update=update)


def read_uploads(files: Iterable[str | os.PathLike], max_bytes: int = MAX_BYTES
                 ) -> list[Article | Rejection]:
    """Articles and rejections from uploaded files, in upload order.

    ``files`` are the paths where the web server stored the uploads; their base names are
    the names the client gave. Each is checked (type, size, regular file), copied into a
    fresh private folder under a server-chosen name, read with the same readers as
    ``factcheck add``, and the folder is removed.
    """
    out: list[Article | Rejection] = []
    files = list(files)
    with tempfile.TemporaryDirectory(prefix="factcheck-upload-") as tmp:
        for i, f in enumerate(files):
            src = Path(f)
            name = display_name(src)
            if i >= MAX_FILES:
                out.append(Rejection(path=name, reason=f"more than {MAX_FILES} files in one "
                                     "upload; add the rest in another upload"))
                continue
            suffix = Path(name).suffix.lower()
            if suffix not in SUFFIXES:
                out.append(Rejection(path=name, reason=_unsupported(Path(name))))
                continue
            staged = Path(tmp) / f"{i:04d}{suffix}"
            rejected = _stage(src, staged, max_bytes)
            if rejected is not None:
                out.append(rejected)
                continue
            out.extend(_rename(x, staged, name) for x in read_file(staged, max_bytes))
            staged.unlink(missing_ok=True)
    return out
