"""The dataset cache: a validated Dataset as JSON, which cannot run code when it is read.

Every value is written as plain JSON or as a one-key object whose key starts with NUL: a tuple,
a frozenset, a dict whose keys are not plain text, a Path, a formula (its text, compiled again),
the units registry (the units it was declared with), the locator, or an instance of a class in
`CLASSES`, a fixed whitelist looked up by name. Nothing in a file names code to import or call.
A dict whose values are all instances of one such class is written as a table: the field names
once, each distinct instance as a row, each key's row number; its columns are type-checked a
column at a time. The locator keeps a large file's name only: a problem in it reads it again.

An entry is `nkru-<key>.json`: a line with an HMAC of the key and the JSON, under a secret only
this user can read, then the JSON. Whatever is wrong with an entry (damaged, tampered, written by
someone else, a bomb) makes it a miss, and the data is loaded afresh.
"""

from __future__ import annotations

import dataclasses
import hmac
import itertools
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

from nkru.engine.expr import Compiled, compile_expr
from nkru.engine.units import Registry
from nkru.errors import Locator
from nkru.files import read_regular, write_atomic
from nkru.load.typecheck import CHECKED, CLASSES, CacheError, check_fields, checked, column_checks, field_checks, typed
from nkru.model import Dataset

MAX_ENTRY_BYTES = 64 * 1024 * 1024
EAGER_MARKS = 20_000  # a file with more marks than this is located by reading it again
ENTRY = re.compile(r"nkru-[0-9a-f]{64}\.json")  # the only names pruning ever deletes
SECRET = "nkru-cache.key"
_SECRET_BYTES = 32
_MAC_HEX = 64

# ---------------------------------------------------------------------------- writing


def dump(dataset: Dataset) -> bytes:
    """The dataset as JSON bytes; TypeError for a value the format has no place for."""
    return json.dumps(_encode(dataset, dataset.model.units), separators=(",", ":")).encode("ascii")


