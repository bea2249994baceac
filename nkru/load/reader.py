"""The strict YAML reader: text -> plain values with the line and column of each, and
every problem located.

PyYAML's own constructors read `1e9` as a string, `no` as False and dates as `datetime.date`,
keep the last of duplicate keys and expand aliases. nkru builds values from the parser's events
instead, so all of that is decided here, once, and every value keeps its line and column.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nkru.errors import VALUE, Problem, dotted
from nkru.model.schema import DATE_PATTERN, ID_PATTERN, NAME_PATTERN, URL_PATTERN

MAX_FILE_BYTES = 16 * 1024 * 1024


_NULL_WORDS = frozenset({"null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_NOT_FINITE = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")
_COMMA_NUMBER = re.compile(r"^[-+]?\$?[0-9][0-9,]*(\.[0-9]+)?$")

Path_ = tuple[str | int, ...]


@dataclass
class _Read:
    """A file's data as plain Python values, the line and column of each path, and problems."""

    name: str
    data: Any
    marks: dict[Path_, tuple[int, int]]
    problems: list[Problem]
    refused: frozenset[Path_] = frozenset()  # paths the builder already reported


class _Builder:
    """Turns parser events into dicts, lists and scalars, refusing what nkru does not accept."""

    def __init__(self, name: str, yaml: Any):
        self.yaml = yaml
        self.name = name
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.found: list[tuple[int, int, Path_, str]] = []
        self.refused: set[Path_] = set()

    def problem(self, mark: Any, path: Path_, message: str) -> None:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        self.found.append((line, col, path, message))
        self.refused.add(path)

    def problems(self, data: Any) -> list[Problem]:
        """The problems found, their paths named by item id now that the data is built."""
        return [Problem(self.name, line, col, dotted(path, data), message) for line, col, path, message in self.found]

    def node(self, events: Iterator[Any], event: Any, path: Path_) -> Any:
        if isinstance(event, self.yaml.AliasEvent):
            self.problem(event.start_mark, path, f"aliases (*{event.anchor}) are not allowed")
            return None
        if event.anchor is not None:
            self.problem(event.start_mark, path, f"anchors (&{event.anchor}) are not allowed")
        if event.tag is not None:
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(event.start_mark, path, f"tags such as {tag} are not allowed")
        if isinstance(event, self.yaml.ScalarEvent):
            return self.scalar(event, path)
        if isinstance(event, self.yaml.SequenceStartEvent):
            return self.sequence(events, path)
        return self.mapping(events, event, path)

    def sequence(self, events: Iterator[Any], path: Path_) -> list[Any]:
        items: list[Any] = []
        for event in events:
            if isinstance(event, self.yaml.SequenceEndEvent):
                return items
            item_path = path + (len(items),)
            self.marks[item_path] = (event.start_mark.line + 1, event.start_mark.column + 1)
            items.append(self.node(events, event, item_path))
        return items

    def mapping(self, events: Iterator[Any], start: Any, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_event in events:
            if isinstance(key_event, self.yaml.MappingEndEvent):
                return result
            key = self.node(events, key_event, path)
            value_event = next(events)
            if not isinstance(key, str) or (key == "<<" and not key_event.style):
                what = "merge keys (<<)" if key == "<<" else "keys that are not plain text"
                self.problem(key_event.start_mark, path, f"{what} are not allowed")
                self.node(events, value_event, path)
                continue
            child = path + (key,)
            if key in result:
                first = self.marks[child][0]
                self.problem(key_event.start_mark, child, f"duplicate key (first given on line {first})")
                self.node(events, value_event, child)
                continue
            self.marks[child] = (key_event.start_mark.line + 1, key_event.start_mark.column + 1)
            if isinstance(value_event, self.yaml.ScalarEvent) and value_event.style in (None, "", "'", '"'):
                # Where a one-line value starts, so a problem inside it (a formula's token) is placed exactly.
                quoted = 1 if value_event.style in ("'", '"') else 0
                self.marks[child + (VALUE,)] = (value_event.start_mark.line + 1, value_event.start_mark.column + 1 + quoted)
            result[key] = self.node(events, value_event, child)
        return result

    def scalar(self, event: Any, path: Path_) -> Any:
        text = event.value
        if event.style:  # quoted or block text is always a string (plain is None, or '' from libyaml)
            return text
        first = text[:1]
        if first.isalpha() or first == "_":  # most scalars (keys, words): decide without a regex
            if text in _BOOL:
                return _BOOL[text]
            return None if text in _NULL_WORDS else text
        if not text or text == "~":
            return None
        if _INT.match(text):
            digits = text.replace("_", "")
            if len(digits) > 300:  # past any float, and Python refuses to convert 4,300 digits
                self.problem(event.start_mark, path, f"a number of {len(digits):,} digits is too large; write it as 1e300 or less")
                return None
            return int(digits)
        if _FLOAT.match(text) and any(c.isdigit() for c in text):
            number = float(text.replace("_", ""))
            if math.isfinite(number):
                return number
        if _NOT_FINITE.match(text) or _FLOAT.match(text):
            self.problem(event.start_mark, path, f"{text} is not a finite number; NaN and infinity are not allowed")
            return None
        return text


def read_yaml(path: Path, name: str) -> _Read:
    """Parse one YAML file strictly; syntax problems end the read, others are all collected."""
    from nkru.files import ReadError, read_regular

    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except ReadError as error:
        return _Read(name, None, {}, [Problem(name, 1, 1, "", error.reason)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        col = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return _Read(name, None, {}, [Problem(name, line, col, "", f"is not UTF-8 text (byte 0x{raw[error.start]:02x})")])
    import yaml  # only when a file has to be parsed

    builder = _Builder(name, yaml)
    data: Any = None
    try:
        events = iter(yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    builder.problem(event.start_mark, (), "holds more than one YAML document")
                    break
                data = builder.node(events, next(events), ())
    except yaml.MarkedYAMLError as error:
        return _Read(name, None, builder.marks, [_syntax_problem(name, text, error)])
    except yaml.YAMLError as error:
        return _Read(name, None, builder.marks, [Problem(name, 1, 1, "", f"YAML syntax: {error}")])
    problems = builder.problems(data)
    if data is None and not problems:
        problems.append(Problem(name, 1, 1, "", "is empty; it must hold a mapping (see the comment at the top of the shipped file)"))
    return _Read(name, data, builder.marks, problems, frozenset(builder.refused))


def _syntax_problem(name: str, text: str, error: Any) -> Problem:
    """A parser error as one line: where it was noticed, and where the construct began."""
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    if mark and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
        return Problem(name, line, col, "", "YAML syntax: a tab character; YAML indents with spaces only")
    message = str(error.problem or "cannot be parsed")
    start = error.context_mark
    if error.context and start and (start.line, start.column) != (mark.line, mark.column):
        message += f" ({error.context} that began at line {start.line + 1}, column {start.column + 1})"
    elif error.context:
        message += f" ({error.context})"
    return Problem(name, line, col, "", f"YAML syntax: {message}")


def _locate(read: _Read, loc: tuple[Any, ...]) -> tuple[Path_, tuple[int, int]]:
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
    if kind in ("float_type", "int_type") and isinstance(value, str) and _is_float(value):
        return f"'{value}' is quoted text; write the number without quotes"
    if kind in ("float_type", "int_type") and isinstance(value, str) and _COMMA_NUMBER.match(value):
        return f"write numbers without commas or currency signs (11_000, 1.3e9), not '{value}'"
    if kind in ("float_type", "int_type") and isinstance(value, str):
        return f"'{value}' is not a number"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("string_type", "union_tag_invalid") or kind.startswith("string_"):
        return f"expected text, found {_kind_of(value) if not isinstance(value, (int, float)) else repr(value)}" if kind == "string_type" else message_of(error)
    message = message_of(error)
    if kind == "literal_error":
        return f"'{value}' is not one of: {message.removeprefix('input should be ')}"
    return message


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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


def _under(path: Path_, refused: frozenset[Path_]) -> bool:
    """Whether a path is at, above or below one the builder already reported."""
    return any(path[: len(r)] == r or r[: len(path)] == path for r in refused)


_PATTERN_HELP = {
    ID_PATTERN: "an id is lowercase letters, digits, '-' and '_', starting with a letter or digit",
    DATE_PATTERN: "write a date as quoted text: \"YYYY-MM-DD\", \"YYYY-MM\", \"YYYY\" or \"unstated\"",
    URL_PATTERN: "a URL starts with http:// or https:// and has no spaces",
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


def validate(read: _Read, schema: type) -> Any:
    """Validate a file's data against its schema; add one located problem per error."""
    from pydantic import ValidationError

    if read.data is None:
        return None
    try:
        return _adapter(schema).validate_python(_aliased(read.data))
    except ValidationError as error:
        seen: set[tuple[Path_, str]] = set()
        errors = error.errors()
        for item in errors:
            # A `figure id | {mapping}` union reports both members; keep the mapping's errors.
            if item["type"] == "string_type" and isinstance(item.get("input"), dict):
                continue
            path, (line, col) = _locate(read, item["loc"])
            message = _message(dict(item))
            if (path, message) in seen or _under(path, read.refused):
                continue
            seen.add((path, message))
            read.problems.append(Problem(read.name, line, col, dotted(path, read.data), message))
        return None


