"""Where nkru's data lives and how a path is shown: a leaf that the loader and the scenario
reader both use, so neither imports the other for it."""

from __future__ import annotations

import os
from pathlib import Path

# The nkru package folder: every module in it is part of the cache key.
PACKAGE = Path(__file__).resolve().parent.parent


def bundled_data_dir() -> Path:
    """The data nkru ships: inside the installed package, or the checkout's `data/`."""
    installed = PACKAGE / "data"
    return installed if installed.is_dir() else PACKAGE.parent / "data"


def display_name(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    # abspath, not resolve: a symlink is shown where the user put it (and a loop cannot raise).
    here, there = Path(os.path.abspath(Path.cwd())), Path(os.path.abspath(path))
    try:
        return str(there.relative_to(here))
    except ValueError:
        try:
            return str(there.relative_to(Path.cwd().resolve()))
        except (ValueError, OSError):
            return str(path)
