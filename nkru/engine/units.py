"""Unit algebra for the model: parse unit text, combine units, and derive the unit a formula gives.

A unit is a scale and integer exponents over base dimensions. Every currency and every kind of count
is its own dimension, so KRW never adds to USD and one kind of thing counted never adds to another.
Built in are the currencies, time (month, year), percent and 1; a model declares the things it counts.
Written by hand rather than with pint, whose import alone costs more than a cached run of nkru.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from typing import NamedTuple


class Unit(NamedTuple):
    """A scale factor and sorted (dimension, exponent) pairs; a number times scale is in base units."""

    scale: float
    dims: tuple[tuple[str, int], ...]


class UnitError(ValueError):
    """A unit nkru cannot read, or a formula whose units do not fit. `col` is a 0-based offset into
    the text it concerns (unit text or formula text), 0 where unknown."""

    def __init__(self, message: str, col: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.col = col


DIMENSIONLESS = Unit(1.0, ())
# ISO 4217 codes of the currencies in common use, each its own dimension. USD first: --dollars
# restates in it, and show() puts currencies first.
CURRENCIES = (
    "USD", "EUR", "GBP", "JPY", "CNY", "CHF", "CAD", "AUD", "INR", "BRL", "KRW", "KPW", "RUB", "UAH", "TRY", "ILS",
    "IRR", "SAR", "AED", "ZAR", "MXN", "SEK", "NOK", "PLN", "HKD", "SGD", "TWD",
)
_SYNONYMS = {"USD": ("dollar", "dollars")}
# Where show() puts a dimension: currencies first, then counts, then time ('USD/soldier/month').
_CURRENCY_RANK, _COUNT_RANK, _TIME_RANK = 0, 1, 2
_TOKEN = re.compile(r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<word>[^\W\d]\w*|%)|(?P<op>\*\*|[*·/^()+-])|(?P<bad>\S)")
_NAME = re.compile(r"[^\W\d]\w*(?: [^\W\d]\w*)*")


def _make(scale: float, exponents: Mapping[str, int]) -> Unit:
    """A unit from a scale and exponents, zero exponents dropped."""
    return Unit(float(scale), tuple(sorted((d, e) for d, e in exponents.items() if e)))


def _combine(a: Unit, b: Unit, sign: int) -> Unit:
    exponents = dict(a.dims)
    for dim, exp in b.dims:
        exponents[dim] = exponents.get(dim, 0) + sign * exp
    return _make(a.scale * b.scale if sign > 0 else a.scale / b.scale, exponents)


def multiply(a: Unit, b: Unit) -> Unit:
    """The unit of a product."""
    return _combine(a, b, 1)


def divide(a: Unit, b: Unit) -> Unit:
    """The unit of a quotient."""
    return _combine(a, b, -1)


def power(a: Unit, n: int) -> Unit:
    """The unit raised to a whole number."""
    try:
        scale = a.scale**n
    except OverflowError:
        raise UnitError(f"the exponent {n} is too large") from None
    return _make(scale, {dim: exp * n for dim, exp in a.dims})


def same_dimension(a: Unit, b: Unit) -> bool:
    """Whether the two units measure the same thing (scales aside)."""
    return a.dims == b.dims


def close(x: float, y: float) -> bool:
    """Whether two scales are equal to float precision."""
    return math.isclose(x, y, rel_tol=1e-9)


def plain(unit: Unit) -> bool:
    """Whether a unit is a plain number (no dimension, scale 1)."""
    return not unit.dims and close(unit.scale, 1.0)


@functools.cache
def _builtin() -> Registry:
    return Registry()


def factor(from_: Unit, to: Unit) -> float:
    """How many `to` one `from_` is."""
    if not same_dimension(from_, to):
        raise UnitError(f"cannot convert {_builtin().show(from_)} to {_builtin().show(to)}")
    return from_.scale / to.scale


@functools.lru_cache(maxsize=256)  # asked once per figure: 100,000 figures share a few units
def currencies(unit: Unit) -> tuple[tuple[str, int], ...]:
    """The currency dimensions in the unit, with their exponents."""
    return tuple((dim, exp) for dim, exp in unit.dims if dim in CURRENCIES)


def _plural_of(name: str) -> str:
    return name[:-1] + "ies" if name.endswith("y") else name + "s"


def _singular_of(name: str) -> str:
    """A declared name ending in s is taken as a plural: 'drones' -> 'drone', 'factories' -> 'factory'."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


