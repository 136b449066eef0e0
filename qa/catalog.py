"""The manifest's article catalogue: article id -> where its rows live and its metadata,
held as columns so an archive's catalogue costs little memory.

An index of 1M sentences lists about 75k articles. As one pydantic object each, the
catalogue took about 1.5 kB an article (115 MB); as columns (plain lists sharing repeated
strings such as outlets, segment names and dates, and integer arrays for the rows) it
takes a tenth of that. :class:`ArticleTable` behaves as a ``dict[str, ArticleEntry]``
(insertion-ordered; ``get``, ``pop``, ``items``, ``in``, assignment ...): entries are made
on access and never mutated in place, so callers replace an entry to change it. The
manifest's JSON is unchanged (an object of entries).

Example:
    >>> t = ArticleTable()
    >>> t["a1"] = ArticleEntry(hash="h1", segment="seg-000001", rows=(0, 3), outlet="AFP")
    >>> t["a1"].rows, t.get("zz") is None, list(t)
    ((0, 3), True, ['a1'])
    >>> t.pop("a1").outlet, len(t)
    ('AFP', 0)
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from pydantic import BaseModel


class ArticleEntry(BaseModel):
    hash: str
    segment: str
    rows: tuple[int, int]  # local rows [start, end) in the segment
    title: str = ""
    outlet: str | None = None
    published: str | None = None
    url: str | None = None


class _Strings:
    """A column of optional strings in one UTF-8 buffer (no Python object per value)."""

    __slots__ = ("buf", "off", "size")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.off = array("q")
        self.size = array("i")  # -1: None

    def append(self, s: str | None) -> None:
        self.off.append(0)
        self.size.append(-1)
        self.set(len(self.off) - 1, s)

    def set(self, i: int, s: str | None) -> None:
        if s is None:
            self.off[i], self.size[i] = 0, -1
            return
        b = s.encode("utf-8")
        self.off[i], self.size[i] = len(self.buf), len(b)
        self.buf += b

    def get(self, i: int) -> str | None:
        n = self.size[i]
        if n < 0:
            return None
        o = self.off[i]
        return self.buf[o:o + n].decode("utf-8")

    @classmethod
    def of(cls, values: list) -> _Strings:
        """A column holding ``values`` (built in bulk)."""
        if not all(v is None or type(v) is str for v in values):
            raise ValueError("expected text or null")
        enc = [b"" if v is None else v.encode("utf-8") for v in values]
        out = cls()
        out.size = array("i", [-1 if v is None else len(b) for v, b in
                               zip(values, enc, strict=True)])
        out.off = array("q", [0]) * len(enc)
        pos = 0
        for i, b in enumerate(enc):
            out.off[i] = pos
            pos += len(b)
        out.buf = bytearray(b"".join(enc))
        return out

    def copy(self) -> _Strings:
        out = _Strings()
        out.buf, out.off, out.size = bytearray(self.buf), array("q", self.off), \
            array("i", self.size)
        return out


class _Codes:
    """A column of optional strings with few distinct values: a code per row."""

    __slots__ = ("code", "values", "index")

    def __init__(self) -> None:
        self.code = array("i")  # -1: None
        self.values: list[str] = []
        self.index: dict[str, int] = {}

    def _code(self, s: str | None) -> int:
        if s is None:
            return -1
        c = self.index.get(s)
        if c is None:
            c = self.index[s] = len(self.values)
            self.values.append(s)
        return c

    def append(self, s: str | None) -> None:
        self.code.append(self._code(s))

    def set(self, i: int, s: str | None) -> None:
        self.code[i] = self._code(s)

    def get(self, i: int) -> str | None:
        c = self.code[i]
        return None if c < 0 else self.values[c]

    @classmethod
    def of(cls, values: list) -> _Codes:
        """A column holding ``values`` (built in bulk)."""
        if not all(v is None or type(v) is str for v in values):
            raise ValueError("expected text or null")
        out = cls()
        out.code = array("i", [out._code(v) for v in values])
        return out

    def copy(self) -> _Codes:
        out = _Codes()
        out.code, out.values, out.index = array("i", self.code), list(self.values), \
            dict(self.index)
        return out


_TEXT = ("id", "hash", "title", "url")  # many distinct values
_CODED = ("segment", "outlet", "published")  # few distinct values


class ArticleTable(MutableMapping[str, ArticleEntry]):
    """``article id -> ArticleEntry`` stored column-wise (see the module doc).

    Values live in a few flat buffers and arrays; the only per-article Python objects
    are the id strings of the look-up dict, which is built on first use (after the
    manifest's parsed JSON is freed, so the two do not fragment memory together).
    Removing an entry leaves a hole, reclaimed once holes outnumber entries.
    :meth:`hashes` iterates content hashes without building entries.
    """

    __slots__ = ("_cols", "_start", "_end", "_n", "_slot_map", "_holes")

    def __init__(self, entries: Mapping[str, ArticleEntry | dict] | None = None):
        self._cols: dict[str, _Strings | _Codes] = {
            **{c: _Strings() for c in _TEXT}, **{c: _Codes() for c in _CODED}}
        self._start = array("q")
        self._end = array("q")
        self._n = 0  # slots used (entries + holes)
        self._slot_map: dict[str, int] | None = {}
        self._holes = 0
        if entries:
            self._bulk(entries)

    def _bulk(self, entries: Mapping[str, ArticleEntry | dict]) -> None:
        """Fill an empty table from a mapping of entries (or of the manifest's JSON
        objects, checked as ``ArticleEntry`` would be, without building one each)."""
        rows = [e.model_dump() if isinstance(e, ArticleEntry) else e
                for e in entries.values()]
        try:
            cols = {"id": [str(k) for k in entries],
                    "hash": [r["hash"] for r in rows], "segment": [r["segment"] for r in rows],
                    "title": [r.get("title", "") for r in rows],
                    **{k: [r.get(k) for r in rows] for k in ("outlet", "published", "url")}}
            span = [r["rows"] for r in rows]
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"bad article entry: {e}") from e
        for name in ("hash", "segment", "title"):
            if not all(type(v) is str for v in cols[name]):
                raise ValueError(f"article entries: {name} must be text")
        if not all(type(r) in (list, tuple) and len(r) == 2 and type(r[0]) is int
                   and type(r[1]) is int for r in span):
            raise ValueError("article entries: rows must be two integers")
        self._cols = {**{c: _Strings.of(cols[c]) for c in _TEXT},
                      **{c: _Codes.of(cols[c]) for c in _CODED}}
        self._start = array("q", [r[0] for r in span])
        self._end = array("q", [r[1] for r in span])
        self._n, self._holes = len(span), 0
        self._slot_map = None  # built on first look-up

    @property
    def _slot(self) -> dict[str, int]:
        if self._slot_map is None:
            ids = self._cols["id"]
            self._slot_map = {ids.get(i): i for i in range(self._n)}
        return self._slot_map

    def _append(self, aid: str, e: ArticleEntry) -> int:
        i = self._n
        self._cols["id"].append(aid)
        for name in (*_TEXT[1:], *_CODED):
            self._cols[name].append(getattr(e, name))
        self._start.append(int(e.rows[0]))
        self._end.append(int(e.rows[1]))
        self._n += 1
        return i

    # ---- mapping ----
    def __getitem__(self, aid: str) -> ArticleEntry:
        i = self._slot[aid]
        c = self._cols
        return ArticleEntry.model_construct(
            hash=c["hash"].get(i), segment=c["segment"].get(i),
            rows=(self._start[i], self._end[i]), title=c["title"].get(i),
            outlet=c["outlet"].get(i), published=c["published"].get(i), url=c["url"].get(i))

    def citation(self, aid: str) -> tuple[str, str | None, str | None, str | None] | None:
        """``(title, outlet, published, url)`` of ``aid`` (``None`` when absent): what a
        source listing needs, without building the whole entry."""
        i = self._slot.get(aid)
        if i is None:
            return None
        c = self._cols
        return (c["title"].get(i) or "", c["outlet"].get(i), c["published"].get(i),
                c["url"].get(i))

    def __setitem__(self, aid: str, entry: ArticleEntry | dict) -> None:
        e = entry if isinstance(entry, ArticleEntry) else ArticleEntry.model_validate(entry)
        slot = self._slot
        i = slot.get(aid)
        if i is None:
            slot[str(aid)] = self._append(str(aid), e)
            return
        for name in (*_TEXT[1:], *_CODED):
            self._cols[name].set(i, getattr(e, name))
        self._start[i], self._end[i] = int(e.rows[0]), int(e.rows[1])

    def __delitem__(self, aid: str) -> None:
        self._slot.pop(aid)
        self._holes += 1
        if self._holes > 1024 and self._holes > len(self._slot):
            self._compact()

    def __iter__(self) -> Iterator[str]:
        return iter(self._slot)

    def __len__(self) -> int:
        return self._n - self._holes

    def __contains__(self, aid: object) -> bool:
        return aid in self._slot

    def __repr__(self) -> str:
        return f"ArticleTable({len(self)} articles)"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return len(self) == len(other) and all(
                k in other and self[k] == other[k] for k in self)
        return NotImplemented

    # ---- extras ----
    def copy(self) -> ArticleTable:
        """An independent copy (buffers copied whole: cheap even for an archive)."""
        out = ArticleTable()
        out._cols = {name: col.copy() for name, col in self._cols.items()}
        out._start, out._end = array("q", self._start), array("q", self._end)
        out._n, out._holes = self._n, self._holes
        out._slot_map = dict(self._slot_map) if self._slot_map is not None else None
        return out

    def hashes(self) -> Iterator[tuple[str, str]]:
        """``(content hash, article id)`` of every entry, without building entries."""
        h = self._cols["hash"]
        return ((h.get(i), aid) for aid, i in self._slot.items())

    def _compact(self) -> None:
        fresh = ArticleTable()
        for aid in self._slot:
            fresh._append(aid, self[aid])
        fresh._slot_map = None
        for name in self.__slots__:
            setattr(self, name, getattr(fresh, name))

    # ---- pydantic: validated from / dumped to the manifest's JSON object of entries ----
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any):
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                cls._dump, when_used="always"))

    @classmethod
    def _validate(cls, value: Any) -> ArticleTable:
        if isinstance(value, ArticleTable):
            return value
        if not isinstance(value, Mapping):
            raise ValueError("articles must be an object of article entries")
        return cls(value)

    def _dump(self) -> dict[str, dict]:
        c = self._cols
        h, seg, title, outlet, pub, url = (c[n].get for n in (
            "hash", "segment", "title", "outlet", "published", "url"))
        start, end = self._start, self._end
        return {aid: {"hash": h(i), "segment": seg(i), "rows": (start[i], end[i]),
                      "title": title(i), "outlet": outlet(i), "published": pub(i),
                      "url": url(i)}
                for aid, i in self._slot.items()}

