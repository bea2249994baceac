"""The schema of model.yaml: quantities, bands, comparisons, commands and context rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from nkru.model.schema import FORBID, AnyNumber, Flag, Id, Label, Name, Text, UnitText

PLACEHOLDER = re.compile(r"\{([^}]*)\}")  # {name}, {name.value}, {name.range} or {bands} in an answer


def variant_id(headline: str, figure: str) -> str:
    """The id of the headline recomputed with its varied input taken from a figure."""
    return f"{headline}_on_{figure}"


def measure_id(measure: str, figure: str) -> str:
    """The id of a comparison's measure against one figure."""
    return f"{measure}_{figure}"


@dataclass(eq=False, repr=False)
class QuantitySpec:
    __pydantic_config__ = FORBID
    label: Label
    formula: Text
    unit: UnitText
    note: Text | None = None
    min: AnyNumber | None = None  # a value outside min..max cannot be right: the output says so
    max: AnyNumber | None = None


@dataclass(eq=False, repr=False)
class Band:
    __pydantic_config__ = FORBID
    figure: Id
    label: Label


@dataclass(eq=False, repr=False)
class Bands:
    __pydantic_config__ = FORBID
    title: Text
    bands: list[Band]
    column: Text = "Value"

    def __post_init__(self) -> None:
        if not self.bands:
            raise ValueError("name at least one band")


@dataclass(eq=False, repr=False)
class Measure:
    __pydantic_config__ = FORBID
    column: Text
    label: Label
    formula: Text
    unit: UnitText
    detail: Flag = False  # a column shown only with --full (always in JSON, CSV and the report)


@dataclass(kw_only=True, eq=False, repr=False)
class ContextRow:
    __pydantic_config__ = FORBID
    id: Name
    label: Label
    formula: Text
    unit: UnitText
    compares_with: Id | None = None
    basis: Text | None = None
    commands: list[Text] = field(default_factory=list)  # a model-wide row: the commands it is shown by (none: every one)


@dataclass(eq=False, repr=False)
class ComparisonSpec:
    __pydantic_config__ = FORBID
    title: Text
    quantity: Name
    against: list[Id]
    measures: dict[Name, Measure]
    context: list[ContextRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.against:
            raise ValueError("name at least one figure to compare against")


@dataclass(eq=False, repr=False)
class Variants:
    __pydantic_config__ = FORBID
    input: Name
    figures: list[Id]
    label: Label
    labels: dict[Id, Text] = field(default_factory=dict)  # a figure's own label, where the template would mislead


@dataclass(kw_only=True, eq=False, repr=False)
class CommandSpec:
    __pydantic_config__ = FORBID
    headline: Name
    results: list[Name]
    variants: Variants | None = None
    comparison: Name | None = None
    bands: Name | None = None
    claims: list[Id] = field(default_factory=list)
    answer: Label | None = None  # the answer in a sentence or two, {name} for a number with its sources


@dataclass(eq=False, repr=False)
class ModelFile:
    __pydantic_config__ = FORBID
    quantities: dict[Name, QuantitySpec]
    units: dict[Text, Text | None] = field(default_factory=dict)
    bands: dict[Name, Bands] = field(default_factory=dict)
    comparisons: dict[Name, ComparisonSpec] = field(default_factory=dict)
    commands: dict[Literal["deal-value", "casualties"], CommandSpec] = field(default_factory=dict)
    context: list[ContextRow] = field(default_factory=list)
    price_index: Name | None = None  # the quantity of the yearly figures --dollars restates US dollars by


