"""Writing files so that nothing is ever half-written: a temporary file beside the target,
flushed to disk, then renamed over it in one step."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` all at once: readers see the old file or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        # After the rename the temporary name is gone; after an interruption it is removed.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def copy_tree(source: Path, target: Path, force: bool) -> tuple[list[Path], list[Path]]:
    """Copy the YAML files under `source` to `target`, each atomically; a file `target`
    already has is kept unless `force`. Returns (written, kept)."""
    written, kept = [], []
    for path in sorted(source.rglob("*.yaml")):
        destination = target / path.relative_to(source)
        if destination.exists() and not force:
            kept.append(destination)
            continue
        write_atomic(destination, path.read_bytes())
        written.append(destination)
    return written, kept
