"""Shared fixtures. The real model is used (it installs offline); it loads once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEED = EXAMPLES / "000_f520d8b3061bf427.txt"
FAKES = EXAMPLES / "fakes_dev.csv"


@pytest.fixture(scope="session")
def encoder():
    from qa.encoder import get_encoder

    return get_encoder()


@pytest.fixture(scope="session")
def examples_index(tmp_path_factory, encoder):
    """A read-only index of the bundled articles, built once per test session."""
    from qa.index import Index
    from qa.ingest import read_paths

    path = tmp_path_factory.mktemp("examples") / "index"
    idx = Index.create(path, encoder=encoder)
    idx.add(read_paths([EXAMPLES]))
    return idx


@pytest.fixture
def seed_copy(tmp_path):
    """A writable folder holding a copy of the example article."""
    d = tmp_path / "articles"
    d.mkdir()
    shutil.copy(SEED, d / SEED.name)
    return d


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``factcheck`` in a subprocess (``python -m qa.cli``), capturing output."""
    e = dict(os.environ)
    e.setdefault("PYTHONPATH", str(ROOT))
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True,
                          text=True, env=e, cwd=cwd or ROOT, timeout=timeout)