def _encode(value: Any, declared: Any) -> Any:
    """One value as JSON-ready data; `declared` is the units the registry was built from."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    kind = type(value)
    if kind is list:
        return [_encode(item, declared) for item in value]
    if kind is dict:
        if all(isinstance(k, str) and not k.startswith("\0") for k in value):
            table = _table(value, declared)
            return table if table is not None else {k: _encode(v, declared) for k, v in value.items()}
        return {"\0m": [[_encode(k, declared), _encode(v, declared)] for k, v in value.items()]}
    if kind is tuple:
        return {"\0t": [_encode(item, declared) for item in value]}
    if kind is frozenset:
        return {"\0s": [_encode(item, declared) for item in sorted(value, key=repr)]}
    if kind is Compiled:
        return {"\0x": value.text}
    if isinstance(value, Path):
        return {"\0p": str(value)}
    if kind is Registry:
        return {"\0r": _encode(dict(declared), declared)}
    if kind is Locator:
        # A large file's marks are not kept (they would be most of the entry, and of a warm run's
        # time): a problem in it reads it again. A small one's are, so a warm run parses nothing.
        return {"\0l": {key: [name] if unread or len(marks) > EAGER_MARKS else
                         [name, _encode(data, declared), [list(path) for path in marks],
                          [line for line, _ in marks.values()], [col for _, col in marks.values()]]
                         for key, name, data, marks, unread in value.files()}}
    if CLASSES.get(kind.__name__) is not kind:
        raise TypeError(f"the cache cannot hold a {kind.__name__}")
    if dataclasses.is_dataclass(value):
        return {"\0c": [kind.__name__, {f.name: _encode(getattr(value, f.name), declared) for f in dataclasses.fields(value)}]}
    return {"\0n": [kind.__name__, [_encode(item, declared) for item in value]]}


def _table(value: dict[str, Any], declared: Any) -> dict[str, Any] | None:
    """A dict whose values are all instances of one whitelisted class, as a table: the field
    names once, then each distinct instance as a row and each key's row number. 100,000 figures
    read back in one pass per column; a unit shared by most of them is written once."""
    kinds = set(map(type, value.values()))
    if len(value) < 2 or len(kinds) != 1:
        return None
    (cls,) = kinds
    if CLASSES.get(cls.__name__) is not cls:
        return None
    names = [name for name, _ in field_checks(cls)]
    rows: dict[int, int] = {}  # id of an instance -> its row
    encoded: list[list[Any]] = []
    for item in value.values():
        if id(item) not in rows:
            rows[id(item)] = len(encoded)
            encoded.append([_encode(getattr(item, name), declared) for name in names])
    return {"\0T": [cls.__name__, names, list(value), encoded, [rows[id(item)] for item in value.values()]]}


# ---------------------------------------------------------------------------- reading


def load(data: bytes | str) -> Dataset:
    """The Dataset `dump` wrote; CacheError for anything else, however malformed."""
    try:
        dataset = json.loads(data, object_hook=_decode_object)
        if type(dataset) is not Dataset:
            raise CacheError("not a dataset")
        check_fields(dataset)
    except CacheError:
        raise
    except Exception as error:  # only our constructors run; whatever they raise on foreign data means malformed
        raise CacheError(f"{type(error).__name__}: {error}") from None
    finally:
        CHECKED.clear()
    return dataset


def _decode_object(obj: dict[str, Any]) -> Any:
    """A JSON object as read: a tagged value rebuilt, else a plain dict."""
    if len(obj) != 1:
        return obj
    ((tag, value),) = obj.items()
    if not tag.startswith("\0"):
        return obj
    return _TAGS[tag](value)


def _instance(value: list) -> Any:
    name, fields = typed(value, list)
    cls = CLASSES[name]
    if dataclasses.is_dataclass(cls):
        return cls(**typed(fields, dict))
    return cls(*typed(fields, list))


def _rows(value: list) -> dict[str, Any]:
    """A table `_table` wrote, as the dict it was: each column's values checked at once."""
    name, names, keys, rows, index = typed(value, list)
    cls = CLASSES[typed(name, str)]
    checks = field_checks(cls)
    if typed(names, list) != [field for field, _ in checks]:
        raise CacheError(f"the fields of {name} have changed")
    if set(map(type, typed(rows, list))) - {list} or set(map(len, rows)) - {len(names)}:
        raise CacheError("a row without all its fields")
    for column, check in zip(zip(*rows), column_checks(cls)):
        check(column)
    if set(map(type, typed(keys, list))) - {str} or set(map(type, typed(index, list))) - {int} or len(keys) != len(index):
        raise CacheError("a table's keys are text, each with a row")
    if index and not 0 <= min(index) <= max(index) < len(rows):
        raise CacheError("a row number out of range")
    built = _build(cls, names, rows)
    table = dict(zip(keys, (built[i] for i in index)))
    CHECKED.add(id(table))
    return table


def _build(cls: type, names: list[str], rows: list[list]) -> list[Any]:
    """Instances from their checked fields (a NamedTuple's in order); no __init__ runs again."""
    if dataclasses.is_dataclass(cls) and "__slots__" not in vars(cls):
        built = [object.__new__(cls) for _ in rows]
        for obj, row in zip(built, rows):
            obj.__dict__.update(zip(names, row))  # into the instance's own dict: its keys stay shared with the class's others
    elif dataclasses.is_dataclass(cls):
        built = [cls(**dict(zip(names, row))) for row in rows]
    else:
        built = [cls(*row) for row in rows]
    CHECKED.update(map(id, built))
    return built


def _locator(value: dict) -> Locator:
    """The locator: each file's name, data, and the line and column of each path in it."""
    locator = Locator()
    for key, entry in typed(value, dict).items():
        if len(typed(entry, list)) == 1:
            locator.add_unread(typed(key, str), typed(entry[0], str), None)  # the loader gives it a reader
            continue
        name, data, paths, lines, cols = entry
        # Checked in bulk (C loops): a file has a mark for every key and item. The data itself
        # may hold anything JSON does: the locator only walks it behind isinstance checks.
        steps = itertools.chain.from_iterable(typed(paths, list))
        if not (set(map(type, paths)) <= {list} and set(map(type, steps)) <= {str, int}):
            raise CacheError("a located path is a list of keys and indices")
        if not (set(map(type, typed(lines, list))) <= {int} and set(map(type, typed(cols, list))) <= {int}):
            raise CacheError("lines and columns are whole numbers")
        if not len(paths) == len(lines) == len(cols):
            raise CacheError("a path without its line and column")
        locator.add_file(typed(key, str), typed(name, str), data, dict(zip(map(tuple, paths), zip(lines, cols))))
    return locator


