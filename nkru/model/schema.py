"""The schema of the YAML files as plain frozen dataclasses.

The dataclasses are the one definition of the schema. pydantic validates input against them
strictly (see `Strict`), but only when data has to be validated: this module never imports
pydantic, so a run whose data is already validated starts without it. Rules that need other
files (a figure id exists, a formula's units fit) are checked by the loader afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from nkru.model.values import Range, check_bounds, plain

Qualifier = Literal["exact", "approximately", "at least", "over", "barely exceeds", "likely exceeds"]
# Qualifiers under which a stated number is a floor the true value reaches.
FLOOR_QUALIFIERS = frozenset({"at least", "over", "barely exceeds", "likely exceeds"})
# How a range is read when sampling: bounds are bounds (uniform) unless a reading is named.
# lognormal90 and normal90 put low and high at the 5th and 95th percentiles (Squiggle's and
# Guesstimate's `a to b`); triangular peaks at `mode` (else the central value, else midway).
Distribution = Literal["uniform", "triangular", "lognormal90", "normal90"]
DISTRIBUTIONS = ("uniform", "triangular", "lognormal90", "normal90")
# The roles of sources, in the order tables explain them.
ROLES = {
    "article": "audited article", "cited": "cited by an article", "later": "later reporting",
    "context": "outside context", "brief": "domain brief", "analyst": "analyst",
}
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"  # a name formulas can use
DATE_PATTERN = r"^(\d{4}(-\d{2}(-\d{2})?)?|unstated)$"
URL_PATTERN = r"^https?://\S+$"


class Strict:
    """A field constraint pydantic reads from `Annotated[...]`: no coercion (a boolean is not a
    number, text is not a number), plus bounds or a pattern."""

    def __init__(self, kind: str, **constraints: Any):
        self.kind, self.constraints = kind, constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        if self.kind == "number":
            return core_schema.float_schema(strict=True, allow_inf_nan=False, **self.constraints)
        if self.kind == "integer":
            return core_schema.int_schema(strict=True, **self.constraints)
        if self.kind == "unit":  # `unit: 1` (a fraction) is a number in YAML; read it as the unit text "1"
            text = core_schema.str_schema(strict=True, min_length=1, max_length=200)
            return core_schema.no_info_before_validator_function(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v, text)
        if self.kind == "flag":
            return core_schema.bool_schema(strict=True)
        return core_schema.str_schema(strict=True, **self.constraints)


Flag = Annotated[bool, Strict("flag")]  # true or false, never "yes" or 1
Text = Annotated[str, Strict("text", min_length=1, max_length=4000)]
LABEL_PATTERN = r"\S"  # a label is what a reader sees: at least one character that is not a space
Label = Annotated[str, Strict("text", min_length=1, max_length=4000, pattern=LABEL_PATTERN)]
Id = Annotated[str, Strict("text", pattern=ID_PATTERN, max_length=80)]
Name = Annotated[str, Strict("text", pattern=NAME_PATTERN, max_length=80)]
DateText = Annotated[str, Strict("text", pattern=DATE_PATTERN)]
Url = Annotated[str, Strict("text", pattern=URL_PATTERN)]
UnitText = Annotated[str, Strict("unit")]
Year = Annotated[int, Strict("integer", ge=1800, le=2200)]
NonNegative = Annotated[float, Strict("number", ge=0)]
Positive = Annotated[float, Strict("number", gt=0)]
AnyNumber = Annotated[float, Strict("number")]
# Unknown keys are refused everywhere. Schema classes get no generated __eq__, __repr__ or
# frozen __setattr__: every run defines them at start-up (a frozen class with a repr costs
# five times as much to define), nothing compares or prints them, and nothing assigns to
# them after loading: the loader builds them once and every layer only reads.
FORBID = {"extra": "forbid"}


@dataclass(eq=False, repr=False)
class Source:
    __pydantic_config__ = FORBID
    id: Id
    kind: Literal["article", "cited", "later", "context", "brief", "analyst"]
    label: Label
    title: Text
    publisher: Text
    author: Text
    published: DateText
    url: Url | None = None
    seed: Text | None = None
    text: Text | None = None
    cited_by: list[Id] = field(default_factory=list)
    note: Text | None = None


@dataclass(kw_only=True, eq=False, repr=False)
class Figure:
    __pydantic_config__ = FORBID
    id: Id
    quantity: Id
    value: NonNegative | None = None
    low: NonNegative | None = None
    high: NonNegative | None = None
    qualifier: Qualifier
    unit: UnitText
    basis: Text | None = None
    source: Id
    quote: Text
    as_of: DateText | None = None
    cites: list[Id] = field(default_factory=list)
    builds_on: list[Id] = field(default_factory=list)
    label: Label | None = None  # what a reader calls it where a table names it: China's S-400 price
    note: Text | None = None

    def __post_init__(self) -> None:
        check_bounds(self.value, self.low, self.high)
        if self.value is not None and self.low is not None:
            raise ValueError("give either value or low and high, not both")

    @property
    def range(self) -> Range:
        return Range.of(self.value, self.low, self.high)

    @property
    def name(self) -> str:
        """What a reader calls the figure: its label, or what it measures in words."""
        return self.label or self.quantity.replace("_", " ")

    @property
    def numbers(self) -> list[float]:
        """The numbers the figure states: its value, or its low and high."""
        return [x for x in (self.value, self.low, self.high) if x is not None]


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


@dataclass(kw_only=True, eq=False, repr=False)
class InputSpec:
    """An input of the model: numbers, or an expression over figures, with its provenance."""

    __pydantic_config__ = FORBID
    value: AnyNumber | None = None
    low: AnyNumber | None = None
    high: AnyNumber | None = None
    unit: UnitText
    label: Label | None = None  # what a reader sees for it; the name where none is given
    figures: list[Id] = field(default_factory=list)
    from_: Text | None = None  # written `from:` in YAML
    note: Text | None = None
    distribution: Distribution | None = None
    mode: AnyNumber | None = None
    basis: Text | None = None
    price_year: Year | None = None
    min: AnyNumber | None = None
    max: AnyNumber | None = None

    def __post_init__(self) -> None:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {plain(self.min)} is above max {plain(self.max)}")
        if not (self.figures or self.from_ or self.note):
            raise ValueError("say where the numbers come from: figures that state them, from: an expression over figures, or a note")
        if self.from_ is not None:
            if (self.value, self.low, self.high) != (None, None, None):
                raise ValueError("give either from: or numbers (value, low, high), not both")
            if self.figures:
                raise ValueError("from: cites the figures it names; drop figures:")
            if self.distribution is not None:
                raise ValueError("a distribution needs numbers of its own; from: gives them")
            return
        check_bounds(self.value, self.low, self.high)
        value = Range.of(self.value, self.low, self.high)
        check_distribution(self.distribution, self.mode, value)
        problem = outside_limits(value, self.min, self.max)
        if problem:
            raise ValueError(problem)


def basis_problem(name: str, basis: str | None, figure: Figure) -> str | None:
    """Why a figure cannot give an input with this basis its numbers (a pay with no period
    stated as a one-off bonus), or None."""
    if basis and figure.basis and figure.basis not in (basis, "total"):
        return f"figure {figure.id} is {figure.basis}; {name} is {basis}"
    return None


def outside_limits(value: Range, low: float | None, high: float | None) -> str | None:
    """Why a range breaks an input's min/max, or None."""
    if low is not None and value.low < low:
        return f"{plain(value.low)} is below the input's min {plain(low)}"
    if high is not None and value.high > high:
        return f"{plain(value.high)} is above the input's max {plain(high)}"
    return None


