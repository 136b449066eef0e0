"""Read articles from files and folders: text, Markdown, HTML, JSON/JSONL and CSV.

Every reader yields :class:`~qa.models.Article` objects (normalised text, stable id, content
hash) or :class:`~qa.models.Rejection` objects that say in one line why a file or record was
not taken. Nothing here touches the index.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("A title\\n\\nA title\\n\\nBody sentence one. Two.")
    >>> [x.text for x in read_paths([d])]
    ['Body sentence one. Two.']
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from qa.furniture import clean_body
from qa.models import Article, Rejection, content_hash, slugify

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".csv"}
MAX_BYTES = 20 * 1024 * 1024  # per file
MAX_ID_CHARS = 200

csv.field_size_limit(MAX_BYTES)

# --- text normalisation -------------------------------------------------------------------

_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?"
# A date stamp at the very start of a body (FA-KES style): "Wed 05 Apr 2017", "24-09-2013",
# "Date of publication 9 August 2016", "Last Updated: Sunday 10 July 2016".
_LEADING_DATE = re.compile(
    r"^(?:(?:date of publication|last updated(?: at)?:?|published:?|updated:?)\s+)?"
    r"(?:" + _WEEKDAY + r"\s+)?"
    r"(?:\d{1,2}\s+(?:" + _MONTHS + r")\.?,?\s+\d{4}"
    r"|(?:" + _MONTHS + r")\.?\s+\d{1,2},?\s*\d{4}"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|\d{4}-\d{2}-\d{2})"
    r"(?:\s*[-|,]?\s*\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?"
    r"[\s.:\-|]*",
    re.IGNORECASE,
)


def normalise_text(text: str) -> str:
    """Unicode NFC, one kind of newline and space, no control characters, tidy paragraphs.

    >>> normalise_text("A\\u00a0 b\\r\\n\\r\\n\\r\\nc\\x00")
    'A b\\n\\nc'
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CTRL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


_WIRE_CREDIT = re.compile(r"\s+[-–—]?\s*\(?(?:AP|AFP|Reuters|DPA|ANSA|SANA|Xinhua|UPI|IANS)\)?\s")


_LEADING_CREDIT = re.compile(r"(?:[A-Z]{2,6}|[A-Z][a-z]{2,10})\s+")
_SITE_SUFFIX = re.compile(r"\s+[-|\u2013\u2014]\s+[^-|\u2013\u2014]{1,40}$")


