"""What nkru's data is: strict schemas for the YAML files, and the plain values calculations use."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Qualifier = Literal["exact", "approximately", "at least", "over", "barely exceeds", "likely exceeds"]
# Qualifiers under which a stated number is a floor the true value reaches.
FLOOR_QUALIFIERS = frozenset({"at least", "over", "barely exceeds", "likely exceeds"})

Unit = Literal[
    "soldiers", "USD", "KRW", "RUB", "percent", "rounds", "containers", "howitzers",
    "rocket systems", "missiles", "workers", "months", "years",
]
Basis = Literal[
    "total", "per year", "per soldier per month", "per soldier one-off",
    "per soldier period unstated", "per regiment", "per battalion", "per battery",
    "per contract", "per system unit unstated",
]
Id = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)
DATE_PATTERN = r"^(\d{4}(-\d{2}(-\d{2})?)?|unstated)$"
DateText = Field(pattern=DATE_PATTERN)


def Number(default: float | None = None):  # noqa: N802 - reads like the Field it returns
    return Field(default=default, ge=0, allow_inf_nan=False)


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Source(Strict):
    id: str = Id
    kind: Literal["article", "cited", "context", "brief"]
    label: str = Field(min_length=1)
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    author: str = Field(min_length=1)
    published: str = DateText
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    seed: str | None = None
    cited_by: list[str] = []
    note: str | None = None


class Figure(Strict):
    id: str = Id
    quantity: str = Id
    value: float | None = Number()
    low: float | None = Number()
    high: float | None = Number()
    qualifier: Qualifier
    unit: Unit
    basis: Basis
    as_of: str | None = Field(default=None, pattern=DATE_PATTERN)
    source: str = Id
    cites: list[str] = []
    quote: str = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Figure:
        check_bounds(self.value, self.low, self.high, need_value=False)
        if self.value is not None and self.low is not None:
            raise ValueError("give either value or low and high, not both")
        if self.unit == "percent" and max(x for x in (self.value, self.low, self.high) if x is not None) > 100:
            raise ValueError("a percentage cannot exceed 100")
        return self


class ClaimInput(Strict):
    figure: str | None = None
    take: Literal["value", "low", "high", "midpoint"] = "value"
    value: float | None = Number()
    unit: Unit | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ClaimInput:
        if (self.figure is None) == (self.value is None):
            raise ValueError("give either figure or value")
        if self.value is not None and self.unit is None:
            raise ValueError("a literal value needs its unit")
        return self


class Comparison(Strict):
    below: float = Field(allow_inf_nan=False)
    text: str = Field(min_length=1)


Formula = Literal["annual_value_usd", "casualty_rate", "ratio", "deal_total"]


class Claim(Strict):
    id: str = Id
    source: str = Id
    says: str = Field(min_length=1)
    formula: Formula
    inputs: dict[str, str | ClaimInput]
    stated: str | Comparison
    round_to: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    expect: Literal["reproduces", "unexplained"]
    solve_for: list[str] = []
    note: str | None = None


class Assumption(Strict):
    value: float | None = Number()
    low: float | None = Number()
    high: float | None = Number()
    unit: Unit
    figures: list[str] = []
    note: str | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Assumption:
        check_bounds(self.value, self.low, self.high, need_value=False)
        if not self.figures and not self.note:
            raise ValueError("name the figures the numbers come from, or explain them in a note")
        return self

    @property
    def range(self) -> Range:
        return Range.of(self.value, self.low, self.high)


# The unit each assumption must be given in; the calculations rely on it.
ASSUMPTION_UNITS = {
    "troops": "soldiers", "monthly_pay_usd": "USD", "months": "months",
    "bonus_usd": "USD", "losses": "soldiers",
}


class AssumptionSet(Strict):
    troops: Assumption
    monthly_pay_usd: Assumption
    months: Assumption
    bonus_usd: Assumption
    losses: Assumption

    @field_validator("*")
    @classmethod
    def _unit(cls, assumption: Assumption, info) -> Assumption:
        expected = ASSUMPTION_UNITS[info.field_name]
        if assumption.unit != expected:
            raise ValueError(f"{info.field_name} is counted in {expected}, not {assumption.unit}")
        problem = assumption_problem(info.field_name, assumption.range)
        if problem:
            raise ValueError(problem)
        return assumption


def assumption_problem(name: str, value: Range) -> str | None:
    """Why a range cannot stand for assumption `name`, or None where it can."""
    if name == "troops" and value.low <= 0:
        return "troops must be above 0"
    return None


class Band(Strict):
    figure: str = Id
    label: str = Field(min_length=1)


class CompareWith(Strict):
    s400_prices: list[str] = Field(min_length=1)
    total_deal: str = Id


class SourcesFile(Strict):
    sources: list[Source]


class FiguresFile(Strict):
    figures: list[Figure]


class ClaimsFile(Strict):
    claims: list[Claim]


class AssumptionsFile(Strict):
    assumptions: AssumptionSet
    casualty_bands: list[Band] = Field(min_length=1)
    compare_with: CompareWith


def plain(x: float) -> str:
    """A number for a message, as a person writes it: 652,000,000 or 2.5, never 6.52e+08."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6f}".rstrip("0")


