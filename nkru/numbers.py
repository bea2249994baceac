"""The one number grammar nkru reads, in the data files (YAML) and on the command line (`--set`).

    number    = [sign] mantissa [exponent]
    sign      = "+" | "-"
    mantissa  = digits ["." [digits]] | "." digits
    digits    = 0-9 with single "_" between digits (11_000)  |  on the command line also
                groups of three after "," (11,000,000)
    exponent  = ("e" | "E") [sign] 0-9 ...

Only the ASCII digits 0-9 count (not ١٢ or １２). A whole part may not start with 0 unless it is 0
(`017` is refused: write 17, or quote it if it is text). A number too large for a float (1e400)
or too small to tell from 0 when it is not 0 (10e-400) is refused, never read as infinity or 0.
In YAML, a plain scalar that looks like a number but breaks these rules (`017`, `1__000`, `1e`,
`0x1F`) is a located problem; words, ids and dates (`no`, `some_id`, `2024-12-05`) stay text.
`--set` also takes the forms nkru prints: a k, M or B suffix (12k, 500M, 1.2B), a leading `$`
where the input is in USD ($2,000, $1.3B) and `30%` where the input is a fraction (0.30).
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_GROUPED = r"[0-9]{1,3}(?:,[0-9]{3})+"
_SHAPE = r"^(?P<sign>[-+]?)(?:(?P<whole>{whole})(?:\.(?P<part>{digits})?)?|\.(?P<frac>{digits}))(?:[eE](?P<exp>[-+]?[0-9]+))?$"
_PLAIN = re.compile(_SHAPE.format(whole=_DIGITS, digits=_DIGITS), re.ASCII)
_WITH_COMMAS = re.compile(_SHAPE.format(whole=f"{_GROUPED}|{_DIGITS}", digits=_DIGITS), re.ASCII)
# What a YAML plain scalar meant as a number looks like, loosely: it then has to pass the grammar.
_NUMBERISH = re.compile(r"^[-+]?(\.[0-9][0-9_]*|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9_]*)?$|^[-+]?0[xXoObB][0-9a-fA-F_]+$", re.ASCII)
_SMALL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,15})\Z", re.ASCII)
_RADIX = re.compile(r"^[-+]?0[xXoObB][0-9a-fA-F_]+$", re.ASCII)
_COMMA_NUMBER = re.compile(r"^[-+]?\$?[0-9][0-9,]*(\.[0-9]+)?$")
_BARE_EXPONENT = re.compile(r"^[-+]?[eE][-+]?[0-9]+$", re.ASCII)
LARGEST = "1.8e308"


class NumberError(ValueError):
    """Why a text is not a number; `reason` follows the text ("has a leading zero; write 17")."""

    def __init__(self, reason: str, fix: str | None = None, textual: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.fix = fix  # the number the text probably meant, written as nkru reads it
        self.textual = textual  # whether the text might be words meant as text (not a number out of range)


def short(text: str) -> str:
    """A number for a message: cut after 20 characters when longer than 40."""
    return text if len(text) <= 40 else text[:20] + "…"


def yaml_number(text: str) -> int | float | None:
    """The number a YAML plain scalar writes; None when it is not meant as one (a word, a date)."""
    if _SMALL_INT.match(text):  # most numbers in data: no need for the whole grammar
        return int(text)
    return parse_number(text) if _NUMBERISH.match(text) else None


def parse_number(text: str, commas: bool = False, power: int = 0) -> int | float:
    """The number `text` writes (times 10**power), an int when it has no fraction or exponent."""
    _check_digits(text)
    match = (_WITH_COMMAS if commas else _PLAIN).match(text)
    if match is None:
        raise _shape_error(text, commas)
    sign, whole, exp = match["sign"], (match["whole"] or "").replace(",", "").replace("_", ""), match["exp"]
    fraction = (match["part"] or match["frac"] or "").replace("_", "")
    if len(whole) > 1 and whole.startswith("0"):
        fixed = sign + (whole.lstrip("0") or "0") + text[match.end("whole"):]
        raise NumberError(f"has a leading zero; write {short(fixed)}", fixed)
    return _value(text, sign, whole, fraction, int(exp or 0) + power, exp is None and "." not in text)


def text_for_number(text: str) -> str:
    """Why a data file's text (quoted, or with commas or digits other than 0-9) is not a number."""
    if fix := _ascii_digits(text):
        return f"'{short(text)}' uses digits other than 0-9; write {short(fix)}"
    try:
        float(text)
    except ValueError:
        pass
    else:
        return f"'{text}' is quoted text; write the number without quotes"
    if _COMMA_NUMBER.match(text):
        return f"write numbers without commas or currency signs (11_000, 1.3e9), not '{text}'"
    return f"'{text}' is not a number"


def _ascii_digits(text: str) -> str | None:
    """A number written with digits other than 0-9 (١٢, １２) in ASCII digits; else None."""
    try:
        _check_digits(text.strip())
    except NumberError as error:
        return error.fix
    return None


def _value(text: str, sign: str, whole: str, fraction: str, exp: int, integral: bool) -> int | float:
    """The float (or int) of the cleaned parts, refused if it overflows or underflows."""
    value = float(f"{sign}{whole or '0'}.{fraction or '0'}e{exp}")
    if value in (float("inf"), float("-inf")):
        raise NumberError(f"is too large; nkru's numbers go up to about {LARGEST}", textual=False)
    if value == 0 and any(c in "123456789" for c in whole + fraction):
        raise NumberError("is too small: it would be read as 0", textual=False)
    if integral and exp >= 0 and len(whole) <= 400:
        return int(sign + whole) * 10**exp
    return value


def _check_digits(text: str) -> None:
    """Refuse digits other than 0-9, naming the ASCII number they stand for."""
    if text.isascii() or all(c.isascii() or not c.isdecimal() for c in text):
        return
    fixed = "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text)
    raise NumberError(f"uses digits other than 0-9; write {short(fixed)}", fixed)


def _shape_error(text: str, commas: bool) -> NumberError:
    """The most specific reason a number-like text breaks the grammar."""
    pattern = _WITH_COMMAS if commas else _PLAIN
    if _RADIX.match(text):
        try:
            fixed = str(int(text.replace("_", ""), 0))
        except ValueError:
            return NumberError("is not a number")
        return NumberError(f"is not a decimal number; write {short(fixed)}", fixed)
    if "_" in text and pattern.match(text.replace("_", "")):
        fixed = text.replace("_", "")
        return NumberError(f"has a '_' that is not between two digits; write {short(fixed)}", fixed)
    if re.search(r"[0-9.][eE][-+]?$", text):
        return NumberError("has no digits after its exponent, as in 1e6")
    if _BARE_EXPONENT.match(text):
        fixed = re.sub(r"([eE])", r"1\1", text, count=1)
        return NumberError(f"has an exponent but no number before it; write {short(fixed)}", fixed)
    return NumberError("is not a number")