def _key(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", s.lower())


def _title_keys(title: str) -> list[str]:
    """Keys of ``title`` and of its shorter forms without " - Section - Site" suffixes.

    >>> _title_keys("Ten dead - Region - World - Ahram Online")
    ['tendeadregionworldahramonline', 'tendeadregionworld', 'tendeadregion', 'tendead']
    """
    keys, t = [], title
    while t:
        if _key(t) and (not keys or len(_key(t)) >= 15):
            keys.append(_key(t))
        shorter = _SITE_SUFFIX.sub("", t)
        if shorter == t:
            break
        t = shorter
    return keys


def strip_title(body: str, title: str) -> tuple[str, str | None]:
    """Remove date stamps and copies of ``title`` from the start of ``body``.

    Returns the body and the removed date stamp (or ``None``).

    >>> strip_title("Wed 05 Apr 2017 Big news. Big news. Details follow.", "Big news")
    ('Details follow.', 'Wed 05 Apr 2017')
    """
    stamp = None
    keys = _title_keys(title)
    for _ in range(8):
        before = body
        m = _LEADING_DATE.match(body)
        if m and m.end() < len(body):
            stamp = stamp or m.group(0).strip(" .:-|")
            body = body[m.end():]
        else:
            # a wire credit before the date stamp: "AFP Saturday 16 Jul 2016 Air raids ..."
            c = _LEADING_CREDIT.match(body)
            m = _LEADING_DATE.match(body[c.end():]) if c else None
            if c and m and c.end() + m.end() < len(body) and re.search(r"\d{4}", m.group(0)):
                stamp = stamp or m.group(0).strip(" .:-|")
                body = body[c.end() + m.end():]
        for tkey in keys:
            # walk forward over the body while its letters match the title's
            i, j = 0, 0
            while i < len(body) and j < len(tkey):
                c = body[i].lower()
                if not c.isascii() or not c.isalnum():
                    i += 1
                    continue
                if c != tkey[j]:
                    break
                i += 1
                j += 1
            if j == len(tkey) and (i == len(body) or not body[i].isalnum()):
                rest = body[i:].lstrip(" .:-|\n")
                # A repeated title stands on its own line, or follows a date stamp
                # (FA-KES: "Wed 05 Apr 2017 Title. Body"), or is followed by a wire credit
                # ("... northern Syria AP Syria's state TV"), or by a dated stamp ("Title 6
                # October 2016 Aleppo SANA-..."). A title that is just the
                # first sentence ("Title. Body" in Wikipedia-like data) is kept.
                ends = body[i:i + 1]
                boundary = ends in {"", "\n"} or bool(_WIRE_CREDIT.match(body, i)) or (
                    stamp is not None and ends in {".", ":", "|", " "}) or (
                    ends == " " and bool(_LEADING_DATE.match(rest))
                    and bool(re.search(r"\d{4}", _LEADING_DATE.match(rest).group(0))))
                if rest and boundary:
                    body = rest
                    break
        if body == before:
            break
    return body.strip(), stamp


_DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d",
    "%m/%d/%y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y",
    "%d %b %Y", "%d %B %Y", "%a %d %b %Y", "%A %d %b %Y", "%A %d %B %Y", "%a %d %B %Y",
    "%b %d %Y", "%B %d %Y", "%b %d, %Y", "%B %d, %Y", "%a %b %d %Y", "%A %B %d %Y",
    "%a, %d %b %Y", "%A, %d %B %Y", "%A, %B %d, %Y",
)


def parse_date(value: str | None) -> str | None:
    """ISO date ``YYYY-MM-DD`` from common formats; the input unchanged if none fits.

    >>> parse_date("4/5/17"), parse_date("Wed 05 Apr 2017"), parse_date("2019-02-10T08:00:00Z")
    ('2017-04-05', '2017-04-05', '2019-02-10')
    """
    if value is None:
        return None
    v = re.sub(r"\s+", " ", str(value)).strip().strip(".,")
    if not v:
        return None
    v2 = re.sub(r"^(?:date of publication|last updated:?|published:?|updated:?)\s+", "", v,
                flags=re.I)
    if re.match(r"\d{4}-\d{2}-\d{2}", v2):
        try:
            return datetime.strptime(v2[:10], "%Y-%m-%d").date().isoformat()
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(v2, fmt).date().isoformat()
        except ValueError:
            continue
    return v


# --- building articles ----------------------------------------------------------------------

def make_article(
    *,
    text: str,
    title: str | None = None,
    id: str | None = None,
    outlet: str | None = None,
    url: str | None = None,
    published: str | None = None,
    path: str | None = None,
) -> Article | Rejection:
    """Normalise one record into an :class:`Article`, or a :class:`Rejection` saying why not.

    >>> a = make_article(title="T", text="T\\nHello there.", outlet="AP")
    >>> a.text, a.outlet
    ('Hello there.', 'AP')
    >>> make_article(title="T", text="   ", path="x.txt").reason
    'no article text'
    """
    where = path or "(record)"
    if not isinstance(text, str):
        return Rejection(path=where, reason="article text is not a string")
    title = normalise_text(title if isinstance(title, str) else "").replace("\n", " ")
    body = normalise_text(text)
    body, stamp = strip_title(body, title)
    body = clean_body(body)
    if not body or not any(c.isalnum() for c in body):
        return Rejection(path=where, reason="no article text")
    if not title:
        first = body.split("\n", 1)[0]
        title = first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "..."
    pub = parse_date(published if isinstance(published, str) else
                     (str(published) if published is not None else None))
    if pub is None and stamp:
        parsed = parse_date(stamp)
        pub = parsed if parsed and re.fullmatch(r"\d{4}-\d{2}-\d{2}", parsed) else None
    art_id = None
    if id is not None and str(id).strip():
        art_id = _CTRL.sub("", str(id)).strip()[:MAX_ID_CHARS]
    h = content_hash(title, body)
    return Article(
        id=art_id or f"{slugify(title)}-{h[:8]}",
        title=title,
        text=body,
        outlet=(normalise_text(str(outlet)) or None) if outlet else None,
        url=(str(url).strip() or None) if url else None,
        published=pub,
        hash=h,
        path=path,
    )


