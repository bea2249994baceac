"""Type checks for what the cache rebuilds: every field of a whitelisted instance holds what its
annotation says, or the entry is a miss. Checkers are built from the annotations once per run."""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from nkru.engine.expr import Compiled
from nkru.engine.units import Registry, Unit
from nkru.errors import Locator, Problem
from nkru.model import Dataset, Quantity, Range, modelfile, schema

# The classes an entry may rebuild, by name: nothing outside this dict is ever constructed.
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    schema.Source, schema.Figure, schema.InputSpec, schema.Correlation, schema.ClaimInput, schema.Comparison,
    schema.Candidate, schema.Claim, schema.LeftOut, modelfile.QuantitySpec, modelfile.Band, modelfile.Bands, modelfile.Measure,
    modelfile.ContextRow, modelfile.ComparisonSpec, modelfile.Variants, modelfile.CommandSpec, modelfile.ModelFile,
    Quantity, Dataset, Range, Unit, Problem,
)}
# Fields typed Any in the model, with the type they hold; everything else is checked as annotated.
_ANY_FIELDS: dict[type, dict[str, Any]] = {
    Dataset: {"registry": Registry, "units": dict[str, Unit], "claim_units": dict[str, Unit], "unstated": tuple[Problem, ...], "unquoted": tuple[Problem, ...],
              "left_out": tuple[schema.LeftOut, ...],
              "files": tuple[tuple[str, type(Path())], ...], "locator": Locator},  # type: ignore[misc]
    Quantity: {"formula": Compiled},
}


class CacheError(ValueError):
    """An entry that is not one nkru wrote for this key: damaged, tampered or foreign."""


def typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise CacheError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def checked(value: Any, hint: Any) -> Any:
    _checker(hint)(value)
    return value


# The ids of instances whose fields were checked a column at a time (cache.load clears it).
CHECKED: set[int] = set()


def check_fields(obj: Any) -> None:
    """Every field of a whitelisted instance holds what its annotation says."""
    if id(obj) in CHECKED:
        return
    for name, check in field_checks(type(obj)):
        check(getattr(obj, name))


Check = Callable[[Any], None]


def column_checks(cls: type) -> list[Callable[[tuple], None]]:
    """For each field of a class, a check of that field's values across a table, all at once."""
    if cls not in _COLUMN_CHECKS:
        _COLUMN_CHECKS[cls] = [_column_check(_hint(cls, name), check) for name, check in field_checks(cls)]
    return _COLUMN_CHECKS[cls]


def _column_check(hint: Any, check: Check) -> Callable[[tuple], None]:
    kinds = _plain_types(hint)
    if kinds is not None:  # text, numbers, None: the set of types present says it all, at C speed

        def by_type(values: tuple) -> None:
            if not set(map(type, values)) <= kinds:
                raise CacheError(f"expected {sorted(k.__name__ for k in kinds)}")

        return by_type

    def each(values: tuple) -> None:  # each distinct scalar once, each list or mapping in full
        try:
            distinct = [value for _, value in set(zip(map(type, values), values))]  # the type too: 1, 1.0 and True differ
        except TypeError:  # a list or mapping among them
            distinct = list(values)
        for value in distinct:
            check(value)

    return each


def _plain_types(hint: Any) -> frozenset[type] | None:
    """The types a value of a plain annotation (str, float, int, bool, None, a union of them) may
    have; None where more than its type must be checked (a Literal, a list, a class)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        return _plain_types(args[0])
    if origin in (Union, types.UnionType):
        parts = [_plain_types(arg) for arg in args]
        return None if any(p is None for p in parts) else frozenset().union(*typing.cast(list, parts))
    if hint is type(None):
        return frozenset({type(None)})
    if hint in (str, int, bool):
        return frozenset({hint})
    return frozenset({float, int}) if hint is float else None


_COLUMN_CHECKS: dict[type, list[Callable[[tuple], None]]] = {}
_CHECKS: dict[Any, Check] = {}
_FIELD_CHECKS: dict[type, list[tuple[str, Check]]] = {}
_HINTS: dict[tuple[str, str], Any] = {}


def field_checks(cls: type) -> list[tuple[str, Check]]:
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
        if id(value) in CHECKED:  # a table, checked column by column
            return
        for k, v in typed(value, dict).items():
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
        for one in typed(value, kind):
            item(one)

    return check


def _class_checker(cls: type) -> Check:
    kinds = (float, int) if cls is float else (cls,)  # an int is a number wherever a float is
    nested = CLASSES.get(cls.__name__) is cls

    def check(value: Any) -> None:
        if type(value) not in kinds:
            raise CacheError(f"expected {cls.__name__}, found {type(value).__name__}")
        if nested:
            check_fields(value)

    return check


