"""The on-disk sentence index: immutable segments plus an atomically replaced manifest.

Layout of an index folder (default ``./index``)::

    manifest.json          the commit point: format, model, dim, segments, deletions, articles
    seg-000003/            one immutable segment, written once and never changed
        vectors.npy        float32 sentence vectors (n x dim), L2-normalised
        context.npy        vectors of the decontextualised rewrites (qa.decontext) of the
        context_rows.npy   rows that have one, and those rows (sorted)
        sentences.jsonl    one JSON object per sentence (text, offsets, attribution, ...)
        lines.npy          byte offset of each line of sentences.jsonl (rows read on demand)
        articles.jsonl     the full articles (so ``rebuild`` never needs the original files)
        row_article.npy    which article each row belongs to
        texthash.npy       64-bit hash of each sentence's normalised text (syndicated copies)
        bm25/              the segment's BM25 index (bm25s, memory-mapped; see qa.lexical)
        dense.faiss        quantised FAISS index, for segments too large for exact search
        segment.json       counts and sha256 of the files above, written last
    .lock                  present while a writer works (holds its PID)

Adding articles writes a *new* segment and a new manifest that names it; nothing already
stored is rewritten or re-embedded, so adding one article costs in proportion to that
article (Lucene's model). An updated article's old sentences are marked deleted in the
manifest. Small segments are merged now and then (vectors are copied, not re-embedded).
The manifest is written to a temporary file and ``os.replace``-d, so a crash at any moment
leaves the previous commit; unreferenced files are removed by the next writer.

Example:
    >>> from qa.ingest import make_article
    >>> import tempfile
    >>> idx = Index.create(tempfile.mkdtemp())                      # doctest: +SKIP
    >>> idx.add([make_article(title="T", text="Bali said 400 to 600 remain.")]).added
    ...                                                             # doctest: +SKIP
    ['t-...']
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from pydantic import BaseModel, Field

from qa.catalog import ArticleEntry, ArticleTable
from qa.encoder import Encoder, get_encoder
from qa.errors import FactcheckError, IndexCorrupt, IndexLocked, IndexMismatch, IndexMissing
from qa.models import AddReport, Article, Attribution, Passage, Rejection, Sentence
from qa.sentences import split_spans

log = logging.getLogger(__name__)
_KEY_WORD = re.compile(r"\w+")

FORMAT = 3  # 2: per-segment BM25 index, text hashes, saved FAISS index; 3: context vectors
MANIFEST = "manifest.json"
LOCK = ".lock"
DEFAULT_INDEX = "index"
CHUNK_SENTENCES = 2000  # a large add commits every this many sentences
MERGE_FACTOR = 10  # merge when this many segments share a size tier

ProgressFn = Callable[[int, int, str], None]  # (done, total, what)


def default_index_path() -> Path:
    """``$FACTCHECK_INDEX`` or ``./index``."""
    return Path(os.environ.get("FACTCHECK_INDEX") or DEFAULT_INDEX)


# --- manifest ----------------------------------------------------------------------------------

class SegmentInfo(BaseModel):
    name: str
    base: int  # global id of row 0
    count: int
    deleted: list[tuple[int, int]] = Field(default_factory=list)  # local row ranges

    def live(self) -> int:
        return self.count - sum(e - s for s, e in self.deleted)


class Manifest(BaseModel):
    format: int = FORMAT
    model: str
    dim: int
    attribution: str | None = None  # version of the attribution extractor used
    generation: int = 0
    next_id: int = 0
    next_segment: int = 1
    segments: list[SegmentInfo] = Field(default_factory=list)
    # id -> ArticleEntry, held column-wise (qa.catalog): an archive lists ~75k articles
    articles: ArticleTable = Field(default_factory=ArticleTable)
    updated: str = ""

    def sentence_count(self) -> int:
        return sum(s.live() for s in self.segments)

    def clone(self) -> Manifest:
        """A copy safe to change: entries are replaced, never mutated, so the article
        table's columns are copied shallowly (its strings are shared)."""
        return self.model_copy(update={
            "articles": self.articles.copy(),
            "segments": [s.model_copy(update={"deleted": list(s.deleted)})
                         for s in self.segments],
        })


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _stat_stamp(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime, size) of a file: each commit replaces the manifest (a new inode)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read_manifest(path: Path) -> Manifest:
    """Load and validate ``manifest.json``; raise a one-line error when missing or bad."""
    mpath = path / MANIFEST
    if not mpath.exists():
        raise IndexMissing(path)
    try:
        data = mpath.read_bytes()
    except OSError as e:
        raise IndexCorrupt(path, f"unreadable manifest: {e}") from e
    # the common case parses straight into the model; the articles land in a columnar
    # table (qa.catalog) and the parser's per-article objects are freed, and handed back
    # to the system (an archive's manifest lists tens of thousands of articles)
    with contextlib.suppress(ValueError):
        m = Manifest.model_validate_json(data)
        if m.format == FORMAT:
            if len(data) > 1 << 20:
                del data
                _trim_heap()
            return m
    try:
        raw = json.loads(data)
    except ValueError as e:
        raise IndexCorrupt(path, f"unreadable manifest: {e}") from e
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        fmt = raw.get("format") if isinstance(raw, dict) else None
        raise IndexMismatch(path, f"with index format {fmt}, this version reads {FORMAT}")
    try:
        return Manifest.model_validate(raw)
    except ValueError as e:
        raise IndexCorrupt(path, "manifest does not validate") from e


