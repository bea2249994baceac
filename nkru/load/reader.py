"""The strict YAML reader: text -> plain values with the line and column of each, and
every problem located.

PyYAML's own constructors read `1e9` as a string, `no` as False and dates as `datetime.date`,
keep the last of duplicate keys and expand aliases. nkru builds values from the parser's events
instead, so all of that is decided here, once, and every value keeps its line and column.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nkru.errors import VALUE, Problem, dotted
from nkru.numbers import NumberError, short, yaml_number

# What one data or scenario file may hold. Past each limit the reader reports one located
# problem and stops (a subtree too deep is skipped, a file with too many values is not read on),
# so every file under MAX_FILE_BYTES is answered in seconds, in time linear in its size.
MAX_FILE_BYTES = 16 * 1024 * 1024  # bytes in one file
MAX_DEPTH = 64  # levels of lists and mappings inside each other (the shipped files use at most 7)
MAX_VALUES = 100_000  # values in one file: scalars, keys, lists and mappings (the README states what the largest shipped file holds)
MAX_PROBLEMS = 100  # problems listed for one file; one more line counts the rest


_TOO_DEEP = f"is nested more than {MAX_DEPTH} levels deep; nkru reads at most {MAX_DEPTH}"
_NULL_WORDS = frozenset({"null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NOT_FINITE = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")

Path_ = tuple[str | int, ...]


@dataclass
class Read:
    """A file's data as plain Python values, the line and column of each path, and problems."""

    name: str
    data: Any
    marks: dict[Path_, tuple[int, int]]
    problems: list[Problem]
    refused: frozenset[Path_] = frozenset()  # paths the builder already reported
    above_refused: frozenset[Path_] = frozenset()  # every path at or above one of those
    complete: bool = True  # False when problems past MAX_PROBLEMS were only counted
    sha256: str = ""  # of the bytes parsed, when the file parsed


class _Stop(Exception):
    """The file holds more than MAX_VALUES values: reading ends here."""


_EXPECT_KEY, _DROP = object(), object()


class _Open:
    """A list or mapping being built: where it is, and (for a mapping) the key its next value takes."""

    __slots__ = ("value", "path", "key", "child")

    def __init__(self, value: Any, path: Path_):
        self.value, self.path = value, path
        self.key: Any = _EXPECT_KEY if isinstance(value, dict) else None
        self.child: Path_ = path


