"""First-run set-up shared by the app and the CLI: make sure an index exists.

Example:
    >>> from qa.setup import ensure_index            # doctest: +SKIP
    >>> ensure_index("index", ["examples"]).summary()  # doctest: +SKIP
    'added 160, updated 0, ...'
"""

from __future__ import annotations

import os
from pathlib import Path

from qa.index import MANIFEST, Index, default_index_path
from qa.ingest import read_paths
from qa.models import AddReport

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def ensure_index(path: str | os.PathLike | None = None,
                 sources: list[str | os.PathLike] | None = None,
                 progress=None) -> AddReport | None:
    """Build the index at ``path`` from ``sources`` (default: the bundled ``examples/``)
    when it does not exist yet. Returns the add report, or ``None`` if it already existed.
    """
    p = Path(path) if path is not None else default_index_path()
    if (p / MANIFEST).exists():
        return None
    srcs = sources or [EXAMPLES]
    items = list(read_paths(srcs))
    idx = Index.open(p, create=True)
    return idx.add(items, progress=progress, total=sum(1 for x in items if hasattr(x, "hash")))