# --- decoding -------------------------------------------------------------------------------

class BadFile(Exception):
    """A file that cannot be read; the message is the one-line reason."""


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252/Latin-1.

    Raises :class:`BadFile` for binary data.

    >>> decode_bytes("café".encode("latin-1"))
    'café'
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise BadFile("broken UTF-16 text") from e
    if b"\x00" in data[:1_000_000]:
        raise BadFile("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    sample = text[:100_000]
    if sample:
        ctrl = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
        if ctrl / len(sample) > 0.01:
            raise BadFile("binary file (control characters), not text")
    return text


def _read_text_file(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise BadFile(
            f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit "
            "(split it, or raise the limit with --max-mb)"
        )
    if size == 0:
        raise BadFile("empty file")
    return decode_bytes(path.read_bytes())


# --- per-format readers ----------------------------------------------------------------------

def read_text(path: Path, text: str) -> Iterator[Article | Rejection]:
    """``.txt`` / ``.md``: first non-empty line is the title, the rest is the body."""
    lines = text.lstrip("\ufeff").strip().split("\n", 1)
    title = lines[0].strip()
    body = lines[1] if len(lines) > 1 else ""
    if path.suffix.lower() in {".md", ".markdown"}:
        title = re.sub(r"^#+\s*", "", title)
        body = _strip_markdown(body)
    if not body.strip():
        body, title = title, ""
    yield make_article(text=body, title=title, id=path.stem, path=str(path))


def _strip_markdown(text: str) -> str:
    text = re.sub(r"^#{1,6}\s*", "", text, flags=re.M)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"^\s*[-*+]\s+", "", text, flags=re.M)
    return text


def read_html(path: Path, text: str) -> Iterator[Article | Rejection]:
    """``.html``: main text and metadata extracted with trafilatura (boilerplate removed)."""
    import trafilatura  # heavy import; only when HTML is read

    body = trafilatura.extract(text, include_comments=False, include_tables=False,
                               favor_recall=True)
    meta = trafilatura.extract_metadata(text)
    if not body:
        yield Rejection(path=str(path), reason="no article text found in the HTML")
        return
    yield make_article(
        text=body,
        title=(meta.title if meta else None) or "",
        id=path.stem,
        outlet=(meta.sitename if meta else None),
        url=(meta.url if meta else None),
        published=(meta.date if meta else None),
        path=str(path),
    )


_FIELD_ALIASES = {
    "id": ("id", "article_id", "unit_id", "doc_id", "uuid", "guid"),
    "title": ("title", "article_title", "headline", "name"),
    "text": ("text", "article_content", "content", "body", "article", "article_text", "story"),
    "outlet": ("outlet", "source", "publisher", "site", "sitename", "site_name", "media"),
    "url": ("url", "link", "href", "article_url"),
    "published": ("published", "date", "published_at", "publish_date", "pub_date", "datetime",
                  "timestamp"),
}


def _pick(record: dict, field: str):
    lower = {str(k).strip().lower(): v for k, v in record.items()}
    for alias in _FIELD_ALIASES[field]:
        if alias in lower and lower[alias] not in (None, ""):
            return lower[alias]
    return None


def _record_article(record, where: str) -> Article | Rejection:
    if not isinstance(record, dict):
        return Rejection(path=where, reason="not a JSON object with a \"text\" field")
    text = _pick(record, "text")
    if text is None:
        return Rejection(path=where, reason="no \"text\" field (or content/body)")
    if not isinstance(text, str):
        return Rejection(path=where, reason="\"text\" is not a string")
    title = _pick(record, "title")
    return make_article(
        text=text,
        title=title if isinstance(title, str) else None,
        id=_pick(record, "id"),
        outlet=_pick(record, "outlet"),
        url=_pick(record, "url"),
        published=_pick(record, "published"),
        path=where,
    )


def read_json(path: Path, text: str) -> Iterator[Article | Rejection]:
    """``.json``: one article object, a list of them, or ``{"articles": [...]}``."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        msg = getattr(e, "msg", "nested too deeply")
        yield Rejection(path=str(path), reason=f"invalid JSON ({msg})")
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, list):
        if not data:
            yield Rejection(path=str(path), reason="empty JSON list")
        for i, rec in enumerate(data):
            yield _record_article(rec, f"{path}[{i}]")
    else:
        yield _record_article(data, str(path))


def read_jsonl(path: Path, text: str) -> Iterator[Article | Rejection]:
    """``.jsonl``: one article object per line (blank lines ignored)."""
    seen = False
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        seen = True
        where = f"{path}:{n}"
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as e:
            yield Rejection(path=where, reason=f"invalid JSON ({getattr(e, 'msg', 'too deep')})")
            continue
        yield _record_article(rec, where)
    if not seen:
        yield Rejection(path=str(path), reason="empty file")


def read_csv(path: Path, text: str) -> Iterator[Article | Rejection]:
    """``.csv``: a header row; columns found by name (``article_title, article_content,
    source, date`` as in FA-KES, or ``title, text, outlet, url, published, id``)."""
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        yield Rejection(path=str(path), reason="no CSV header row")
        return
    names = [h.strip().lower() for h in header]
    if not any(n in _FIELD_ALIASES["text"] for n in names):
        yield Rejection(
            path=str(path),
            reason="no text column (expected one of: " + ", ".join(_FIELD_ALIASES["text"]) + ")",
        )
        return
    row_no = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            row_no += 1
            yield Rejection(path=f"{path}:row {row_no}", reason=f"broken CSV ({e})")
            continue
        row_no += 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            yield Rejection(
                path=f"{path}:row {row_no}",
                reason=f"has {len(row)} columns, the header has {len(names)}",
            )
            continue
        yield _record_article(dict(zip(names, row, strict=True)), f"{path}:row {row_no}")


READERS = {
    ".txt": read_text, ".md": read_text, ".markdown": read_text,
    ".html": read_html, ".htm": read_html,
    ".json": read_json, ".jsonl": read_jsonl, ".csv": read_csv,
}


# --- files and folders ------------------------------------------------------------------------

def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path | Rejection]:
    """Expand files and folders (recursively, sorted, hidden entries skipped)."""
    for p in paths:
        path = Path(p)
        if not path.exists():
            yield Rejection(path=str(path), reason="no such file or folder")
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    f = Path(root) / name
                    if f.suffix.lower() in SUFFIXES:
                        yield f
                    elif name.upper() not in {"NOTICE", "LICENSE", "README"}:
                        yield Rejection(path=str(f), reason=_unsupported(f))
        elif path.suffix.lower() in SUFFIXES:
            yield path
        else:
            yield Rejection(path=str(path), reason=_unsupported(path))


def _unsupported(path: Path) -> str:
    kind = path.suffix or "(no extension)"
    return f"unsupported file type {kind} (use .txt, .md, .html, .json, .jsonl or .csv)"


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[Article | Rejection]:
    """Articles (or rejections) from one file of a supported type."""
    try:
        text = _read_text_file(path, max_bytes)
    except BadFile as e:
        yield Rejection(path=str(path), reason=str(e))
        return
    except OSError as e:
        yield Rejection(path=str(path), reason=f"cannot read file ({e.strerror or e})")
        return
    reader = READERS[path.suffix.lower()]
    try:
        yield from reader(path, text)
    except Exception as e:  # a reader bug or a pathological file must not stop the batch
        yield Rejection(path=str(path), reason=f"could not parse ({type(e).__name__}: {e})")


def read_paths(
    paths: Iterable[str | os.PathLike], max_bytes: int = MAX_BYTES
) -> Iterator[Article | Rejection]:
    """Articles and rejections from files and folders, in a stable order.

    Ids are not checked for uniqueness here; the index decides (see ``Index.add``).
    """
    for item in iter_files(paths):
        if isinstance(item, Rejection):
            yield item
        else:
            yield from read_file(item, max_bytes)
