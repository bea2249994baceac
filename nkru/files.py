"""Reading and writing files safely. Reads refuse anything but a regular file. Writes go to a
temporary file beside the target, flushed to disk, then put in place in one step, so nothing
is ever half-written; user-facing writes also refuse what must not be replaced."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path


class ReadError(ValueError):
    """A file nkru will not read, with the one-line reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class WriteError(ValueError):
    """A file nkru will not write, with the one-line reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


NOT_REGULAR = "is not a regular file (a device, pipe or socket)"
EXISTS = "exists; add --force to replace it"
# A temporary file is `.nkru-<name>.<pid>.<8 hex>.tmp`: the pid tells whether its writer still runs.
TEMPORARY = re.compile(r"\.nkru-.*\.(\d+)\.[0-9a-f]{8}\.tmp")
STALE_AFTER = 3600  # seconds: a live writer touches its file far more often than this
ABANDONED_AFTER = 86400  # seconds: no write takes a day, even if its pid now belongs to another process


def _kind(mode: int, what: str) -> str | None:
    """Why a file of this mode is not one to read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return f"is a directory, not {what}" if stat.S_ISDIR(mode) else NOT_REGULAR


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


# ---------------------------------------------------------------------------- files the user names
#
# Only regular files are written; a device, pipe, socket or directory is refused, and a FIFO is
# never opened. Without --force the file is created exclusively (a hard link from the temporary
# file), so of writers racing for one name exactly one wins. With --force an existing file is
# replaced, and a symlink is written through to its regular file, never replaced itself; a
# dangling symlink is refused. A file the command read is never replaced.


def write_output(path: Path, data: bytes, force: bool, reading: Collection[Path] = ()) -> Path:
    """Write a file the user named, whole, and return the regular file written; WriteError if it must not be."""
    try:
        target = _target(path, force, reading)
        remove_stale_temporaries(target.parent)
        with interruptible():
            _put(target, data, force)
    except OSError as error:
        raise WriteError(f"cannot be written: {error.strerror or error}") from None
    return target


def check_writable(path: Path, force: bool, reading: Collection[Path] = ()) -> None:
    """WriteError if `path` is not a file write_output would write now: checked before a command
    writes any of its files, so one that cannot be written leaves none written."""
    try:
        _target(path, force, reading)
    except OSError as error:
        raise WriteError(f"cannot be written: {error.strerror or error}") from None


def _target(path: Path, force: bool, reading: Collection[Path]) -> Path:
    """The regular file to write for `path`: itself, or with `force` the file its symlink names."""
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        _check_folder(path.parent)
        return path
    except NotADirectoryError:
        raise WriteError(f"{_not_a_folder(path)} is not a directory") from None
    try:
        info = os.stat(path) if stat.S_ISLNK(link.st_mode) else link
    except FileNotFoundError:
        raise WriteError("is a symbolic link to a missing file; nkru writes through a link only to an existing file") from None
    if stat.S_ISDIR(info.st_mode):
        raise WriteError("is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise WriteError(f"{NOT_REGULAR}; nkru writes only regular files")
    if (info.st_dev, info.st_ino) in _identities(reading):
        raise WriteError("is a file this command reads; write the output elsewhere")
    if not force:
        raise WriteError(EXISTS)
    return Path(os.path.realpath(path)) if stat.S_ISLNK(link.st_mode) else path


def _check_folder(folder: Path) -> None:
    """A new file's folder must exist: a mistyped path is an error, not a new tree of folders."""
    try:
        if not stat.S_ISDIR(os.stat(folder).st_mode):
            raise WriteError(f"{folder} is not a directory")
    except FileNotFoundError:
        raise WriteError(f"no such directory {folder}") from None
    except NotADirectoryError:
        raise WriteError(f"{_not_a_folder(folder)} is not a directory") from None


def _not_a_folder(path: Path) -> Path:
    """The nearest existing ancestor of `path`, which (the path giving ENOTDIR) is not a directory."""
    return next((p for p in path.parents if os.path.lexists(p)), path.parent)


def _identities(paths: Collection[Path]) -> set[tuple[int, int]]:
    """(device, inode) of each existing path: the same file under any name, link or hard link."""
    found = set()
    for path in paths:
        with contextlib.suppress(OSError):
            info = os.stat(path)
            found.add((info.st_dev, info.st_ino))
    return found


def _put(target: Path, data: bytes, force: bool) -> None:
    """Write a temporary file beside `target`, then replace `target` with it, or with `force` unset create it."""
    handle, temporary = _temporary(target)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if force:
            _replace(temporary, target)
        elif not link_new(temporary, target):
            raise WriteError(EXISTS)
        _sync_folder(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _temporary(target: Path) -> tuple[int, Path]:
    """A new temporary file beside `target`, opened for writing, with the usual mode (0666 & ~umask)."""
    while True:
        temporary = target.parent / f".nkru-{target.name[:40]}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        with contextlib.suppress(FileExistsError):
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), temporary


def _replace(temporary: Path, target: Path) -> None:
    """Rename over `target`, unless it has become something other than a regular file since it was checked."""
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.lstat(target).st_mode):
            raise WriteError(f"{NOT_REGULAR}; nkru writes only regular files")
    os.replace(temporary, target)