_TAGS: dict[str, Any] = {
    "\0t": lambda v: tuple(typed(v, list)),
    "\0s": lambda v: frozenset(typed(v, list)),
    "\0m": lambda v: dict(typed(v, list)),  # [key, value] pairs
    "\0p": lambda v: Path(typed(v, str)),
    "\0x": lambda v: compile_expr(typed(v, str)),
    "\0r": lambda v: Registry(checked(v, dict[str, str | None])),
    "\0l": _locator,
    "\0T": _rows,
    "\0c": _instance,
    "\0n": _instance,
}


# ---------------------------------------------------------------------------- the folder


def entry_path(folder: Path, key: str) -> Path:
    return folder / f"nkru-{key}.json"


def read(folder: Path, key: str) -> Dataset | None:
    """The dataset cached under `key`, or None: a missing, damaged, tampered or foreign entry is a miss."""
    try:
        secret = _secret(folder, create=False)
        if secret is None:
            return None
        # read_regular refuses a FIFO or device planted at the path, and caps what is read.
        sealed = read_regular(entry_path(folder, key), MAX_ENTRY_BYTES, "a cache entry")
        # The JSON is sealed and decoded where it lies, not copied out first: one copy fewer of
        # an entry that is 20 MB at 100,000 figures.
        with memoryview(sealed) as view:
            if sealed[_MAC_HEX:_MAC_HEX + 1] != b"\n" or not hmac.compare_digest(sealed[:_MAC_HEX], _mac(secret, key, view[_MAC_HEX + 1:])):
                return None
            text = str(view[_MAC_HEX + 1:], "ascii")
        del sealed
        return load(text)
    except (OSError, ValueError, KeyError, TypeError, RecursionError, MemoryError):  # UnicodeDecodeError is a ValueError
        return None


def write(folder: Path, key: str, dataset: Dataset, keep: int) -> None:
    """Cache `dataset` under `key` and prune old entries; a folder nkru cannot write costs speed only."""
    try:
        # write_atomic may stop making folders; a private cache folder is ours to make.
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = _secret(folder, create=True)
        if secret is None:
            return
        payload = dump(dataset)
        write_atomic(entry_path(folder, key), _mac(secret, key, payload) + b"\n" + payload)
        prune(folder, keep)
    except (OSError, ValueError, TypeError, RecursionError):
        pass


def prune(folder: Path, keep: int) -> None:
    """Keep the `keep` newest entries; files not named like an entry are never touched."""
    entries = []
    with os.scandir(folder) as listing:
        for item in listing:
            if ENTRY.fullmatch(item.name):
                try:
                    entries.append((item.stat(follow_symlinks=False).st_mtime_ns, item.path))
                except OSError:
                    continue  # removed meanwhile by another run
    for _, stale in sorted(entries, reverse=True)[keep:]:
        Path(stale).unlink(missing_ok=True)


def _mac(secret: bytes, key: str, payload: bytes | memoryview) -> bytes:
    """The entry's seal: binds the JSON to the key it was written under."""
    mac = hmac.new(secret, key.encode("ascii") + b"\n", "sha256")
    mac.update(payload)
    return mac.hexdigest().encode("ascii")


def _secret(folder: Path, create: bool) -> bytes | None:
    """This user's cache secret; None when it is missing or anyone else could know it."""
    path = folder / SECRET
    try:
        return _read_secret(path)
    except FileNotFoundError:
        if not create:
            return None
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{SECRET}.")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(os.urandom(_SECRET_BYTES))
        # link, not replace: the first run's secret stays, so no run invalidates another's entries.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes | None:
    """The secret, if it is a regular file of ours that no one else can read or replace."""
    # O_NONBLOCK: a FIFO planted here must not hang the run; fstat then refuses it.
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        # Owner and mode say who else could know it only on POSIX.
        if os.name == "posix" and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            return None
        secret = stream.read(_SECRET_BYTES + 1)
    return secret if len(secret) == _SECRET_BYTES else None
