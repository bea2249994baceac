"""The dataset cache: a validated Dataset as JSON, which cannot run code when it is read.

Every value is written as plain JSON or as a one-key object whose key starts with NUL: a tuple,
a frozenset, a dict whose keys are not plain text, a Path, a formula (its text, compiled again),
the units registry (the units it was declared with), the locator, or an instance of a class in
`CLASSES`, a fixed whitelist looked up by name. Nothing in a file names code to import or call.

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
import sys
import tempfile
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from nkru.engine.expr import Compiled, compile_expr
from nkru.engine.units import Registry, Unit
from nkru.errors import Locator, Problem
from nkru.files import read_regular, write_atomic
from nkru.model import Dataset, Quantity, Range, modelfile, schema

MAX_ENTRY_BYTES = 64 * 1024 * 1024
ENTRY = re.compile(r"nkru-[0-9a-f]{64}\.json")  # the only names pruning ever deletes
SECRET = "nkru-cache.key"
_SECRET_BYTES = 32
_MAC_HEX = 64

# The classes an entry may rebuild, by name: nothing outside this dict is ever constructed.
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    schema.Source, schema.Figure, schema.InputSpec, schema.Correlation, schema.ClaimInput, schema.Comparison,
    schema.Candidate, schema.Claim, modelfile.QuantitySpec, modelfile.Band, modelfile.Bands, modelfile.Measure,
    modelfile.ContextRow, modelfile.ComparisonSpec, modelfile.Variants, modelfile.CommandSpec, modelfile.ModelFile,
    Quantity, Dataset, Range, Unit, Problem,
)}
# Fields typed Any in the model, with the type they hold; everything else is checked as annotated.
_ANY_FIELDS: dict[type, dict[str, Any]] = {
    Dataset: {"registry": Registry, "units": dict[str, Unit], "claim_units": dict[str, Unit], "unstated": tuple[Problem, ...],
              "files": tuple[tuple[str, type(Path())], ...], "locator": Locator},  # type: ignore[misc]
    Quantity: {"formula": Compiled},
}


class CacheError(ValueError):
    """An entry that is not one nkru wrote for this key: damaged, tampered or foreign."""


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
            return {k: _encode(v, declared) for k, v in value.items()}
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
        # Locator has no public view of its files; the cache is the one reader outside it.
        return {"\0l": {key: [name, _encode(data, declared), [list(path) for path in marks],
                               [line for line, _ in marks.values()], [col for _, col in marks.values()]]
                        for key, (name, data, marks) in value._files.items()}}
    if CLASSES.get(kind.__name__) is not kind:
        raise TypeError(f"the cache cannot hold a {kind.__name__}")
    if dataclasses.is_dataclass(value):
        return {"\0c": [kind.__name__, {f.name: _encode(getattr(value, f.name), declared) for f in dataclasses.fields(value)}]}
    return {"\0n": [kind.__name__, [_encode(item, declared) for item in value]]}


# ---------------------------------------------------------------------------- reading


def load(data: bytes) -> Dataset:
    """The Dataset `dump` wrote; CacheError for anything else, however malformed."""
    try:
        dataset = json.loads(data, object_hook=_decode_object)
        if type(dataset) is not Dataset:
            raise CacheError("not a dataset")
        _check_fields(dataset)
    except CacheError:
        raise
    except Exception as error:  # only our constructors run; whatever they raise on foreign data means malformed
        raise CacheError(f"{type(error).__name__}: {error}") from None
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
    name, fields = _typed(value, list)
    cls = CLASSES[name]
    if dataclasses.is_dataclass(cls):
        return cls(**_typed(fields, dict))
    return cls(*_typed(fields, list))


def _locator(value: dict) -> Locator:
    """The locator: each file's name, data, and the line and column of each path in it."""
    locator = Locator()
    for key, (name, data, paths, lines, cols) in _typed(value, dict).items():
        # Checked in bulk (C loops): a file has a mark for every key and item. The data itself
        # may hold anything JSON does: the locator only walks it behind isinstance checks.
        steps = itertools.chain.from_iterable(_typed(paths, list))
        if not (set(map(type, paths)) <= {list} and set(map(type, steps)) <= {str, int}):
            raise CacheError("a located path is a list of keys and indices")
        if not (set(map(type, _typed(lines, list))) <= {int} and set(map(type, _typed(cols, list))) <= {int}):
            raise CacheError("lines and columns are whole numbers")
        if not len(paths) == len(lines) == len(cols):
            raise CacheError("a path without its line and column")
        locator.add_file(_typed(key, str), _typed(name, str), data, dict(zip(map(tuple, paths), zip(lines, cols))))
    return locator


_TAGS: dict[str, Any] = {
    "\0t": lambda v: tuple(_typed(v, list)),
    "\0s": lambda v: frozenset(_typed(v, list)),
    "\0m": lambda v: dict(_typed(v, list)),  # [key, value] pairs
    "\0p": lambda v: Path(_typed(v, str)),
    "\0x": lambda v: compile_expr(_typed(v, str)),
    "\0r": lambda v: Registry(_checked(v, dict[str, str | None])),
    "\0l": _locator,
    "\0c": _instance,
    "\0n": _instance,
}