def check_bounds(value: float | None, low: float | None, high: float | None, *, need_value: bool) -> None:
    """Raise ValueError unless the numbers form a point or a range with low <= value <= high."""
    if (low is None) != (high is None):
        raise ValueError("give both low and high, or neither")
    if value is None and low is None:
        raise ValueError("give a value, or low and high")
    if need_value and value is None:
        raise ValueError("give a value")
    if low is not None and high is not None:
        if low > high:
            raise ValueError(f"low {plain(low)} is above high {plain(high)}")
        if value is not None and not low <= value <= high:
            raise ValueError(f"value {plain(value)} lies outside low..high ({plain(low)}..{plain(high)})")


@dataclass(frozen=True)
class Range:
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

    def scaled(self, factor: float) -> Range:
        value = None if self.value is None else self.value * factor
        return Range(value, self.low * factor, self.high * factor)

    def is_finite(self) -> bool:
        return all(math.isfinite(x) for x in (self.low, self.high) + ((self.value,) if self.value is not None else ()))


@dataclass(frozen=True)
class Result:
    """One computed row: what it is, its range, its unit and the sources behind it."""

    id: str
    label: str
    range: Range
    unit: str
    sources: tuple[str, ...]
    details: dict = field(default_factory=dict)


# Each formula's inputs: name -> (unit, basis the figure must have, or None for any).
FORMULA_INPUTS: dict[str, dict[str, tuple[str, str | None]]] = {
    "annual_value_usd": {
        "troops": ("soldiers", None),
        "monthly_pay_usd": ("USD", "per soldier per month"),
        "months": ("months", None),
        "bonus_usd": ("USD", "per soldier one-off"),
    },
    "casualty_rate": {"losses": ("soldiers", None), "troops": ("soldiers", None)},
    "ratio": {"part": ("USD", None), "whole": ("USD", None)},
    "deal_total": {"arms_usd": ("USD", None), "troop_value_usd": ("USD", None), "other_usd": ("USD", None)},
}
# The unit each formula's result is in.
FORMULA_UNITS = {"annual_value_usd": "USD", "casualty_rate": "fraction", "ratio": "fraction", "deal_total": "USD"}

# Unit conversions nkru knows: (from, to) -> factor. Same unit converts by 1.
_FACTORS = {("years", "months"): 12.0, ("percent", "fraction"): 0.01, ("fraction", "percent"): 100.0}


def convertible(source: str | None, target: str) -> bool:
    return source == target or (source, target) in _FACTORS


def factor(source: str, target: str) -> float:
    """How many `target` units one `source` unit is; ValueError where nkru knows no conversion."""
    if source == target:
        return 1.0
    try:
        return _FACTORS[(source, target)]
    except KeyError:
        raise ValueError(f"cannot convert {source} to {target}") from None


@dataclass(frozen=True)
class Dataset:
    """Everything nkru read, cross-checked: look-ups by id, and where each item was written."""

    sources: dict[str, Source]
    figures: dict[str, Figure]  # articles' and context figures together, by id
    context_ids: frozenset[str]
    claims: list[Claim]
    assumptions: AssumptionSet
    bands: list[Band]
    compare_with: CompareWith
    files: tuple[tuple[str, object], ...]  # (name as shown, Path)
    locator: object  # nkru.errors.Locator

    def assumption_items(self) -> list[tuple[str, Assumption]]:
        return [(name, getattr(self.assumptions, name)) for name in ASSUMPTION_UNITS]

    def article_figures(self) -> list[Figure]:
        return [f for f in self.figures.values() if f.id not in self.context_ids]


@dataclass(frozen=True)
class Override:
    """One `--set NAME=VALUE` or `--set NAME=LOW..HIGH` for this run."""

    name: str
    range: Range
    text: str
