"""What nkru's data is: the schema of the YAML files as plain frozen dataclasses, and the
values calculations use.

The dataclasses are the one definition of the schema. pydantic validates input against them
strictly (see `Strict` below), but only when data has to be validated: this module never
imports pydantic, so a run that finds its data already validated starts without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NamedTuple

Qualifier = Literal["exact", "approximately", "at least", "over", "barely exceeds", "likely exceeds"]
# Qualifiers under which a stated number is a floor the true value reaches.
FLOOR_QUALIFIERS = frozenset({"at least", "over", "barely exceeds", "likely exceeds"})

Unit = Literal[
    "soldiers", "USD", "KRW", "RUB", "percent", "rounds", "containers", "howitzers",
    "rocket systems", "missiles", "workers", "months", "years",
    "KRW per USD", "RUB per USD", "index points", "battalions", "batteries", "regiments", "housing units",
]
Basis = Literal[
    "total", "per year", "per soldier per month", "per soldier one-off",
    "per soldier period unstated", "per regiment", "per battalion", "per battery",
    "per contract", "per system unit unstated",
]
# How a range is read when sampling: bounds are bounds (uniform) unless a reading is named.
# lognormal90 and normal90 put low and high at the 5th and 95th percentiles (Squiggle's and
# Guesstimate's `a to b`); triangular peaks at `mode` (else the central value, else midway).
Distribution = Literal["uniform", "triangular", "lognormal90", "normal90"]
DISTRIBUTIONS = ("uniform", "triangular", "lognormal90", "normal90")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
DATE_PATTERN = r"^(\d{4}(-\d{2}(-\d{2})?)?|unstated)$"
URL_PATTERN = r"^https?://\S+$"


class Strict:
    """A field constraint pydantic reads from `Annotated[...]`: no coercion (a boolean is not a
    number, text is not a number), plus bounds or a pattern. pydantic_core is imported only
    when a schema is built, i.e. only when data is validated."""

    def __init__(self, kind: str, **constraints: Any):
        self.kind, self.constraints = kind, constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        if self.kind == "number":
            return core_schema.float_schema(strict=True, allow_inf_nan=False, **self.constraints)
        return core_schema.str_schema(strict=True, **self.constraints)


class Check:
    """A field constraint pydantic reads from `Annotated[...]`: run `check(value)` after the
    field validates, so its ValueError is reported at that field."""

    def __init__(self, check: Any):
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.check, handler(source))


Text = Annotated[str, Strict("text", min_length=1)]
Id = Annotated[str, Strict("text", pattern=ID_PATTERN, max_length=80)]
DateText = Annotated[str, Strict("text", pattern=DATE_PATTERN)]
Url = Annotated[str, Strict("text", pattern=URL_PATTERN)]
NonNegative = Annotated[float, Strict("number", ge=0)]
Positive = Annotated[float, Strict("number", gt=0)]
AnyNumber = Annotated[float, Strict("number")]
# Unknown keys are refused everywhere. Schema classes are frozen but have no generated __eq__:
# nothing compares them, and every run pays for each generated method at start-up.
_FORBID = {"extra": "forbid"}


@dataclass(frozen=True, eq=False)
class Source:
    __pydantic_config__ = _FORBID
    id: Id
    kind: Literal["article", "cited", "context", "brief"]
    label: Text
    title: Text
    publisher: Text
    author: Text
    published: DateText
    url: Url | None = None
    seed: Text | None = None
    cited_by: list[Id] = field(default_factory=list)
    note: Text | None = None


@dataclass(frozen=True, kw_only=True, eq=False)
class Bounded:
    """A quantity written as a point (`value`) or a range (`low`, `high`), or a range with its
    central value; figures and assumptions both are."""

    value: NonNegative | None = None
    low: NonNegative | None = None
    high: NonNegative | None = None

    def __post_init__(self) -> None:
        check_bounds(self.value, self.low, self.high)

    @property
    def range(self) -> Range:
        return Range.of(self.value, self.low, self.high)


@dataclass(frozen=True, kw_only=True, eq=False)
class Figure(Bounded):
    __pydantic_config__ = _FORBID
    id: Id
    quantity: Id
    qualifier: Qualifier
    unit: Unit
    basis: Basis
    source: Id
    quote: Text
    as_of: DateText | None = None
    cites: list[Id] = field(default_factory=list)
    note: Text | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.value is not None and self.low is not None:
            raise ValueError("give either value or low and high, not both")
        if self.unit == "percent" and max(x for x in (self.value, self.low, self.high) if x is not None) > 100:
            raise ValueError("a percentage cannot exceed 100")


@dataclass(frozen=True, eq=False)
class ClaimInput:
    __pydantic_config__ = _FORBID
    figure: Id | None = None
    take: Literal["value", "low", "high", "midpoint"] = "value"
    per: Id | None = None  # an exchange-rate figure that turns the figure's currency into USD
    value: NonNegative | None = None
    unit: Unit | None = None
    note: Text | None = None

    def __post_init__(self) -> None:
        if (self.figure is None) == (self.value is None):
            raise ValueError("give either figure or value")
        if self.value is not None and self.unit is None:
            raise ValueError("a literal value needs its unit")


@dataclass(frozen=True, eq=False)
class Comparison:
    __pydantic_config__ = _FORBID
    below: AnyNumber
    text: Text


Formula = Literal["annual_value_usd", "casualty_rate", "ratio", "deal_total"]


@dataclass(frozen=True, eq=False)
class Candidate:
    """A reading from outside the article that would explain its claim: some inputs replaced."""

    __pydantic_config__ = _FORBID
    says: Text
    inputs: dict[Text, Id | ClaimInput]


@dataclass(frozen=True, eq=False)
class Claim:
    __pydantic_config__ = _FORBID
    id: Id
    source: Id
    says: Text
    formula: Formula
    inputs: dict[Text, Id | ClaimInput]
    stated: Id | Comparison
    expect: Literal["reproduces", "unexplained"]
    round_to: Positive | None = None
    solve_for: list[Text] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    note: Text | None = None


def check_distribution(distribution: str | None, mode: float | None, value: Range) -> None:
    """Raise ValueError unless the reading fits the range it is given for."""
    if distribution is None:
        if mode is not None:
            raise ValueError("mode goes with distribution: triangular")
        return
    if value.is_point:
        raise ValueError(f"a {distribution} reading needs a range (low and high)")
    if distribution == "lognormal90" and value.low <= 0:
        raise ValueError("a lognormal90 reading needs low above 0")
    if mode is not None and (distribution != "triangular" or not value.low <= mode <= value.high):
        raise ValueError("mode goes with triangular, between low and high")


@dataclass(frozen=True, kw_only=True, eq=False)
class Assumption(Bounded):
    __pydantic_config__ = _FORBID
    unit: Unit
    figures: list[Id] = field(default_factory=list)
    note: Text | None = None
    distribution: Distribution | None = None
    mode: NonNegative | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.figures and not self.note:
            raise ValueError("name the figures the numbers come from, or explain them in a note")
        check_distribution(self.distribution, self.mode, self.range)


# The unit each assumption must be given in; the calculations rely on it.
ASSUMPTION_UNITS = {
    "troops": "soldiers", "monthly_pay_usd": "USD", "months": "months",
    "bonus_usd": "USD", "losses": "soldiers",
}


def assumption_problem(name: str, value: Range) -> str | None:
    """Why a range cannot stand for assumption `name`, or None where it can."""
    if name == "troops" and value.low <= 0:
        return "troops must be above 0"
    return None


def _named(name: str) -> Check:
    """The checks an assumption gets for being `name`: its unit, and what its value may be."""

    def check(assumption: Assumption) -> Assumption:
        expected = ASSUMPTION_UNITS[name]
        if assumption.unit != expected:
            raise ValueError(f"{name} is counted in {expected}, not {assumption.unit}")
        problem = assumption_problem(name, assumption.range)
        if problem:
            raise ValueError(problem)
        return assumption

    return Check(check)


@dataclass(frozen=True, eq=False)
class AssumptionSet:
    __pydantic_config__ = _FORBID
    troops: Annotated[Assumption, _named("troops")]
    monthly_pay_usd: Annotated[Assumption, _named("monthly_pay_usd")]
    months: Annotated[Assumption, _named("months")]
    bonus_usd: Annotated[Assumption, _named("bonus_usd")]
    losses: Annotated[Assumption, _named("losses")]


AssumptionName = Literal["troops", "monthly_pay_usd", "months", "bonus_usd", "losses"]


@dataclass(frozen=True, kw_only=True, eq=False)
class Setting:
    """One assumption as a scenario sets it: taken from a figure, or numbers with a note."""

    __pydantic_config__ = _FORBID
    figure: Id | None = None
    take: Literal["value", "low", "high", "midpoint", "range"] | None = None
    value: NonNegative | None = None
    low: NonNegative | None = None
    high: NonNegative | None = None
    note: Text | None = None
    distribution: Distribution | None = None
    mode: NonNegative | None = None

    def __post_init__(self) -> None:
        numbers = (self.value, self.low, self.high) != (None, None, None)
        if not self.note:
            raise ValueError("every setting needs a note saying why (and where its numbers come from)")
        if self.figure is None:
            if self.take is not None:
                raise ValueError("take goes with figure")
            check_bounds(self.value, self.low, self.high)
        elif numbers:
            raise ValueError("give either figure (with take) or numbers, not both")


@dataclass(frozen=True, eq=False)
class ScenarioFile:
    __pydantic_config__ = _FORBID
    note: Text
    set: dict[AssumptionName, Setting]


@dataclass(frozen=True, eq=False)
class Band:
    __pydantic_config__ = _FORBID
    figure: Id
    label: Text


@dataclass(frozen=True, eq=False)
class CompareWith:
    __pydantic_config__ = _FORBID
    s400_prices: list[Id]
    total_deal: Id

    def __post_init__(self) -> None:
        if not self.s400_prices:
            raise ValueError("name at least one S-400 price")


@dataclass(frozen=True, eq=False)
class SourcesFile:
    __pydantic_config__ = _FORBID
    sources: list[Source]


@dataclass(frozen=True, eq=False)
class FiguresFile:
    __pydantic_config__ = _FORBID
    figures: list[Figure]


@dataclass(frozen=True, eq=False)
class ClaimsFile:
    __pydantic_config__ = _FORBID
    claims: list[Claim]


@dataclass(frozen=True, eq=False)
class AssumptionsFile:
    __pydantic_config__ = _FORBID
    assumptions: AssumptionSet
    casualty_bands: list[Band]
    compare_with: CompareWith

    def __post_init__(self) -> None:
        if not self.casualty_bands:
            raise ValueError("name at least one casualty band")


def plain(x: float) -> str:
    """A number for a message, as a person writes it: 652,000,000 or 2.5, never 6.52e+08."""
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
    Value records like this are NamedTuples: as immutable as a frozen dataclass, and six
    times cheaper to define, which every run of nkru pays at start-up.
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

    def minus(self, other: Range) -> Range:
        """End by end: how far each of this range's figures lies from the other's."""
        value = None if self.value is None or other.value is None else self.value - other.value
        return Range(value, self.low - other.low, self.high - other.high)


class Result(NamedTuple):
    """One computed row: what it is, its range, its unit and the sources behind it."""

    id: str
    label: str
    range: Range
    unit: str
    sources: tuple[str, ...]
    details: dict


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
    digests: tuple[tuple[str, str], ...]  # (name as shown, sha256 of the bytes read)
    locator: object  # nkru.errors.Locator

    def assumption_items(self) -> list[tuple[str, Assumption]]:
        return [(name, getattr(self.assumptions, name)) for name in ASSUMPTION_UNITS]

    def article_figures(self) -> list[Figure]:
        return [f for f in self.figures.values() if f.id not in self.context_ids]


class Override(NamedTuple):
    """One assumption overridden for this run, by a scenario or `--set`, and where from."""

    name: str
    range: Range
    text: str  # the origin as a user reads it: "--set troops=12000", "scenario lim-inss"
    figures: tuple[str, ...] = ()
    note: str | None = None
    distribution: str | None = None
    mode: float | None = None
    floor: bool = False  # taken from an "at least" / "over" figure: no upper bound stated
