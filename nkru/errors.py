"""The errors nkru's core raises; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple


def suggest(name: str, known: object) -> str:
    """' (did you mean x?)' for the closest known name, or ''. A name that starts a known one
    (price for price_2024) is the likeliest meaning, then the closest by spelling."""
    import difflib

    names = [str(k) for k in known]  # type: ignore[attr-defined]
    started = sorted((n for n in names if n.startswith(name) and len(name) >= 3 and n != name), key=len)
    close = started[:1] or difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


LINE_LIMIT = 300  # characters of one error line; user text beyond it is cut, not echoed
PART_LIMIT = 200  # characters of a located problem's key path (ids and keys from the data)

# What could steer a terminal or a reader: C0 controls but newline (tab too), DEL, C1 controls
# (U+009B is a CSI), bidi marks, embeddings, overrides and isolates, and the lone surrogates
# that stand for undecodable bytes in a path or an argument.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(char: str) -> str:
    """One character as Python writes it in a string literal: \\t, \\x1b, \\u202e."""
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


def safe_text(text: str) -> str:
    """Text for a table or a document: every character that could steer a terminal or reorder
    a line escaped (\\x1b, \\u202e), newlines kept, everything else as written."""
    return UNSAFE.sub(lambda m: _escape(m.group()), text)


def shown(text: str) -> str:
    """User text fit for a one-line message: each non-printable character escaped, as Python writes it."""
    return text if text.isprintable() else "".join(c if c.isprintable() else _escape(c) for c in text)


def clip(text: str, limit: int = LINE_LIMIT) -> str:
    """Text cut to `limit` characters, saying how many more there were."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


class NkruError(Exception):
    """A problem with what the user gave nkru: data, options or paths."""

    def lines(self) -> list[str]:
        """The message's lines, escaped and each cut to LINE_LIMIT characters."""
        return [clip(shown(line)) for line in str(self).split("\n")]


class Problem(NamedTuple):
    """One located problem in a data file: `file:line:col: key.path: message`."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{clip(shown(self.file))}:{self.line}:{self.col}"
        path, message = clip(shown(self.path), PART_LIMIT), clip(shown(self.message))
        return f"{where}: {path}: {message}" if path else f"{where}: {message}"


class DataError(NkruError):
    """Every problem found in the data files read, reported together."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class UsageError(NkruError):
    """A command-line option nkru cannot use (`--set NAME=abc`, a missing directory)."""


def dotted(path: tuple, data: object = None) -> str:
    """`('figures', 3, 'value')` -> `figures[some_id].value` (the item's id where it has one)."""
    text = ""
    node = data
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            text += f"[{ident}]" if isinstance(ident, str) else f"[{part}]"
            node = item
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


# Where each section of the data lives: section -> (file key, top-level key).
_SECTIONS = {
    "sources": ("sources", "sources"),
    "figures": ("figures", "figures"),
    "context": ("context", "figures"),
    "left_out": ("figures", "left_out"),
    "claims": ("claims", "claims"),
    "assumptions": ("assumptions", "assumptions"),
    "correlations": ("assumptions", "correlations"),
    "quantities": ("model", "quantities"),
    "units": ("model", "units"),
    "bands": ("model", "bands"),
    "comparisons": ("model", "comparisons"),
    "commands": ("model", "commands"),
    "model_context": ("model", "context"),
    "scenario": ("scenario", "set"),
}
VALUE = "\0value"  # the key under which the reader marks where a key's one-line value starts


def _position(data: object, top: str, ident: str) -> int | None:
    """Where the item with id `ident` sits in `data[top]`, a list of mappings."""
    container = data.get(top) if isinstance(data, dict) else None
    if not isinstance(container, list):
        return None
    return next((i for i, x in enumerate(container) if isinstance(x, dict) and x.get("id") == ident), None)


class Locator:
    """Finds the file, line and column of an item's key, for problems found after loading."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[str, object, dict]] = {}
        self._unread: dict[str, Callable[[], tuple[object, dict]] | None] = {}

    def add_file(self, key: str, name: str, data: object, marks: dict) -> None:
        self._files[key] = (name, data, marks)
        self._unread.pop(key, None)

    def add_unread(self, key: str, name: str, reread: Callable[[], tuple[object, dict]] | None) -> None:
        """A file whose places are found only when a problem is in it: `reread` parses it then
        (a large file's marks cost more to keep than to find again; None: nothing to read)."""
        self._files[key] = (name, None, {})
        self._unread[key] = reread

    def files(self) -> list[tuple[str, str, object, dict, bool]]:
        """Each file's key, name, data and marks, and whether it is yet to be read (data None)."""
        return [(key, name, data, marks, key in self._unread) for key, (name, data, marks) in self._files.items()]

    def _file(self, key: str) -> tuple[str, object, dict]:
        reread = self._unread.pop(key, None)
        if reread is not None:
            data, marks = reread()
            self._files[key] = (self._files[key][0], data, marks)
        return self._files[key]

    def problem(self, section: str, item: str | int, keys: tuple, message: str, offset: int | None = None) -> Problem:
        """A Problem at `section`'s item (an id, a mapping key or a list index) and `keys` below it;
        with `offset`, at that character of the key's one-line value (a formula's token)."""
        file_key, top = _SECTIONS[section] if section in _SECTIONS else (section, "figures")  # else a part of figures.d
        name, data, marks = self._file(file_key)
        step: str | int = item
        if isinstance(item, str) and isinstance(data, dict) and isinstance(data.get(top), list):
            step = 0  # an id not found: the list's first item
            # An id is looked for in the section's file, then in its parts (figures.d/*).
            for key in (file_key, *(k for k in self._files if k.startswith(file_key + ".d/"))):
                found = _position(self._file(key)[1], top, item)
                if found is not None:
                    name, data, marks = self._file(key)
                    step = found
                    break
        path = (top, step) + tuple(keys)
        line, col = next((marks[path[:n]] for n in range(len(path), 0, -1) if path[:n] in marks), (1, 1))
        if offset is not None and path + (VALUE,) in marks:
            line, col = marks[path + (VALUE,)]
            col += offset
        return Problem(name, line, col, dotted(path, data), message)