class _Builder:
    """Turns parser events into dicts, lists and scalars, refusing what nkru does not accept.

    Iterative, with a stack of the open collections: nesting costs no Python recursion."""

    def __init__(self, name: str, yaml: Any):
        self.yaml = yaml
        self.name = name
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.found: list[tuple[int, int, Path_, str]] = []
        self.refused: set[Path_] = set()
        self.more, self.first_more = 0, (1, 1)  # problems past MAX_PROBLEMS, and where the first was
        self.count = 0  # values read
        self.too_deep = False
        self.starts = frozenset({yaml.SequenceStartEvent, yaml.MappingStartEvent})
        self.ends = frozenset({yaml.SequenceEndEvent, yaml.MappingEndEvent})

    def problem(self, mark: Any, path: Path_, message: str) -> None:
        self.refused.add(path)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        if len(self.found) < MAX_PROBLEMS:
            self.found.append((line, col, path, message))
        else:
            self.more, self.first_more = self.more + 1, self.first_more if self.more else (line, col)

    def problems(self, data: Any) -> list[Problem]:
        """The problems found, their paths named by item id now that the data is built."""
        found = [Problem(self.name, line, col, dotted(path, data), message) for line, col, path, message in self.found]
        if self.more:
            found.append(Problem(self.name, *self.first_more, "", f"... and {self.more:,} more problems; nkru lists the first {MAX_PROBLEMS} of a file"))
        return found

    def stop(self, event: Any) -> None:
        """End the read: the file holds more values than nkru reads."""
        self.problem(event.start_mark, (), f"holds more than {MAX_VALUES:,} values; nkru reads at most {MAX_VALUES:,} in one file")
        raise _Stop

    def document(self, events: Iterator[Any]) -> Any:
        """The value of one document, from its first node's event to its end."""
        stack: list[_Open] = []
        root: Any = None
        ends, document_end = self.ends, self.yaml.DocumentEndEvent
        for event in events:
            kind = type(event)
            if kind in ends:
                stack.pop()
                continue
            if kind is document_end:
                return root
            self.count += 1
            if self.count > MAX_VALUES:
                self.stop(event)
            top = stack[-1] if stack else None
            if top is not None and top.key is _EXPECT_KEY:
                self.key(events, event, top)
                continue
            path = self.slot(event, top)
            value = self.node(events, event, path, len(stack))
            if top is None:
                root = value
            elif type(top.value) is list:
                top.value.append(value)
            else:
                if top.key is not _DROP:
                    top.value[top.key] = value
                top.key = _EXPECT_KEY
            if type(value) in (list, dict):
                stack.append(_Open(value, path))
        return root

    def slot(self, event: Any, top: _Open | None) -> Path_:
        """The path of the next value in `top`, its place marked."""
        if top is None:
            return ()
        if type(top.value) is list:
            path = top.path + (len(top.value),)
            self.marks[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
            return path
        if top.key is not _DROP and isinstance(event, self.yaml.ScalarEvent) and event.style in (None, "", "'", '"'):
            # Where a one-line value starts, so a problem inside it (a formula's token) is placed exactly.
            quoted = 1 if event.style in ("'", '"') else 0
            self.marks[top.child + (VALUE,)] = (event.start_mark.line + 1, event.start_mark.column + 1 + quoted)
        return top.child

    def node(self, events: Iterator[Any], event: Any, path: Path_, depth: int) -> Any:
        """A scalar's value, or a new empty list or mapping; None for what is refused."""
        if not self.decorations(event, path):
            return None
        if type(event) is self.yaml.ScalarEvent:
            return self.scalar(event, path)
        if depth >= MAX_DEPTH:
            self.too_deep = True
            self.problem(event.start_mark, path, _TOO_DEEP)
            self.skip(events)
            return None
        return [] if isinstance(event, self.yaml.SequenceStartEvent) else {}

    def decorations(self, event: Any, path: Path_) -> bool:
        """Report an alias, anchor or tag; False for an alias (it has no value of its own)."""
        if type(event) is self.yaml.ScalarEvent and event.anchor is None and event.tag is None:
            return True  # nearly every event: decided at once
        if isinstance(event, self.yaml.AliasEvent):
            self.problem(event.start_mark, path, f"aliases (*{event.anchor}) are not allowed")
            return False
        if event.anchor is not None:
            self.problem(event.start_mark, path, f"anchors (&{event.anchor}) are not allowed")
        if event.tag is not None:
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(event.start_mark, path, f"tags such as {tag} are not allowed")
        return True

    def skip(self, events: Iterator[Any]) -> None:
        """Consume the events of the collection just opened, down to its end, building nothing."""
        depth = 1
        for event in events:
            kind = type(event)
            if kind in self.ends:
                depth -= 1
                if depth == 0:
                    return
                continue
            self.count += 1
            if self.count > MAX_VALUES:
                self.stop(event)
            if kind in self.starts:
                depth += 1

    def key(self, events: Iterator[Any], event: Any, top: _Open) -> None:
        """Take the key of a mapping's next value, or refuse it (the value is then read and dropped)."""
        path = top.path
        key: Any = None
        if self.decorations(event, path):
            if isinstance(event, self.yaml.ScalarEvent):
                key = self.scalar(event, path)
            else:
                self.skip(events)  # a list or mapping as a key: refused below, never built
        top.key, top.child = _DROP, path
        if not isinstance(key, str) or (key == "<<" and not event.style):
            what = "merge keys (<<)" if key == "<<" else "keys that are not plain text"
            self.problem(event.start_mark, path, f"{what} are not allowed")
            return
        child = path + (key,)
        top.child = child
        if key in top.value:
            self.problem(event.start_mark, child, f"duplicate key (first given on line {self.marks[child][0]})")
            return
        self.marks[child] = (event.start_mark.line + 1, event.start_mark.column + 1)
        top.key = key

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
        if _NOT_FINITE.match(text):
            self.problem(event.start_mark, path, f"{text} is not a finite number; NaN and infinity are not allowed")
            return None
        try:
            number = yaml_number(text)
        except NumberError as error:
            hint = (", or quote it if it is text" if error.fix else "; quote it if it is text") if error.textual else ""
            self.problem(event.start_mark, path, f"{short(text)} {error.reason}{hint}")
            return None
        return text if number is None else number


def read_yaml(path: Path, name: str) -> Read:
    """Parse one YAML file strictly; syntax problems end the read, others are all collected."""
    from nkru.files import ReadError, read_regular

    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except ReadError as error:
        return Read(name, None, {}, [Problem(name, 1, 1, "", error.reason)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        col = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return Read(name, None, {}, [Problem(name, line, col, "", f"is not UTF-8 text (byte 0x{raw[error.start]:02x})")])
    breaks = _unicode_breaks(name, text)
    if breaks:
        return Read(name, None, {}, breaks)
    import yaml  # only when a file has to be parsed

    builder = _Builder(name, yaml)
    try:
        data = _parse(builder, yaml, raw)
    except yaml.reader.ReaderError as error:  # a character YAML refuses: no mark, a byte offset
        return Read(name, None, builder.marks, [_character_problem(name, text, error)])
    except _Stop:
        return Read(name, None, builder.marks, builder.problems(None), complete=False)
    except yaml.MarkedYAMLError as error:
        if "maximum nesting depth" in str(error.problem):  # libyaml's own limit, 1,000 levels, may come first
            if not builder.too_deep:
                builder.problem(error.problem_mark, (), _TOO_DEEP)
            return Read(name, None, builder.marks, builder.problems(None), complete=False)
        return Read(name, None, builder.marks, [_syntax_problem(name, text, error)])
    except yaml.YAMLError as error:
        return Read(name, None, builder.marks, [Problem(name, 1, 1, "", f"YAML syntax: {error}")])
    problems = builder.problems(data)
    if data is None and not problems:
        problems.append(Problem(name, 1, 1, "", "is empty; it must hold a mapping (see the comment at the top of the shipped file)"))
    above = {r[:n] for r in builder.refused for n in range(len(r) + 1)}
    digest = hashlib.sha256(raw).hexdigest()
    return Read(name, data, builder.marks, problems, frozenset(builder.refused), frozenset(above), not builder.more, digest)


def _parse(builder: _Builder, yaml: Any, raw: bytes) -> Any:
    """The first document's value; a second document is a problem, and reading stops there."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(raw)
    try:
        events = iter(loader.get_event, None)  # libyaml decodes the bytes itself, faster than from str
        data: Any = None
        documents = 0
        for event in events:
            if isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    builder.problem(event.start_mark, (), "holds more than one YAML document")
                    break
                data = builder.document(events)
        return data
    finally:
        loader.dispose()


# Characters YAML reads as line breaks and editors do not: every line number after one would be off.
_UNICODE_BREAKS = {"\x85": "U+0085 next-line", "\u2028": "U+2028 line separator", "\u2029": "U+2029 paragraph separator"}


_BREAKS = re.compile("[\x85\u2028\u2029]")
# What YAML does not allow in a file: anything outside its printable set (tab and line breaks are in it).
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _place(text: str, index: int) -> tuple[int, int]:
    """The line and column of a character of a text, as an editor counts them."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _unicode_breaks(name: str, text: str) -> list[Problem]:
    """Each character YAML would take for a line break where an editor shows none, located."""
    found = [Problem(name, *_place(text, m.start()), "", f"a {_UNICODE_BREAKS[m.group()]} character: YAML reads it as a line break; replace it with a space")
             for m in itertools.islice(_BREAKS.finditer(text), MAX_PROBLEMS + 1)]
    if len(found) > MAX_PROBLEMS:
        found[-1] = found[-1]._replace(message=f"... and more; nkru lists the first {MAX_PROBLEMS} of a file")
    return found


def _character_problem(name: str, text: str, error: Any) -> Problem:
    """A character YAML does not allow (a control character), where an editor shows it: found
    in the text, as the parser's offset counts bytes (libyaml) or characters (PyYAML's own)."""
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return Problem(name, 1, 1, "", f"YAML syntax: {' '.join(str(error).split())}")
    code = ord(found.group())
    return Problem(name, *_place(text, found.start()), "", f"a control character (U+{code:04X}) is not allowed in YAML; delete it, or write \\u{code:04x} inside double quotes")


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
    return Problem(name, line, col, "", f"YAML syntax: {message}{SYNTAX_HINTS.get(str(error.problem), '')}")


# What usually causes PyYAML's terser complaints, said as a fix.
_INDENTED = "; check the indentation of this line and the one above (keys of one mapping line up)"
SYNTAX_HINTS = {
    "mapping values are not allowed here": f"{_INDENTED}, or quote a value that holds ': '",
    "mapping values are not allowed in this context": f"{_INDENTED}, or quote a value that holds ': '",
    "did not find expected key": _INDENTED,
}