def _trim_heap() -> None:
    """Return freed heap memory to the system (glibc keeps it otherwise: parsing a large
    manifest would leave tens of MB resident for good). A no-op elsewhere."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


# --- lock --------------------------------------------------------------------------------------

class WriterLock:
    """One writer per index: an exclusive ``flock`` on ``.lock``, which holds the writer's
    PID and start time for the error message.

    The kernel drops the lock when its process dies, however it dies, so a lock left by a
    killed writer is recovered automatically. The file itself stays (empty when free).
    Within one process, a thread lock serialises writers first.
    """

    _thread_locks: dict[str, threading.Lock] = {}

    def __init__(self, path: Path):
        self.path = path / LOCK
        key = str(path.resolve())
        self._tlock = self._thread_locks.setdefault(key, threading.Lock())
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        import fcntl

        self._tlock.acquire()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 200).decode("utf-8", "replace").split(" ", 1)
                os.close(fd)
                pid = int(holder[0]) if holder[0].strip().isdigit() else -1
                since = holder[1].strip() if len(holder) > 1 else "unknown"
                raise IndexLocked(self.path.parent, pid, since) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode(), 0)
            self._fd = fd
        except BaseException:
            self._tlock.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, 0)
                os.close(self._fd)  # closing releases the flock
                self._fd = None
        finally:
            self._tlock.release()


# --- segments ----------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


SEGMENT_FILES = ("vectors.npy", "sentences.jsonl", "lines.npy", "articles.jsonl",
                 "row_article.npy", "texthash.npy", "article_meta.json", "article_lines.npy",
                 "context.npy", "context_rows.npy")


def text_key(text: str) -> str:
    """The normalised form under which sentences count as the same (syndicated copies).

    >>> text_key("Same  Words, said AFP.") == text_key("same words said afp")
    True
    """
    return " ".join(_KEY_WORD.findall(text.lower()))


def text_hash(text: str) -> int:
    """64-bit hash of :func:`text_key` (0 for a sentence without words)."""
    key = text_key(text)
    if not key:
        return 0
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def write_segment(
    root: Path, name: str, articles: list[Article], rows: list[dict], vectors: np.ndarray,
    context: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """Write a complete segment folder atomically (temp folder, fsync, rename): vectors,
    sentences, articles, the BM25 index (``bm25/``), the context vectors (``context``:
    sorted rows and their rewrites' vectors, see :mod:`qa.decontext`) and, for large
    segments, the quantised FAISS index (``dense.faiss``)."""
    from qa import ann, lexical

    tmp = root / f".tmp-{name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    np.save(tmp / "vectors.npy", vectors)
    ctx_rows, ctx_vecs = context if context is not None else (
        np.zeros(0, np.int64), np.zeros((0, vectors.shape[1]), np.float32))
    np.save(tmp / "context_rows.npy", np.asarray(ctx_rows, dtype=np.int64))
    np.save(tmp / "context.npy", np.ascontiguousarray(ctx_vecs, dtype=np.float32)
            .reshape(len(ctx_rows), vectors.shape[1]))
    offsets = [0]
    with open(tmp / "sentences.jsonl", "wb") as f:
        for r in rows:
            line = (json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            f.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(tmp / "lines.npy", np.asarray(offsets, dtype=np.uint64))
    np.save(tmp / "row_article.npy", np.asarray([r["a"] for r in rows], dtype=np.int32))
    np.save(tmp / "texthash.npy", np.asarray([text_hash(r["text"]) for r in rows],
                                             dtype=np.uint64))
    with open(tmp / "articles.jsonl", "w", encoding="utf-8") as f:
        for a in articles:
            f.write(a.model_dump_json(exclude={"path"}) + "\n")
    np.save(tmp / "article_lines.npy", _line_bounds(tmp / "articles.jsonl"))
    (tmp / "article_meta.json").write_text(json.dumps(
        {"ids": [a.id for a in articles], "outlets": [a.outlet for a in articles],
         "published": [a.published for a in articles]}, ensure_ascii=False))
    lexical.build([r["text"] for r in rows], tmp / lexical.LEXICAL_DIR)
    names = [*SEGMENT_FILES,
             *(f"{lexical.LEXICAL_DIR}/{fn}" for fn in lexical.files(tmp / lexical.LEXICAL_DIR))]
    kind = ann.choose_type(len(rows))
    if kind != "Flat":
        ann.build(vectors, tmp / ann.ANN_FILE, kind)
        names.append(ann.ANN_FILE)
    info = {"count": len(rows), "articles": len(articles), "dim": int(vectors.shape[1]),
            "dense": kind, "files": {fn: _sha256(tmp / fn) for fn in names}}
    (tmp / "segment.json").write_text(json.dumps(info, indent=1))
    for fn in (*names, "segment.json"):
        with open(tmp / fn, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(tmp / lexical.LEXICAL_DIR)
    _fsync_dir(tmp)
    os.replace(tmp, root / name)
    _fsync_dir(root)


def _line_bounds(path: Path) -> np.ndarray:
    """Byte offset of each line start in ``path``, plus its size (read sequentially)."""
    bounds, pos = [0], 0
    with open(path, "rb") as f:
        for line in f:
            pos += len(line)
            bounds.append(pos)
    return np.asarray(bounds, dtype=np.int64)


def _pread(f, start: int, end: int) -> bytes:
    """Bytes ``[start, end)`` of the open file ``f`` (thread-safe: no shared position).

    Rows are read with ``pread`` rather than through a memory map: a map keeps every page
    a search ever touched (and its neighbours, by read-ahead) in the process's resident
    memory, while ``pread`` leaves the caching to the operating system."""
    n = end - start
    data = os.pread(f.fileno(), n, start)
    while len(data) < n:  # a short read (rare): read on
        more = os.pread(f.fileno(), n - len(data), start + len(data))
        if not more:
            raise OSError(f"{f.name}: unexpected end of file")
        data += more
    return data


class ArticleStore:
    """The articles of one segment, read from ``articles.jsonl`` on demand: ``store[i]``
    reads and parses line ``i``. Behaves as a read-only list of :class:`Article`."""

    def __init__(self, path: Path):
        self._file = open(path, "rb")  # noqa: SIM115
        size = os.fstat(self._file.fileno()).st_size
        self._bounds = np.load(path.with_name("article_lines.npy"))
        if int(self._bounds[-1]) != size:
            raise ValueError("articles.jsonl and article_lines.npy disagree")

    def __len__(self) -> int:
        return len(self._bounds) - 1

    def __getitem__(self, i: int) -> Article:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        return Article.model_validate_json(
            _pread(self._file, int(self._bounds[i]), int(self._bounds[i + 1])))

    def __iter__(self) -> Iterator[Article]:
        return (self[i] for i in range(len(self)))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._file.close()


class SegmentReader:
    """Read access to one segment: vectors and sentences memory-mapped, the dense (FAISS)
    and lexical (BM25) indexes loaded on first use."""

    def __init__(self, root: Path, name: str):
        self.name = name
        self.dir = root / name
        try:
            self.vectors = np.load(self.dir / "vectors.npy", mmap_mode="r")
            self.lines = np.load(self.dir / "lines.npy")
            self._file = open(self.dir / "sentences.jsonl", "rb")  # noqa: SIM115
            # articles are read from disk when asked for (an archive's text stays on disk)
            self.articles = ArticleStore(self.dir / "articles.jsonl")
            meta = json.loads((self.dir / "article_meta.json").read_text("utf-8"))
            # which article (position in self.articles) each row belongs to
            self.row_article = np.load(self.dir / "row_article.npy")
            self.text_hashes = np.load(self.dir / "texthash.npy")
            self.context_rows = np.load(self.dir / "context_rows.npy")
            self.context_vectors = np.load(self.dir / "context.npy", mmap_mode="r")
        except (OSError, ValueError, KeyError) as e:
            raise IndexCorrupt(root, f"segment {name} unreadable: {e}") from e
        self.count = len(self.lines) - 1
        # per-article metadata as arrays, so filters are vectorised
        self.art_ids = np.array(meta["ids"], dtype=str)
        self.art_outlets = np.array([(o or "").lower() for o in meta["outlets"]], dtype=str)
        self.art_dates = np.array([(d or "")[:10] for d in meta["published"]], dtype="<U10")
        self.article_pos = {a: i for i, a in enumerate(meta["ids"])}
        if len(self.articles) != len(self.art_ids):
            raise IndexCorrupt(root, f"segment {name}: articles and their metadata disagree")
        self._dense = None
        self._lexical = None
        self._hash_order: np.ndarray | None = None
        self._init_lock = threading.Lock()

    def row(self, i: int) -> dict:
        s, e = int(self.lines[i]), int(self.lines[i + 1])
        return json.loads(_pread(self._file, s, e))

    def text(self, i: int) -> str:
        return self.row(i)["text"]

    def context(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``rows`` have a decontextualised rewrite (bool mask) and the rewrites'
        vectors, in the order of the rows that have one."""
        rows = np.asarray(rows, dtype=np.int64)
        cr = self.context_rows
        if not len(cr) or not len(rows):
            return np.zeros(len(rows), dtype=bool), np.zeros((0, self.vectors.shape[1]),
                                                             np.float32)
        at = np.minimum(np.searchsorted(cr, rows), len(cr) - 1)
        has = cr[at] == rows
        return has, np.asarray(self.context_vectors[at[has]], dtype=np.float32)

    def texts(self) -> Iterator[str]:
        for i in range(self.count):
            yield self.row(i)["text"]

    def dense(self):
        """The segment's :class:`qa.ann.DenseIndex` (built or read once)."""
        if self._dense is None:
            from qa.ann import DenseIndex

            with self._init_lock:
                if self._dense is None:
                    self._dense = DenseIndex(self.vectors, self.dir)
        return self._dense

    def lexical(self):
        """The segment's :class:`qa.lexical.LexicalIndex` (memory-mapped, loaded once)."""
        if self._lexical is None:
            from qa.lexical import LEXICAL_DIR, LexicalIndex

            with self._init_lock:
                if self._lexical is None:
                    try:
                        self._lexical = LexicalIndex(self.dir / LEXICAL_DIR, self.count,
                                                     self.texts)
                    except (OSError, ValueError) as e:
                        raise IndexCorrupt(self.dir.parent,
                                           f"segment {self.name} lexical index: {e}") from e
        return self._lexical

    def faiss_index(self):
        """The FAISS index over this segment's vectors."""
        return self.dense().index

    def rows_with_hash(self, h: int) -> np.ndarray:
        """Rows whose sentence has text hash ``h`` (syndicated copies)."""
        h = np.uint64(h)
        if self._hash_order is None:
            order = np.argsort(self.text_hashes, kind="stable")
            self._sorted_hashes = self.text_hashes[order]
            self._hash_order = order
        hs = self._sorted_hashes
        a, b = np.searchsorted(hs, h, "left"), np.searchsorted(hs, h, "right")
        return np.sort(self._hash_order[a:b])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._file.close()
        self.articles.close()


# --- the index ---------------------------------------------------------------------------------

@dataclass
class _Prepared:
    article: Article
    spans: list[tuple[int, int]]
    attributions: list[Attribution | None]
    context: dict[int, str]  # sentence number -> its decontextualised rewrite


class Index:
    """An on-disk sentence index that readers search and one writer at a time updates.

    Use :meth:`open` for an existing index and :meth:`create` for a new one (or
    ``open(path, create=True)``). Readers call :meth:`refresh` to pick up commits made by
    other processes; it reloads only segments that are new.
    """

    def __init__(self, path: Path, manifest: Manifest, encoder: Encoder | None = None,
                 stamp: tuple[int, int, int] | None = None):
        self.path = Path(path)
        self.manifest = manifest
        self._encoder = encoder
        self._segments: dict[str, SegmentReader] = {}
        self._live: dict[str, np.ndarray] = {}
        self._stamp: tuple[int, int, int] | None = None
        # held while the in-memory view changes, and by readers for a search plus the
        # passage look-ups that follow it, so a search never sees half a refresh
        self.lock = threading.RLock()
        if encoder is not None:
            self.check_encoder(encoder)
        self._load_segments(stamp)

    # ---- opening ----
    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, encoder: Encoder | None = None,
             create: bool = False) -> Index:
        """Open the index at ``path`` (default ``$FACTCHECK_INDEX`` or ``./index``).

        Raises :class:`~qa.errors.IndexMissing` when there is none (unless ``create``) and
        :class:`~qa.errors.IndexMismatch` when it was built with another model or format.
        """
        p = Path(path) if path is not None else default_index_path()
        if create and not (p / MANIFEST).exists():
            return cls.create(p, encoder=encoder)
        if not p.exists():
            raise IndexMissing(p)
        for attempt in range(3):
            stamp = _stat_stamp(p / MANIFEST)
            manifest = read_manifest(p)
            try:
                idx = cls(p, manifest, encoder, stamp)
                break
            except IndexCorrupt:
                # a writer may have merged segments away between our two reads: retry
                if attempt == 2 or read_manifest(p).generation == manifest.generation:
                    raise
        return idx

    @classmethod
    def create(cls, path: str | os.PathLike, *, encoder: Encoder | None = None) -> Index:
        """Create an empty index at ``path`` (the folder may exist; a manifest may not)."""
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        if (p / MANIFEST).exists():
            return cls.open(p, encoder=encoder)
        enc = encoder or get_encoder()
        with WriterLock(p):
            if not (p / MANIFEST).exists():
                m = Manifest(model=enc.name, dim=enc.dim, attribution=_attribution_version(),
                             updated=_now())
                _write_atomic(p / MANIFEST, m.model_dump_json(indent=1).encode())
        return cls.open(p, encoder=encoder)

    def check_encoder(self, enc: Encoder) -> None:
        if enc.name != self.manifest.model or enc.dim != self.manifest.dim:
            raise IndexMismatch(
                self.path,
                f"with model {self.manifest.model} ({self.manifest.dim} dimensions), "
                f"not {enc.name} ({enc.dim})",
            )

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = get_encoder()
            self.check_encoder(self._encoder)
        return self._encoder

    def _load_segments(self, stamp: tuple[int, int, int] | None = None) -> None:
        """Make the in-memory view match ``self.manifest``. Segments already loaded are
        kept (they are immutable); nothing changes unless every new segment loads.
        ``stamp`` is the manifest's stamp taken *before* it was read (so a commit that
        lands meanwhile is noticed by the next refresh)."""
        with self.lock:
            segs: dict[str, SegmentReader] = {}
            for s in self.manifest.segments:
                seg = self._segments.get(s.name)
                if seg is None:
                    seg = SegmentReader(self.path, s.name)
                    if seg.count != s.count or seg.vectors.shape[0] != s.count:
                        raise IndexCorrupt(self.path, f"segment {s.name} has {seg.count} "
                                           f"rows, manifest says {s.count}")
                    if seg.vectors.ndim != 2 or seg.vectors.shape[1] != self.manifest.dim:
                        raise IndexCorrupt(
                            self.path, f"segment {s.name} holds vectors of shape "
                            f"{seg.vectors.shape}, manifest says {self.manifest.dim}")
                segs[s.name] = seg
            live_masks = {}
            for s in self.manifest.segments:
                live = np.ones(s.count, dtype=bool)
                for a, b in s.deleted:
                    live[a:b] = False
                live_masks[s.name] = live
            for name, seg in self._segments.items():
                if name not in segs:
                    seg.close()
            self._segments, self._live = segs, live_masks
            self._stamp = stamp if stamp is not None else self._manifest_stamp()

    def _manifest_stamp(self) -> tuple[int, int, int] | None:
        return _stat_stamp(self.path / MANIFEST)

    def refresh(self) -> bool:
        """Pick up a newer commit, if any. Returns True when something changed."""
        stamp = self._manifest_stamp()
        if stamp is None or stamp == self._stamp:
            return False
        with self.lock:
            for attempt in range(3):
                stamp = self._manifest_stamp()
                m = read_manifest(self.path)
                if m.generation == self.manifest.generation:
                    self._stamp = stamp
                    return False
                if m.model != self.manifest.model or m.dim != self.manifest.dim:
                    raise IndexMismatch(self.path, f"again with model {m.model}; reopen it")
                old = self.manifest
                self.manifest = m
                try:
                    self._load_segments(stamp)
                    return True
                except IndexCorrupt:
                    # a writer merged segments away between our reads: read again
                    self.manifest = old
                    if attempt == 2:
                        raise
        return False

    # ---- reading ----
    def __len__(self) -> int:
        return self.manifest.sentence_count()

    @property
    def segments(self) -> list[tuple[SegmentInfo, SegmentReader, np.ndarray]]:
        """``(info, reader, live mask)`` for each segment, in commit order."""
        return [(s, self._segments[s.name], self._live[s.name]) for s in self.manifest.segments]

    def locate(self, gid: int) -> tuple[SegmentInfo, SegmentReader, int]:
        for s in self.manifest.segments:
            if s.base <= gid < s.base + s.count:
                return s, self._segments[s.name], gid - s.base
        raise KeyError(gid)

    def sentence(self, gid: int) -> Sentence:
        """The stored sentence with global id ``gid``."""
        _, seg, row = self.locate(gid)
        return _row_sentence(seg, row, self.manifest)

    def passage(self, gid: int, score: float = 0.0) -> Passage:
        s = self.sentence(gid)
        return Passage(**s.model_dump(), id=gid, score=float(score))

    def article(self, article_id: str) -> Article:
        entry = self.manifest.articles[article_id]
        seg = self._segments[entry.segment]
        return seg.articles[seg.article_pos[article_id]]

    def articles(self) -> Iterator[Article]:
        """Every live article, in commit order."""
        for aid in self.manifest.articles:
            yield self.article(aid)

    def search_dense(self, qvecs: np.ndarray, k: int,
                     allow: Callable[[SegmentInfo, SegmentReader, np.ndarray], np.ndarray]
                     | None = None) -> list[list[tuple[int, float]]]:
        """Inner-product search over live sentences: per query ``[(gid, score)]`` (exact
        for segments up to :data:`qa.ann.FLAT_MAX` rows, quantised beyond).

        ``allow(info, reader, live)`` may return a narrower boolean row mask (filters are
        applied inside the search, not by cutting a top-k).
        """
        qvecs = np.ascontiguousarray(np.atleast_2d(qvecs), dtype=np.float32)
        results: list[list[tuple[int, float]]] = [[] for _ in range(len(qvecs))]
        for info, seg, live in self.segments:
            if not seg.count:
                continue
            mask = allow(info, seg, live) if allow is not None else live
            n_ok = int(mask.sum())
            if n_ok == 0:
                continue
            D, ids = seg.dense().search(qvecs, k, None if n_ok == seg.count else mask)
            for qi in range(len(qvecs)):
                for d, r in zip(D[qi], ids[qi], strict=True):
                    if r >= 0:
                        results[qi].append((info.base + int(r), float(d)))
        return [sorted(r, key=lambda x: -x[1])[:k] for r in results]

    # ---- writing ----
    def add(self, items: Iterable[Article | Rejection], *, progress: ProgressFn | None = None,
            total: int | None = None, chunk_sentences: int = CHUNK_SENTENCES) -> AddReport:
        """Add (or update) articles; rejections are passed through into the report.

        Unchanged articles are skipped; an article whose id exists with other content
        replaces the old one; an article whose content equals another's is reported as a
        duplicate and not indexed. Work is committed every ``chunk_sentences`` sentences,
        so an interrupted run keeps what it committed. ``progress(done, total, "articles")``
        is called as articles are embedded (``total`` is passed through when known).
        """
        report = AddReport()
        with WriterLock(self.path):
            self._reload_for_write()
            todo = self._classify(items, report)
            self._ingest(todo, report, progress, total, chunk_sentences, commit_each=True)
            self._maybe_merge()
            self._cleanup()
        return report

    def remove(self, ids: Iterable[str]) -> tuple[list[str], list[str]]:
        """Remove articles by id. Returns ``(removed, not_found)``."""
        removed, missing = [], []
        with WriterLock(self.path):
            self._reload_for_write()
            m = self.manifest.clone()
            for aid in ids:
                if aid in m.articles:
                    _delete_rows(m, m.articles.pop(aid))
                    removed.append(aid)
                else:
                    missing.append(aid)
            if removed:
                self._commit(m)
            self._maybe_merge()
            self._cleanup()
        return removed, missing

    def merge(self, force: bool = False) -> int:
        """Merge small segments (all into one with ``force``). Returns segments merged."""
        with WriterLock(self.path):
            self._reload_for_write()
            n = self._maybe_merge(force=force)
            self._cleanup()
        return n

    # ---- writer internals ----
    def _reload_for_write(self) -> None:
        self.refresh()
        enc = self._encoder or get_encoder()
        self.check_encoder(enc)
        self._encoder = enc
        self._cleanup()

    def _classify(self, items: Iterable[Article | Rejection],
                  report: AddReport) -> Iterator[Article]:
        """Yield the articles that need indexing; record the rest in ``report``."""
        by_hash = dict(self.manifest.articles.hashes())
        batch: dict[str, str] = {}
        for item in items:
            if isinstance(item, Rejection):
                report.rejected.append(item)
                continue
            art = item
            if art.id in batch:
                if batch[art.id] == art.hash:
                    report.duplicates.append((art.id, art.id))
                else:
                    report.rejected.append(Rejection(
                        path=art.path or art.id,
                        reason=f"id {art.id!r} is used by another article in this batch"))
                continue
            old = self.manifest.articles.get(art.id)
            if old is not None and old.hash == art.hash:
                batch[art.id] = art.hash
                report.unchanged.append(art.id)
                continue
            dup_of = by_hash.get(art.hash)
            if dup_of is not None and dup_of != art.id:
                report.duplicates.append((art.id, dup_of))
                continue
            batch[art.id] = art.hash
            by_hash[art.hash] = art.id
            (report.updated if old is not None else report.added).append(art.id)
            yield art

    def _ingest(self, articles: Iterable[Article], report: AddReport,
                progress: ProgressFn | None, total: int | None, chunk_sentences: int,
                commit_each: bool) -> Manifest:
        """Split, attribute and embed ``articles`` into new segments of about
        ``chunk_sentences`` rows; commit after each (``commit_each``) or leave the final
        manifest uncommitted for the caller."""
        m = self.manifest.clone()
        pending: list[_Prepared] = []
        n = done = 0
        for art in articles:
            pending.append(_prepare(art))
            n += len(pending[-1].spans)
            if n >= chunk_sentences:
                report.sentences += self._write_chunk(m, pending, progress, done, total)
                done += len(pending)
                pending, n = [], 0
                if commit_each:
                    self._commit(m)
                    m = self.manifest.clone()
        if pending:
            report.sentences += self._write_chunk(m, pending, progress, done, total)
            if commit_each:
                self._commit(m)
        return m

    def _write_chunk(self, m: Manifest, prepared: list[_Prepared],
                     progress: ProgressFn | None, done: int, total: int | None) -> int:
        """Embed ``prepared`` articles and write them as one new segment recorded in ``m``
        (old rows of updated articles are marked deleted). Returns sentences written."""
        texts = [p.article.text[s:e] for p in prepared for s, e in p.spans]
        ctx_texts = [t for p in prepared for _, t in sorted(p.context.items())]

        def tick(frac: float) -> None:
            if progress is not None:
                progress(done + round(frac * len(prepared)), total or 0, "articles")

        both = _encode_with_progress(self.encoder, texts + ctx_texts, tick)  # one pass
        vecs, ctx_vecs = both[:len(texts)], both[len(texts):]
        ctx_rows: list[int] = []
        name = f"seg-{m.next_segment:06d}"
        rows: list[dict] = []
        for ai, p in enumerate(prepared):
            old = m.articles.pop(p.article.id, None)
            if old is not None:
                _delete_rows(m, old)
            first = len(rows)
            for pos, ((s, e), att) in enumerate(zip(p.spans, p.attributions, strict=True)):
                rows.append({"a": ai, "text": p.article.text[s:e], "start": s, "end": e,
                             "position": pos,
                             "attribution": att.model_dump() if att is not None else None})
                if pos in p.context:
                    rows[-1]["context"] = p.context[pos]
                    ctx_rows.append(len(rows) - 1)
            m.articles[p.article.id] = ArticleEntry(
                hash=p.article.hash, segment=name, rows=(first, len(rows)),
                title=p.article.title, outlet=p.article.outlet,
                published=p.article.published, url=p.article.url)
        write_segment(self.path, name, [p.article for p in prepared], rows, vecs,
                      (np.asarray(ctx_rows, dtype=np.int64), ctx_vecs))
        m.segments.append(SegmentInfo(name=name, base=m.next_id, count=len(rows)))
        m.next_id += len(rows)
        m.next_segment += 1
        return len(rows)

    def _commit(self, m: Manifest) -> None:
        m.generation = self.manifest.generation + 1
        m.updated = _now()
        _write_atomic(self.path / MANIFEST, m.model_dump_json(indent=1).encode())
        with self.lock:
            self.manifest = m
            self._load_segments()

    def _maybe_merge(self, force: bool = False) -> int:
        """Size-tiered merging: when MERGE_FACTOR segments share a size tier (by powers of
        MERGE_FACTOR of their live rows), copy their live rows into one new segment."""
        merged = 0
        while True:
            segs = self.manifest.segments
            if force:
                group = segs if len(segs) > 1 or any(s.deleted for s in segs) else []
            else:
                tiers: dict[int, list[SegmentInfo]] = {}
                for s in segs:
                    live = max(s.live(), 1)
                    tiers.setdefault(int(np.log(live) / np.log(MERGE_FACTOR)), []).append(s)
                group = next((g for _, g in sorted(tiers.items()) if len(g) >= MERGE_FACTOR),
                             [])
            if not group:
                return merged
            self._merge_group(group)
            merged += len(group)
            if force:
                return merged

    def _merge_group(self, group: list[SegmentInfo]) -> None:
        m = self.manifest.clone()
        names = {s.name for s in group}
        name = f"seg-{m.next_segment:06d}"
        articles: list[Article] = []
        rows: list[dict] = []
        vec_parts: list[np.ndarray] = []
        ctx_rows: list[np.ndarray] = []
        ctx_parts: list[np.ndarray] = []
        for aid, entry in list(m.articles.items()):
            if entry.segment not in names:
                continue
            seg = self._segments[entry.segment]
            a0, a1 = entry.rows
            ai = len(articles)
            articles.append(seg.articles[seg.article_pos[aid]])
            first = len(rows)
            for r in range(a0, a1):
                row = seg.row(r)
                row["a"] = ai
                rows.append(row)
            vec_parts.append(np.asarray(seg.vectors[a0:a1], dtype=np.float32))
            has, cv = seg.context(np.arange(a0, a1))
            ctx_rows.append(first + np.flatnonzero(has))
            ctx_parts.append(cv)
            m.articles[aid] = entry.model_copy(update={"segment": name,
                                                       "rows": (first, len(rows))})
        vecs = (np.vstack(vec_parts) if vec_parts
                else np.zeros((0, m.dim), dtype=np.float32))
        m.segments = [s for s in m.segments if s.name not in names]
        if rows:
            write_segment(self.path, name, articles, rows, vecs,
                          (np.concatenate(ctx_rows).astype(np.int64), np.vstack(ctx_parts)))
            m.segments.append(SegmentInfo(name=name, base=m.next_id, count=len(rows)))
            m.next_id += len(rows)
            m.next_segment += 1
        self._commit(m)

    def _cleanup(self) -> None:
        """Remove folders and temp files no commit refers to (the writer holds the lock)."""
        keep = {s.name for s in self.manifest.segments}
        for p in self.path.iterdir():
            name = p.name
            if p.is_dir() and (name.startswith("seg-") and name not in keep
                               or name.startswith(".tmp-")):
                shutil.rmtree(p, ignore_errors=True)
            elif p.is_file() and ".tmp-" in name:
                with contextlib.suppress(OSError):
                    p.unlink()

    def backup(self, dest: str | os.PathLike) -> Path:
        """Copy the current commit (manifest and the segments it names) to ``dest``, a new
        folder, while holding the writer lock so no merge removes a segment mid-copy.
        Segments are immutable, so files are hard-linked when ``dest`` is on the same
        file system (instant, no extra space) and copied otherwise."""
        out = Path(dest)
        if out.exists() and any(out.iterdir()):
            raise FactcheckError(f"{out} exists and is not empty; give a new folder")
        with WriterLock(self.path):
            self.refresh()
            out.mkdir(parents=True, exist_ok=True)

            def link_or_copy(src: str, dst: str) -> None:
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copy2(src, dst)

            for seg in self.manifest.segments:
                shutil.copytree(self.path / seg.name, out / seg.name,
                                copy_function=link_or_copy)
            shutil.copy2(self.path / MANIFEST, out / MANIFEST)
        return out

    # ---- inspection ----
    def info(self) -> dict:
        """Counts and settings, as shown by ``factcheck info``."""
        m = self.manifest
        outlets: dict[str, int] = {}
        dates = []
        for e in m.articles.values():
            outlets[e.outlet or "(unknown)"] = outlets.get(e.outlet or "(unknown)", 0) + 1
            if e.published and len(e.published) == 10 and e.published[4] == "-":
                dates.append(e.published)
        size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        return {
            "path": str(self.path),
            "format": m.format,
            "model": m.model,
            "dim": m.dim,
            "attribution": m.attribution,
            "attribution_current": m.attribution == _attribution_version(),
            "generation": m.generation,
            "articles": len(m.articles),
            "sentences": m.sentence_count(),
            "segments": len(m.segments),
            "deleted_rows": sum(s.count - s.live() for s in m.segments),
            "outlets": dict(sorted(outlets.items(), key=lambda kv: -kv[1])),
            "dates": [min(dates), max(dates)] if dates else None,
            "bytes": size,
            "updated": m.updated,
        }

    def check(self) -> list[str]:
        """Integrity check: files, hashes and counts agree between vectors, sentences,
        articles and the manifest. Returns a list of problems (empty when sound)."""
        problems: list[str] = []
        m = self.manifest
        for s in m.segments:
            d = self.path / s.name
            try:
                info = json.loads((d / "segment.json").read_text())
            except (OSError, ValueError) as e:
                problems.append(f"{s.name}: segment.json unreadable ({e})")
                continue
            for fn, digest in info.get("files", {}).items():
                if not (d / fn).exists():
                    problems.append(f"{s.name}: {fn} missing")
                elif _sha256(d / fn) != digest:
                    problems.append(f"{s.name}: {fn} does not match its checksum")
            seg = self._segments[s.name]
            if not (info.get("count") == s.count == seg.count == seg.vectors.shape[0]):
                problems.append(f"{s.name}: row counts disagree")
            cr = seg.context_rows
            if (len(cr) != len(seg.context_vectors) or len(cr) and (
                    cr[0] < 0 or cr[-1] >= seg.count or (np.diff(cr) <= 0).any())):
                problems.append(f"{s.name}: context vectors and their rows disagree")
            for a, b in s.deleted:
                if not 0 <= a <= b <= s.count:
                    problems.append(f"{s.name}: deletion {a}-{b} out of range")
        for aid, e in m.articles.items():
            if e.segment not in self._segments:
                problems.append(f"article {aid}: segment {e.segment} not in manifest")
                continue
            seg = self._segments[e.segment]
            if aid not in seg.article_pos:
                problems.append(f"article {aid}: not stored in {e.segment}")
                continue
            art = seg.articles[seg.article_pos[aid]]
            if art.hash != e.hash:
                problems.append(f"article {aid}: hash differs from manifest")
            live = self._live[e.segment][e.rows[0]:e.rows[1]]
            if not live.all():
                problems.append(f"article {aid}: some of its rows are marked deleted")
        total_live = sum(int(v.sum()) for v in self._live.values())
        covered = sum(e.rows[1] - e.rows[0] for e in m.articles.values())
        if total_live != covered:
            problems.append(f"{total_live} live rows but articles cover {covered}")
        return problems