class _Token(NamedTuple):
    kind: str  # 'num', 'word' or 'op'
    text: str
    col: int


def _tokens(text: str) -> list[_Token]:
    """Numbers, words and operators with their offsets; '**' is read as '^'."""
    tokens = []
    for match in _TOKEN.finditer(text):  # whitespace matches nothing, so finditer skips it
        kind, found = match.lastgroup or "bad", match.group()
        if kind == "bad":
            raise UnitError(f"unexpected character {found!r}", match.start())
        tokens.append(_Token(kind, "^" if found == "**" else found, match.start()))
    return tokens


class Registry:
    """The units nkru knows: the built-in ones plus any a model declares."""

    def __init__(self, declared: Mapping[str, str | None] | None = None) -> None:
        self._units: dict[str, Unit] = {}
        self._plural: dict[str, str] = {}
        self._rank: dict[str, int] = {}
        self._named: list[tuple[str, Unit]] = []  # units with a scale that show() may name: year, percent, ...
        self._parsed: dict[str, Unit] = {}  # text -> unit, once declaring is done: 100,000 figures share a few units
        for currency in CURRENCIES:
            self._define(currency, None, None, *_SYNONYMS.get(currency, ()), rank=_CURRENCY_RANK)
        self._define("month", None, "months", rank=_TIME_RANK)
        self._define("year", Unit(12.0, (("month", 1),)), "years")
        self._define("percent", Unit(0.01, ()), None, "%")
        self._define("fraction", DIMENSIONLESS, None)
        self._declare_all(dict(declared or {}))

    def _define(self, name: str, unit: Unit | None, plural: str | None, *aliases: str, rank: int = _COUNT_RANK) -> None:
        """Add a unit under its name, plural and aliases; None makes `name` a new base dimension."""
        names = [name, *([plural] if plural else []), *aliases]
        taken = [n for n in names if n in self._units]
        if taken:
            raise UnitError(f"unit {taken[0]!r} already exists")
        if unit is None:
            unit, self._rank[name] = Unit(1.0, ((name, 1),)), rank
        self._units.update(dict.fromkeys(names, unit))
        self._parsed.clear()
        if plural:
            self._plural[name] = plural
        if not close(unit.scale, 1.0) and (not unit.dims or (len(unit.dims) == 1 and unit.dims[0][1] == 1)):
            self._named.append((name, unit))

    def _declare_all(self, pending: dict[str, str | None]) -> None:
        """Declare units in whatever order their definitions allow ('half: 2 quarters' before 'quarter')."""
        while pending:
            errors: list[UnitError] = []
            before = len(pending)
            for name, definition in list(pending.items()):
                try:
                    self._declare(name, definition)
                except UnitError as error:
                    errors.append(error)
                else:
                    del pending[name]
            if len(pending) == before:
                raise errors[0]

    def _declare(self, name: str, definition: str | None) -> None:
        """Add one model-declared unit; its plural (or, for a plural name, its singular) comes with it."""
        name = " ".join(str(name).split())
        if not _NAME.fullmatch(name) or "per" in name.split():
            raise UnitError(f"{name!r} cannot be a unit name: use words of letters, digits and _")
        singular = _singular_of(name)
        unit = None
        if definition is not None:
            try:
                unit = self.parse(str(definition))
            except UnitError as error:
                raise UnitError(f"unit {name!r}: {error.message}", error.col) from None
        self._define(singular, unit, _plural_of(singular))

    def parse(self, text: str) -> Unit:
        """The unit that unit text names, e.g. 'USD per soldier per month'."""
        if text in self._parsed:
            return self._parsed[text]
        unit = _Parser(self, text).run()
        if not unit.scale > 0 or math.isinf(unit.scale):
            raise UnitError(f"{text.strip()!r} has no usable scale", 0)
        self._parsed[text] = unit
        return unit

    def _lookup(self, name: str, col: int = 0) -> Unit:
        """A unit by one name; UnitError with a suggestion when it is unknown."""
        if name in self._units:
            return self._units[name]
        import difflib  # only on the error path: keeps the import cost off every run

        # Units are case-sensitive ('USD', not 'usd'), so a case-only slip is the best suggestion.
        close = [known for known in self._units if known.lower() == name.lower()] or difflib.get_close_matches(name, self._units, n=5, cutoff=0.6)
        # A typo usually keeps the length ('rounsd'), so prefer the match of the same length: 'rounds', not 'round'.
        close.sort(key=lambda match: abs(len(match) - len(name)))
        hint = f" (did you mean {close[0]!r}?)" if close else "; declare a new unit under units: in model.yaml"
        if " " in name and all(word in self._units for word in name.split()):
            hint = ": put '*' or '/' between units"
        raise UnitError(f"unknown unit {name!r}{hint}", col)

    def show(self, unit: Unit) -> str:
        """Canonical text for a unit: 'USD/soldier/month', 'rounds', 'KRW/USD', 'soldier·month', '1'."""
        if not unit.dims:
            named = [name for name, known in self._named if not known.dims and close(known.scale, unit.scale)]
            if named:
                return named[0]
        exponents, scale = dict(unit.dims), unit.scale
        names = {dim: dim for dim in exponents}
        if not close(scale, 1.0):
            # Name the scale when one named unit explains it exactly: USD·month⁻¹ at scale 1/12 is 'USD/year'.
            for name, known in self._named:
                dim = known.dims[0][0] if known.dims else ""
                if dim in exponents and close(scale, known.scale ** exponents[dim]):
                    names[dim], scale = name, 1.0
                    break
        order = sorted(exponents, key=lambda dim: (self._rank.get(dim, _COUNT_RANK), dim))
        above = [dim for dim in order if exponents[dim] > 0]
        if len(above) == 1 and exponents[above[0]] == 1:
            top = self._plural.get(names[above[0]], names[above[0]])
        else:
            top = "·".join(_raised(names[dim], exponents[dim]) for dim in above)
        below = "".join("/" + _raised(names[dim], -exponents[dim]) for dim in order if exponents[dim] < 0)
        if close(scale, 1.0):
            return (top or "1") + below
        return f"{scale:.12g} {top}{below}" if top else f"{scale:.12g}{below}"