def link_new(source: Path, target: Path) -> bool:
    """Give the file `source` the new name `target`; False if `target` exists. Of racing callers one wins."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # No hard links here (FAT, some network file systems): claim the name, then fill it.
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            return False
        os.replace(source, target)
    return True


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries, so a new name survives a crash; best effort (not every system can)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def remove_stale_temporaries(folder: Path) -> None:
    """Remove nkru's temporary files in `folder` left by writers killed outright (SIGKILL, power loss)."""
    now = time.time()
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if (match := TEMPORARY.fullmatch(entry.name)) is None:
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                age = now - info.st_mtime
                if stat.S_ISREG(info.st_mode) and age > STALE_AFTER and (age > ABANDONED_AFTER or not _alive(int(match[1]))):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    """Whether a process `pid` exists (it may be another process that took the number)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user's process
    except (OverflowError, ValueError, OSError):
        return False
    return True


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Within, SIGTERM and SIGHUP (if not otherwise handled) raise SystemExit, so a `finally` removes the temporary file."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers, and only it receives them
        return
    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            previous[number] = signal.signal(number, _exit)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _exit(number: int, _frame: object) -> None:
    raise SystemExit(128 + number)  # the status a shell reports for a death by this signal


# ---------------------------------------------------------------------------- init


def copy_tree(source: Path, target: Path, force: bool) -> tuple[list[Path], list[Path]]:
    """Copy the YAML files under `source` to `target`, all or nothing; a file `target` has is kept unless `force`: (written, kept)."""
    # All are written to a temporary folder inside `target` (which is writable if `target` is)
    # before any is moved into place; a failure removes what this copy created.
    files = {path.relative_to(source): path.read_bytes() for path in sorted(source.rglob("*.yaml"))}
    if not os.path.lexists(target):
        _check_folder(target.parent)  # the copy's own folder is made; a mistyped path above it is an error
    _check_tree(target, files)
    existing = {rel for rel in files if os.path.lexists(target / rel)}
    plan = {rel: _replaceable(target / rel) for rel in existing} if force else {}
    made: list[Path] = []  # what this copy created, undone in reverse if it fails
    try:
        with interruptible():
            made += _make_folders(target)
            written = _stage_and_place(target, {rel: data for rel, data in files.items() if force or rel not in existing}, plan, made)
    except BaseException:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    os.rmdir(path)
                else:
                    os.unlink(path)
        raise
    return written, [target / rel for rel in files if target / rel not in written]


def _check_tree(target: Path, files: Collection[Path]) -> None:
    """WriteError if `target`, or a folder the copy needs inside it, is not a directory."""
    for folder in [target, *sorted({target / rel.parent for rel in files} - {target})]:
        where = "" if folder == target else f"{folder} "
        try:
            info = os.stat(folder)
        except FileNotFoundError:
            if os.path.lexists(folder):
                raise WriteError(f"{where}is a symbolic link to a missing directory") from None
            continue
        except NotADirectoryError:
            raise WriteError(f"{_not_a_folder(folder)} is not a directory") from None
        if not stat.S_ISDIR(info.st_mode):
            kind = "is a file" if stat.S_ISREG(info.st_mode) else "is not a directory"
            raise WriteError(f"{kind}; give a directory" if folder == target else f"{where}{kind}; the copy needs a directory there")


def _replaceable(path: Path) -> Path:
    """The regular file --force replaces for an existing `path` (a symlink's target); WriteError naming it if none."""
    try:
        return _target(path, True, ())
    except WriteError as error:
        raise WriteError(f"{path} {error.reason}") from None


def _make_folders(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; the ones created, outermost first."""
    missing = [p for p in [folder, *folder.parents] if not os.path.lexists(p)][::-1]
    for path in missing:
        os.mkdir(path)
    return missing


def _stage_and_place(target: Path, files: dict[Path, bytes], plan: dict[Path, Path], made: list[Path]) -> list[Path]:
    """Write `files` into a temporary folder in `target`, then move each into place: those written."""
    stage = Path(tempfile.mkdtemp(prefix=".nkru-init.", dir=target))
    try:
        for rel, data in files.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            with os.fdopen(os.open(stage / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as stream:
                stream.write(data)
                os.fsync(stream.fileno())
        written = []
        for rel in files:
            made += _make_folders((target / rel).parent)
            if rel in plan:
                _move_over(stage / rel, plan[rel], files[rel])
            elif link_new(stage / rel, target / rel):
                made.append(target / rel)
            else:
                continue  # created by someone else meanwhile: theirs is kept
            written.append(target / rel)
        _sync_folder(target)
        return written
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _move_over(staged: Path, destination: Path, data: bytes) -> None:
    """Replace `destination` with the staged file; a symlink's target on another file system is written beside itself."""
    try:
        _replace(staged, destination)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        _put(destination, data, force=True)