# --- rebuild -----------------------------------------------------------------------------------

def rebuild(path: str | os.PathLike | None = None, *, encoder: Encoder | None = None,
            progress: ProgressFn | None = None) -> AddReport:
    """Re-split, re-attribute and re-embed every stored article with the current code and
    model into fresh segments, committed once at the end (a crash keeps the old index).

    Works on an index built with another model or format, as long as its articles are
    readable; that is how an index is upgraded.
    """
    p = Path(path) if path is not None else default_index_path()
    if not (p / MANIFEST).exists():
        raise IndexMissing(p)
    enc = encoder or get_encoder()
    with WriterLock(p):
        try:
            raw = json.loads((p / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise IndexCorrupt(p, f"unreadable manifest: {e}") from e
        articles = list(_stored_articles(p))
        empty = Manifest(model=enc.name, dim=enc.dim, attribution=_attribution_version(),
                         generation=int(raw.get("generation", 0)),
                         next_segment=int(raw.get("next_segment", 1)),
                         next_id=int(raw.get("next_id", 0)), updated=_now())
        idx = Index(p, empty, enc)
        report = AddReport(added=[a.id for a in articles])
        m = idx._ingest(articles, report, progress, len(articles), CHUNK_SENTENCES,
                        commit_each=False)
        idx._commit(m)
        idx._maybe_merge()
        idx._cleanup()
    return report


# --- helpers -----------------------------------------------------------------------------------

def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def _delete_rows(m: Manifest, entry: ArticleEntry) -> None:
    for s in m.segments:
        if s.name == entry.segment:
            s.deleted.append(tuple(entry.rows))
            return


def _row_sentence(seg: SegmentReader, row: int, manifest: Manifest | None = None) -> Sentence:
    r = seg.row(row)
    entry = manifest.articles.get(str(seg.art_ids[r["a"]])) if manifest is not None else None
    # the manifest holds the article's metadata: no need to read the article itself
    art = (SimpleNamespace(id=str(seg.art_ids[r["a"]]), title=entry.title,
                           outlet=entry.outlet, published=entry.published, url=entry.url)
           if entry is not None and entry.segment == seg.name else seg.articles[r["a"]])
    att = r.get("attribution")
    return Sentence(
        article_id=art.id, text=r["text"], start=r["start"], end=r["end"],
        position=r["position"], title=art.title, outlet=art.outlet,
        published=art.published, url=art.url,
        attribution=Attribution.model_validate(att) if att else None,
    )


def _stored_articles(path: Path) -> Iterator[Article]:
    """Articles from the live segments, read without trusting the model or format, so
    ``rebuild`` can upgrade any index whose articles are readable."""
    try:
        raw = json.loads((path / MANIFEST).read_text("utf-8"))
        live = raw.get("articles", {})
    except (OSError, ValueError) as e:
        raise IndexCorrupt(path, f"unreadable manifest: {e}") from e
    by_segment: dict[str, set[str]] = {}
    for aid, entry in live.items():
        by_segment.setdefault(entry["segment"], set()).add(aid)
    for seg, ids in by_segment.items():
        try:
            with open(path / seg / "articles.jsonl", encoding="utf-8") as f:
                for line in f:
                    a = Article.model_validate_json(line)
                    if a.id in ids:
                        yield a
        except (OSError, ValueError) as e:
            raise IndexCorrupt(path, f"articles of {seg} unreadable: {e}") from e


def _attribution_version() -> str | None:
    try:
        from qa import attribution
    except ImportError:
        return None
    return getattr(attribution, "VERSION", "1")


def _prepare(article: Article) -> _Prepared:
    from qa import decontext

    spans = split_spans(article.text)
    docs: dict = {}  # sentence parses attribution made, reused by decontext
    atts = _attribute(article, spans, docs)
    context = decontext.rewrite([article.text[s:e] for s, e in spans], docs)
    return _Prepared(article, spans, atts, context)


def _attribute(article: Article, spans: list[tuple[int, int]],
               docs: dict | None = None) -> list[Attribution | None]:
    try:
        from qa.attribution import attribute_sentences
    except ImportError:
        return [None] * len(spans)
    return attribute_sentences(article.text, spans, article.outlet, docs)


def _encode_with_progress(enc: Encoder, texts: list[str], tick: Callable[[float], None],
                          batch: int = 256) -> np.ndarray:
    """Embed ``texts``; a sentence repeated in the batch (syndicated copy) is embedded once."""
    first: dict[str, int] = {}
    where = np.fromiter((first.setdefault(t, len(first)) for t in texts), dtype=np.int64,
                        count=len(texts))
    unique = list(first)
    vecs = np.zeros((len(unique), enc.dim), dtype=np.float32)
    for i in range(0, len(unique), batch):
        vecs[i:i + batch] = enc.encode(unique[i:i + batch])
        tick(min(i + batch, len(unique)) / max(len(unique), 1))
    return vecs[where] if len(texts) else np.zeros((0, enc.dim), dtype=np.float32)
