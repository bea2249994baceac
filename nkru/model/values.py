"""The values calculations pass around: ranges, and the few records every layer shares.

Value records are NamedTuples: as immutable as a frozen dataclass, and much cheaper to define,
which every run of nkru pays at start-up.
"""

from __future__ import annotations

from typing import NamedTuple


def plain(x: float) -> str:
    """A number for a message, as a person writes it: 652,000,000 or 2.5, never 6.52e+08."""
    if abs(x) >= 1e21:
        return f"{x:.6g}"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6f}".rstrip("0")


def check_bounds(value: float | None, low: float | None, high: float | None) -> None:
    """Raise ValueError unless the numbers form a point or a range with low <= value <= high."""
    if (low is None) != (high is None):
        raise ValueError("give both low and high, or neither")
    if value is None and low is None:
        raise ValueError("give a value, or low and high")
    if low is not None and high is not None:
        if low > high:
            raise ValueError(f"low {plain(low)} is above high {plain(high)}")
        if value is not None and not low <= value <= high:
            raise ValueError(f"value {plain(value)} lies outside low..high ({plain(low)}..{plain(high)})")


class Range(NamedTuple):
    """A quantity's central value (None where only bounds are known) and its bounds.

    A point is a range with low == high == value, so every calculation has one path.
    """

    value: float | None
    low: float
    high: float

    @classmethod
    def point(cls, x: float) -> Range:
        return cls(x, x, x)

    @classmethod
    def of(cls, value: float | None, low: float | None, high: float | None) -> Range:
        if low is None or high is None:
            assert value is not None
            return cls.point(value)
        return cls(value, low, high)

    @property
    def is_point(self) -> bool:
        return self.low == self.high

    @property
    def midpoint(self) -> float:
        return (self.low + self.high) / 2

    @property
    def central(self) -> float:
        """The stated central value, else the middle of the range."""
        return self.value if self.value is not None else self.midpoint

    def scaled(self, factor: float) -> Range:
        value = None if self.value is None else self.value * factor
        low, high = sorted((self.low * factor, self.high * factor))
        return Range(value, low, high)

    def minus(self, other: Range) -> Range:
        """End by end: how far each of this range's figures lies from the other's."""
        value = None if self.value is None or other.value is None else self.value - other.value
        return Range(value, self.low - other.low, self.high - other.high)

    def take(self, which: str | None) -> Range:
        """Part of the range: value (all of it), range (bounds only), low, high or midpoint."""
        if which in (None, "value"):
            return self
        if which == "range":
            return Range(None, self.low, self.high)
        return Range.point({"low": self.low, "high": self.high, "midpoint": self.midpoint}[which])


class Input(NamedTuple):
    """An input as a command uses it: its numbers, unit, and where they came from — the data,
    a scenario or `--set` (one record, however it was set)."""

    name: str
    range: Range
    unit: str
    origin: str  # "data", "scenario NAME" or the --set text
    figures: tuple[str, ...]
    note: str | None
    distribution: str | None = None  # None: a point, or uniform over a range
    mode: float | None = None
    floor: bool = False
    derived: str | None = None  # the `from:` expression its numbers come from

    @property
    def peak(self) -> float:
        """Where a triangular reading peaks: its mode, else the central value, else midway."""
        return self.mode if self.mode is not None else self.range.central

    @property
    def reading(self) -> str:
        """How a simulation reads this input, in words: the JSON and tables state it."""
        if self.floor:
            return "at least (no upper bound stated)"
        if self.range.is_point:
            return "point"
        return self.distribution or "uniform"


class Row(NamedTuple):
    """One computed result: what it is, its range, its unit, and everything behind it."""

    id: str
    label: str
    range: Range
    unit: str
    sources: tuple[str, ...]
    formula: str  # the expression as written, e.g. count * (pay * period + bonus)
    inputs: tuple[str, ...]  # the inputs it depends on
    figures: tuple[str, ...]  # figures its formula names directly
    set_by: tuple[str, ...]  # the scenarios and --set options behind its inputs
    exact: bool  # bounds exact (monotone), or a sound enclosure
    measure: str | None = None  # for a comparison row: the measure's id
    against: str | None = None  # for a comparison row: the figure compared against
    context: bool = False  # a row from outside the articles
    basis: str | None = None  # what one unit of a compared amount covers (per regiment)
    claim: str | None = None  # for a context row about a claim: the claim's id
    holds: bool | None = None  # for a candidate reading of a claim: whether it reproduces it
    variant: bool = False  # the headline recomputed with one input taken from a figure
    dollars: int | str | None = None  # with --dollars: the year, or "nominal" where it could not be restated