# ---------------------------------------------------------------------------- checking types


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise CacheError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def _checked(value: Any, hint: Any) -> Any:
    _checker(hint)(value)
    return value


def _check_fields(obj: Any) -> None:
    """Every field of a whitelisted instance holds what its annotation says."""
    for name, check in _field_checks(type(obj)):
        check(getattr(obj, name))


Check = Callable[[Any], None]
_CHECKS: dict[Any, Check] = {}
_FIELD_CHECKS: dict[type, list[tuple[str, Check]]] = {}
_HINTS: dict[tuple[str, str], Any] = {}


def _field_checks(cls: type) -> list[tuple[str, Check]]:
    """A checker for each field of a class, built from its annotations once per run."""
    if cls not in _FIELD_CHECKS:
        named = getattr(cls, "_fields", None)  # a NamedTuple's, else a dataclass's
        names = list(named) if named is not None else [f.name for f in dataclasses.fields(typing.cast(Any, cls))]
        _FIELD_CHECKS[cls] = [(name, _checker(_hint(cls, name))) for name in names]
    return _FIELD_CHECKS[cls]


def _hint(cls: type, name: str) -> Any:
    """A field's annotation, evaluated where the class is defined (the annotations are text).
    Cheaper than typing.get_type_hints: each distinct text is compiled once, not per field."""
    if name in _ANY_FIELDS.get(cls, {}):
        return _ANY_FIELDS[cls][name]
    text = cls.__annotations__[name]
    if isinstance(text, typing.ForwardRef):  # how a NamedTuple keeps its annotations
        text = text.__forward_arg__
    if not isinstance(text, str):
        return text
    if (cls.__module__, text) not in _HINTS:
        _HINTS[cls.__module__, text] = eval(text, vars(sys.modules[cls.__module__]))  # our own source's annotations
    return _HINTS[cls.__module__, text]


def _checker(hint: Any) -> Check:
    if hint not in _CHECKS:
        _CHECKS[hint] = _make_checker(hint)
    return _CHECKS[hint]


def _make_checker(hint: Any) -> Check:
    """A function that raises CacheError unless its value is of the annotated type (a bool is no number)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return lambda value: None
    if origin is Annotated:
        return _checker(args[0])
    if origin in (Union, types.UnionType):
        return _union_checker(args)
    if origin is Literal:
        return _literal_checker(frozenset(args))
    if origin is dict:
        return _dict_checker(_checker(args[0]), _checker(args[1]))
    if origin is tuple and args[-1:] != (Ellipsis,):
        return _tuple_checker([_checker(arg) for arg in args])
    if origin is not None:  # list[X], frozenset[X], tuple[X, ...]
        return _items_checker(origin, _checker(args[0]))
    return _class_checker(hint)


def _union_checker(args: tuple) -> Check:
    nullable, options = type(None) in args, [_checker(arg) for arg in args if arg is not type(None)]

    def check(value: Any) -> None:
        if value is None and nullable:
            return
        for option in options[:-1]:
            try:
                return option(value)
            except CacheError:
                continue
        options[-1](value)

    return check


def _literal_checker(allowed: frozenset) -> Check:
    def check(value: Any) -> None:
        if type(value) is not str or value not in allowed:
            raise CacheError(f"{value!r} is not one of {sorted(allowed)}")

    return check


def _dict_checker(key: Check, item: Check) -> Check:
    def check(value: Any) -> None:
        for k, v in _typed(value, dict).items():
            key(k)
            item(v)

    return check


def _tuple_checker(items: list[Check]) -> Check:
    def check(value: Any) -> None:
        if type(value) is not tuple or len(value) != len(items):
            raise CacheError(f"expected a tuple of {len(items)}")
        for one, item in zip(value, items):
            item(one)

    return check


def _items_checker(kind: type, item: Check) -> Check:
    def check(value: Any) -> None:
        for one in _typed(value, kind):
            item(one)

    return check


def _class_checker(cls: type) -> Check:
    kinds = (float, int) if cls is float else (cls,)  # an int is a number wherever a float is
    nested = CLASSES.get(cls.__name__) is cls

    def check(value: Any) -> None:
        if type(value) not in kinds:
            raise CacheError(f"expected {cls.__name__}, found {type(value).__name__}")
        if nested:
            _check_fields(value)

    return check


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
        mac, payload = sealed[:_MAC_HEX], sealed[_MAC_HEX + 1:]
        if sealed[_MAC_HEX:_MAC_HEX + 1] != b"\n" or not hmac.compare_digest(mac, _mac(secret, key, payload)):
            return None
        return load(payload)
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


def _mac(secret: bytes, key: str, payload: bytes) -> bytes:
    """The entry's seal: binds the JSON to the key it was written under."""
    return hmac.new(secret, key.encode("ascii") + b"\n" + payload, "sha256").hexdigest().encode("ascii")


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
