"""Shared helpers: run the CLI in-process, and copy the shipped data to edit one thing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru.cli import app
from nkru.load import bundled_data_dir

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
DOMAIN = ROOT.parent / "shared" / "DOMAIN.md"
# Tests never touch the user's cache.
os.environ["NKRU_CACHE_DIR"] = tempfile.mkdtemp(prefix="nkru-test-cache-")

# A pinned terminal: golden outputs must not depend on who runs the tests.
TERMINAL = {"COLUMNS": "120", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb", "NKRU_DEBUG": ""}


def run(*args: str):
    """Invoke nkru in-process; stdout and stderr stay apart."""
    return CliRunner(env=TERMINAL).invoke(app, list(args))


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the shipped data directory, for a test to break one thing in."""
    target = tmp_path / "data"
    shutil.copytree(bundled_data_dir(), target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