@dataclass(eq=False, repr=False)
class Correlation:
    __pydantic_config__ = FORBID
    between: list[Name]
    rank: AnyNumber
    note: Text

    def __post_init__(self) -> None:
        if len(self.between) != 2 or self.between[0] == self.between[1]:
            raise ValueError("between names two different inputs")
        if not -1 < self.rank < 1:
            raise ValueError("rank is a correlation between -1 and 1 (exclusive)")


@dataclass(eq=False, repr=False)
class AssumptionsFile:
    __pydantic_config__ = FORBID
    assumptions: dict[Name, InputSpec]
    correlations: list[Correlation] = field(default_factory=list)


@dataclass(eq=False, repr=False)
class ClaimInput:
    __pydantic_config__ = FORBID
    figure: Id | None = None
    take: Literal["value", "low", "high", "midpoint"] = "value"
    per: Id | None = None  # an exchange-rate figure the figure is divided by
    value: NonNegative | None = None
    unit: UnitText | None = None
    label: Label | None = None  # what a reader calls it where a hint names it
    note: Text | None = None

    def __post_init__(self) -> None:
        if (self.figure is None) == (self.value is None):
            raise ValueError("give either figure or value")
        if self.value is not None and (self.unit is None or not self.note):
            raise ValueError("a number of the claim's own needs its unit and a note saying which words imply it")


