"""JSON text as nkru writes it: indented by two, non-ASCII kept, always valid (NaN and infinity
become null), and nothing that could steer a terminal left raw.

The text is what `json.dumps(obj, indent=2, ensure_ascii=False)` writes, built here from the C
encoder's output: with an indent, the standard library falls back to its pure-Python encoder,
which took two of the three seconds `figures --format json` spent at 100,000 figures. A dict or
list of plain values (a figure) is one call to the C encoder, with the line break and indent as
its item separator; the rest is joined here."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable
from json.encoder import c_make_encoder as _encoder  # type: ignore[attr-defined]  # None without the C module
from json.encoder import encode_basestring  # the C string encoder where the interpreter has it
from typing import Any

from nkru.errors import UNSAFE

_INDENT = "  "


def to_json(obj: Any) -> str:
    """An object as indented JSON text; what json leaves raw that could steer a terminal (DEL,
    C1, bidi) written as \\u escapes."""
    text = _text(obj, "\n", end="\n")
    if text.isascii() and "\x7f" not in text:  # isascii is a flag on the string: nothing to escape
        return text
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _text(obj: Any, newline: str, end: str = "") -> str:
    """`obj`'s JSON text, then `end`; `newline` is a line break and the current indent. The
    pieces are joined once: at 100,000 figures the text is 40 MB, and each copy of it counts."""
    out: list[str] = []
    _write(obj, newline, out)
    out.append(end)
    return "".join(out)


def _write(obj: Any, newline: str, out: list[str]) -> None:
    """Append `obj`'s JSON text to `out`, in pieces."""
    kind = type(obj)
    if kind is str:
        out.append(encode_basestring(obj))
    elif kind is dict or (kind is not list and kind is not tuple and isinstance(obj, dict)):
        if not obj:
            out.append("{}")
            return
        inner = newline + _INDENT
        if (flat := _flat(obj, obj.values(), inner)) is not None:
            out += ("{", inner, flat, newline, "}")
            return
        separator = "{" + inner
        for key, value in obj.items():
            out += (separator, encode_basestring(key if type(key) is str else _key(key)), ": ")
            if (write := _SCALARS.get(type(value))) is not None:
                out.append(write(value))
            else:
                _write(value, inner, out)
            separator = "," + inner
        out += (newline, "}")
    elif kind is list or kind is tuple or isinstance(obj, (list, tuple)):
        if not obj:
            out.append("[]")
            return
        inner = newline + _INDENT
        flat = _flat(obj, obj, inner)
        out += ("[", inner, flat if flat is not None else ("," + inner).join(_items(obj, inner)), newline, "]")
    else:
        out.append(_scalar(obj))


def _scalar(obj: Any) -> str:
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return int.__repr__(obj)
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, str):
        return encode_basestring(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _flat(obj: Any, values: Any, inner: str) -> str | None:
    """The items of a dict or list that holds only text, numbers, constants and empty lists, as
    the C encoder writes them with `inner` between items (one call for a whole figure); None
    for any other, or where a number is NaN or infinite."""
    if _encoder is None or type(obj) not in (dict, list) or not _plain(lambda: values):
        return None
    try:
        return "".join(_encoder_for("," + inner)(obj, 0))[1:-1]
    except (ValueError, TypeError):  # NaN or infinity (allow_nan is off), or a key that is not text
        return None


def _plain(values: Callable[[], Iterable[Any]]) -> bool:
    """Whether the values (`values()` gives them afresh) are all text, numbers, constants or
    empty lists and mappings; decided in C loops, without a Python step per value."""
    kinds = set(map(type, values()))
    if kinds <= _PLAIN:
        return True
    # compress keeps the lists and mappings; any() is true if one of them is not empty.
    return kinds <= _PLAIN_OR_EMPTY and not any(itertools.compress(values(), map(_EMPTY.__contains__, map(type, values()))))


def _items(obj: list | tuple, inner: str) -> list[str]:
    """Each item's text, a chunk at a time: a chunk of flat, non-empty dicts (figures) goes to
    the C encoder whole, checked in C loops; any other chunk is written item by item."""
    texts: list[str] = []
    field = inner + _INDENT
    for start in range(0, len(obj), _CHUNK):
        chunk = obj[start:start + _CHUNK]
        if _encoder is not None and set(map(type, chunk)) == {dict} and all(chunk) and _plain(functools.partial(_record_values, chunk)):
            encode = _encoder_for("," + field)
            try:
                texts += ["{" + field + text[1:-1] + inner + "}" for text in map("".join, map(encode, chunk, itertools.repeat(0)))]
                continue
            except (ValueError, TypeError):  # NaN or infinity, or a key that is not text
                pass
        texts += [write(value) if (write := _SCALARS.get(type(value))) else _text(value, inner) for value in chunk]
    return texts


_CHUNK = 256


def _record_values(records: list | tuple) -> Iterable[Any]:
    return itertools.chain.from_iterable(map(dict.values, records))


def _encoder_for(separator: str) -> Any:
    """The C encoder that puts `separator` between items (one per depth, made once)."""
    if separator not in _ENCODERS:
        _ENCODERS[separator] = _encoder(None, None, encode_basestring, None, ": ", separator, False, False, False)
    return _ENCODERS[separator]


_PLAIN = frozenset({str, int, float, bool, type(None)})
_EMPTY = frozenset({list, tuple, dict})
_PLAIN_OR_EMPTY = _PLAIN | _EMPTY
_ENCODERS: dict[str, Any] = {}


def _float(x: float) -> str:  # NaN and infinity have no JSON form: null, as a last guard
    return float.__repr__(x) if math.isfinite(x) else "null"


# The writer of each plain scalar type, looked up once per value (a subclass goes through _scalar).
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring, float: _float, int: int.__repr__, bool: lambda b: "true" if b else "false", type(None): lambda _: "null",
}


def _key(key: Any) -> str:
    """A mapping key as JSON has it: text, or a number or constant written as text."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return _scalar(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
