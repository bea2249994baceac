"""Validation of what the reader built against the schema classes, every error a located
problem: pydantic's messages put in nkru's words, at the line and column of the key."""

from __future__ import annotations

import functools
from typing import Any

from nkru.errors import Problem, dotted, suggest
from nkru.load.reader import MAX_PROBLEMS, Path_, Read
from nkru.model.schema import DATE_PATTERN, ID_PATTERN, LABEL_PATTERN, NAME_PATTERN, URL_PATTERN
from nkru.numbers import text_for_number


def _locate(read: Read, loc: tuple[Any, ...]) -> tuple[Path_, tuple[int, int]]:
    """Map a pydantic error location onto the data: skip union member names, find the line."""
    path: Path_ = ()
    node = read.data
    for part in loc:
        part = _UNALIASES.get(part, part) if isinstance(part, str) else part
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part[:1].islower():
            path += (part,)  # a missing or unknown key: name it, locate it at its mapping
            break
        else:
            continue
        path += (part,)
    for length in range(len(path), -1, -1):
        if path[:length] in read.marks:
            return path, read.marks[path[:length]]
    return path, (1, 1)


def _message(error: dict[str, Any]) -> str:
    kind, value = error["type"], error.get("input")
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return "unknown key"
    if kind == "string_pattern_mismatch":
        return _PATTERN_HELP.get(error.get("ctx", {}).get("pattern"), message_of(error))
    if kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type", "dataclass_exact_type"):
        return f"expected a mapping of keys to values, found {_kind_of(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, found {_kind_of(value)}"
    if kind == "greater_than_equal" and error.get("ctx", {}).get("ge") == 0:
        return "cannot be negative"
    if kind in ("missing", "missing_argument"):
        return "missing"
    if kind in ("float_type", "int_type") and isinstance(value, bool):
        return f"{str(value).lower()} is a boolean, not a number"
    if kind in ("float_type", "int_type") and isinstance(value, str):
        return text_for_number(value)
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "bool_type":
        return f"expected true or false, found {_kind_of(value) if not isinstance(value, (int, float)) else repr(value)}"
    if kind in ("string_type", "union_tag_invalid") or kind.startswith("string_"):
        return f"expected text, found {_kind_of(value) if not isinstance(value, (int, float)) else repr(value)}" if kind == "string_type" else message_of(error)
    message = message_of(error)
    if kind == "literal_error":
        return f"'{value}' is not one of: {message.removeprefix('input should be ')}"
    return message


def message_of(error: dict[str, Any]) -> str:
    """pydantic's message for an error, lower-cased and without its 'Value error' prefix."""
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else f"'{value}'"


def _under(path: Path_, read: Read) -> bool:
    """Whether a path is at, above or below one the builder already reported: O(depth)."""
    return path in read.above_refused or any(path[:n] in read.refused for n in range(len(path)))


_PATTERN_HELP = {
    ID_PATTERN: "an id is lowercase letters, digits, '-' and '_', starting with a letter or digit",
    DATE_PATTERN: "write a date as quoted text: \"YYYY-MM-DD\", \"YYYY-MM\", \"YYYY\" or \"unstated\"",
    URL_PATTERN: "a URL starts with http:// or https:// and has no spaces",
    LABEL_PATTERN: "a label must not be blank: write what a reader should see",
    NAME_PATTERN: "a name formulas use is lowercase letters, digits and '_', starting with a letter (cost_2025)",
}


@functools.cache
def _adapter(schema: type) -> Any:
    from pydantic import TypeAdapter  # only when data has to be validated

    return TypeAdapter(schema)


# YAML keys that are Python keywords, and the field names the schema gives them.
_ALIASES = {"from": "from_"}
_UNALIASES = {v: k for k, v in _ALIASES.items()}


def _aliased(data: Any) -> Any:
    """The data with keyword keys renamed for the schema (`from:` -> `from_`)."""
    if isinstance(data, dict):
        return {_ALIASES.get(k, k) if k not in _UNALIASES else f"{k} ": _aliased(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_aliased(v) for v in data]
    return data


def validate(read: Read, schema: type) -> Any:
    """Validate a file's data against its schema; add one located problem per error, listing
    at most MAX_PROBLEMS for the file and counting the rest."""
    from pydantic import ValidationError

    if read.data is None or not read.complete:
        return None
    try:
        return _adapter(schema).validate_python(_aliased(read.data))
    except ValidationError as error:
        _add_problems(read, error.errors(include_url=False), schema)
        return None


def _keys_at(schema: Any, loc: tuple[Any, ...]) -> list[str]:
    """The keys the schema allows in the mapping an error location ends in (for "did you mean"),
    found by walking the schema's type hints along the location; none where the walk is lost."""
    import dataclasses
    import types
    import typing

    hint: Any = schema
    for part in loc:
        while typing.get_origin(hint) is typing.Annotated:
            hint = typing.get_args(hint)[0]
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a) or typing.get_origin(a) in (dict, list)]
            hint = next((a for a in members if getattr(a, "__name__", None) == part), members[0] if len(members) == 1 else None)
            if getattr(hint, "__name__", None) == part:
                continue
        if hint is None:
            return []
        if dataclasses.is_dataclass(hint):
            hints = typing.get_type_hints(hint, include_extras=True)
            if part not in hints:
                break
            hint = hints[part]
        elif typing.get_origin(hint) in (dict, list):
            hint = typing.get_args(hint)[-1]
        else:
            return []
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    return [_UNALIASES.get(f.name, f.name) for f in dataclasses.fields(hint)] if dataclasses.is_dataclass(hint) and isinstance(hint, type) else []


def _add_problems(read: Read, errors: list[Any], schema: Any = None) -> None:
    """One located problem per validation error not already reported, up to the file's limit."""
    seen: set[tuple[Path_, str]] = set()
    more, last = 0, None
    # A `figure id | {mapping}` union reports both members; keep the mapping's errors, if it has any.
    kept = [item for item in errors if item["type"] != "string_type" or not isinstance(item.get("input"), dict)]
    for item in kept or errors:
        path, (line, col) = _locate(read, item["loc"])
        message = _message(dict(item))
        if item["type"] in ("extra_forbidden", "unexpected_keyword_argument") and schema is not None:
            message += suggest(str(item["loc"][-1]), _keys_at(schema, tuple(item["loc"][:-1])))
        if (path, message) in seen or _under(path, read):
            continue
        seen.add((path, message))
        if len(read.problems) >= MAX_PROBLEMS:
            more, last = more + 1, last or (line, col)
            continue
        read.problems.append(Problem(read.name, line, col, dotted(path, read.data), message))
    if last is not None:
        read.problems.append(Problem(read.name, *last, "", f"... and {more:,} more problems; nkru lists the first {MAX_PROBLEMS} of a file"))