def _raised(name: str, exp: int) -> str:
    return name if exp == 1 else f"{name}^{exp}"


class _Parser:
    """Recursive descent over unit text: products and quotients, left to right, of powers."""

    def __init__(self, registry: Registry, text: str) -> None:
        self.registry, self.text, self.tokens, self.i = registry, text, _tokens(text), 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def run(self) -> Unit:
        if not self.tokens:
            raise UnitError("empty unit", 0)
        unit = self.product()
        extra = self.peek()
        if extra is not None:
            raise UnitError(f"unexpected {extra.text!r}", extra.col)
        return unit

    def product(self) -> Unit:
        unit = self.factor()
        while (tok := self.peek()) is not None and tok.text in ("*", "·", "/", "per"):
            self.i += 1
            right = self.factor()
            unit = divide(unit, right) if tok.text in ("/", "per") else multiply(unit, right)
        return unit

    def factor(self) -> Unit:
        """A power; a number followed by a unit multiplies it, as in '12 months' or 'USD per 1000 items'."""
        first = self.peek()
        unit = self.power()
        following = self.peek()
        if first is not None and first.kind == "num" and following is not None and (following.kind == "word" and following.text != "per" or following.text == "("):
            unit = multiply(unit, self.power())
        return unit

    def power(self) -> Unit:
        unit = self.atom()
        caret = self.peek()
        if caret is None or caret.text != "^":
            return unit
        self.i += 1
        sign, tok = 1, self.peek()
        if tok is not None and tok.text in ("+", "-"):
            sign, self.i = (-1 if tok.text == "-" else 1), self.i + 1
            tok = self.peek()
        if tok is None or tok.kind != "num" or not float(tok.text).is_integer():
            raise UnitError("expected a whole-number exponent after '^'", tok.col if tok else len(self.text))
        self.i += 1
        return power(unit, sign * int(float(tok.text)))

    def atom(self) -> Unit:
        tok = self.peek()
        if tok is None:
            raise UnitError(f"the unit ends after {self.tokens[-1].text!r}", len(self.text))
        self.i += 1
        if tok.kind == "num":
            return Unit(float(tok.text), ())
        if tok.text == "(":
            unit = self.product()
            close = self.peek()
            if close is None or close.text != ")":
                raise UnitError("missing ')'", close.col if close else len(self.text))
            self.i += 1
            return unit
        if tok.kind != "word" or tok.text == "per":
            raise UnitError(f"expected a unit, found {tok.text!r}", tok.col)
        words = [tok.text]
        # Words in a row make one name ('rocket systems'); 'per' and '%' stand alone.
        while tok.text != "%" and (nxt := self.peek()) is not None and nxt.kind == "word" and nxt.text not in ("per", "%"):
            words.append(nxt.text)
            self.i += 1
        return self.registry._lookup(" ".join(words), tok.col)
