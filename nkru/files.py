"""Writing files so that nothing is ever half-written: a temporary file beside the target,
flushed to disk, then renamed over it in one step."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class ReadError(ValueError):
    """A file nkru will not read, with the one-line reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _kind(mode: int, what: str) -> str | None:
    """Why a file of this mode is not one to read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return f"is a directory, not {what}" if stat.S_ISDIR(mode) else "is not a regular file (a device, pipe or socket)"


def read_regular(path: Path, max_bytes: int, what: str = "a YAML file") -> bytes:
    """The bytes of a regular file of at most max_bytes; ReadError otherwise. A FIFO or a device
    (a symlink to /dev/zero) is refused before it is opened, so a read never blocks or runs on."""
    try:
        info = os.stat(path)
        if (reason := _kind(info.st_mode, what)) is not None:
            raise ReadError(reason)
        if info.st_size > max_bytes:
            raise ReadError(f"is {info.st_size:,} bytes; nkru reads at most {max_bytes:,}")
        # O_NONBLOCK and fstat again: the path may have been swapped for something else since the stat.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as file:
            if (reason := _kind(os.fstat(file.fileno()).st_mode, what)) is not None:
                raise ReadError(reason)
            data = file.read(max_bytes + 1)  # one more byte: a file that grew since the stat is still caught
    except (FileNotFoundError, NotADirectoryError):
        raise ReadError("no such file") from None
    except OSError as error:
        raise ReadError(f"cannot be read ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise ReadError(f"is more than {max_bytes:,} bytes; nkru reads at most {max_bytes:,}")
    return data


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