@dataclass(eq=False, repr=False)
class Comparison:
    __pydantic_config__ = FORBID
    text: Text
    below: AnyNumber | None = None
    above: AnyNumber | None = None

    def __post_init__(self) -> None:
        if self.below is None and self.above is None:
            raise ValueError("give below:, above: or both")


@dataclass(eq=False, repr=False)
class Candidate:
    """A reading from outside the article that would explain its claim: some inputs replaced."""

    __pydantic_config__ = FORBID
    says: Text
    inputs: dict[Name, Id | ClaimInput]


Test = Literal["equal", "at least", "at most", "between"]


@dataclass(kw_only=True, eq=False, repr=False)
class Claim:
    __pydantic_config__ = FORBID
    id: Id
    source: Id
    says: Text
    formula: Text
    inputs: dict[Name, Id | ClaimInput] = field(default_factory=dict)
    stated: Id | Comparison
    expect: Literal["reproduces", "unexplained"]
    test: Test | None = None
    ceiling: Positive | None = None
    within: list[Positive] | None = None
    words: Text | None = None
    round_to: Positive | None = None
    solve_for: list[Name] = field(default_factory=list)
    remainder: Name | None = None
    candidates: list[Candidate] = field(default_factory=list)
    note: Text | None = None

    def __post_init__(self) -> None:
        if self.ceiling is not None and self.test not in (None, "at least"):
            raise ValueError("ceiling goes with test: at least")
        if self.ceiling is not None and self.ceiling < 1:
            raise ValueError("ceiling is a factor of 1 or more: the stated figure times it is the most the value may be")
        if (self.test == "between") != (self.within is not None):
            raise ValueError("test: between goes with within: [low, high]")
        if self.within is not None and (len(self.within) != 2 or self.within[0] > self.within[1]):
            raise ValueError("within is [low, high], low <= high")
        if (self.ceiling is not None or self.within is not None) and not self.words:
            raise ValueError("give words: the article's words that set the ceiling or bounds")
        if isinstance(self.stated, Comparison) and (self.test or self.ceiling or self.within):
            raise ValueError("a comparison in words states its test with below: / above:")


@dataclass(eq=False, repr=False)
class SourcesFile:
    __pydantic_config__ = FORBID
    sources: list[Source]


@dataclass(kw_only=True, eq=False, repr=False)
class LeftOut:
    """A number an article states that is deliberately not a figure, in the article's words, and why."""

    __pydantic_config__ = FORBID
    source: Id
    text: Text
    why: Text


@dataclass(eq=False, repr=False)
class FiguresFile:
    __pydantic_config__ = FORBID
    figures: list[Figure]
    left_out: list[LeftOut] = field(default_factory=list)


@dataclass(eq=False, repr=False)
class ClaimsFile:
    __pydantic_config__ = FORBID
    claims: list[Claim]


@dataclass(kw_only=True, eq=False, repr=False)
class Setting:
    """One input as a scenario sets it: from a figure, an expression over figures, or numbers
    with a note."""

    __pydantic_config__ = FORBID
    figure: Id | None = None
    take: Literal["value", "low", "high", "midpoint", "range"] | None = None
    from_: Text | None = None
    value: AnyNumber | None = None
    low: AnyNumber | None = None
    high: AnyNumber | None = None
    note: Text | None = None
    distribution: Distribution | None = None
    mode: AnyNumber | None = None

    def __post_init__(self) -> None:
        numbers = (self.value, self.low, self.high) != (None, None, None)
        if not self.note:
            raise ValueError("every setting needs a note saying why (and where its numbers come from)")
        if self.figure is not None and self.from_ is not None:
            raise ValueError("give either figure or from:, not both")
        if self.figure is None and self.from_ is None:
            if self.take is not None:
                raise ValueError("take goes with figure")
            check_bounds(self.value, self.low, self.high)
        elif numbers:
            raise ValueError("give either a figure (with take), from:, or numbers, not more than one")


@dataclass(eq=False, repr=False)
class ScenarioFile:
    __pydantic_config__ = FORBID
    note: Text
    set: dict[Name, Setting]
