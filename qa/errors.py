"""Errors a user can act on. Each message is one sentence that says what to do.

The CLI and the app print ``str(error)`` and nothing else; anything that is not a
:class:`FactcheckError` is a bug and keeps its traceback.

Example:
    >>> str(IndexMissing("/tmp/nowhere"))
    "no index at /tmp/nowhere: run 'factcheck add PATH' to create one, or point --index / FACTCHECK_INDEX at an existing index"
"""

from __future__ import annotations

from pathlib import Path


class FactcheckError(Exception):
    """Base class: a problem the user can fix; the message says how."""


class ModelMissing(FactcheckError, FileNotFoundError):
    """A plug-in model folder (``FACTCHECK_RERANKER`` ...) that does not exist."""


class IndexMissing(FactcheckError):
    def __init__(self, path):
        where = str(path)
        full = str(Path(path).resolve())
        if full != where:  # a relative default such as "index": say where that is
            where = f"{where} ({full})"
        super().__init__(f"no index at {where}: run 'factcheck add PATH' to create one, "
                         "or point --index / FACTCHECK_INDEX at an existing index")


class IndexMismatch(FactcheckError):
    """The index was built with another model, dimension or format."""

    def __init__(self, path, what: str):
        super().__init__(
            f"the index at {path} was built {what}; run 'factcheck rebuild --index {path}'"
        )


class IndexCorrupt(FactcheckError):
    def __init__(self, path, what: str):
        super().__init__(
            f"the index at {path} is damaged ({what}); run 'factcheck rebuild --index {path}' "
            "or restore it from a backup"
        )


class IndexLocked(FactcheckError):
    def __init__(self, path, pid: int, since: str):
        super().__init__(
            f"the index at {path} is being updated by PID {pid} (since {since}); "
            "wait for it to finish and try again"
        )


class BadQuestion(FactcheckError):
    """An empty, over-long or otherwise unusable question."""
