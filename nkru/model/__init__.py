"""What nkru's data is: the schema of the YAML files, the values calculations pass around, and
the Dataset the loader builds from them (validated, cross-checked, formulas compiled)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nkru.model.modelfile import ModelFile
from nkru.model.schema import (
    DISTRIBUTIONS,
    FLOOR_QUALIFIERS,
    ROLES,
    Claim,
    ClaimInput,
    Comparison,
    Correlation,
    Figure,
    InputSpec,
    ScenarioFile,
    Source,
    check_distribution,
)
from nkru.model.values import Input, Range, Row, check_bounds, plain

__all__ = [
    "DISTRIBUTIONS", "FLOOR_QUALIFIERS", "ROLES", "Claim", "ClaimInput", "Comparison", "Correlation", "Dataset",
    "Figure", "Input", "InputSpec", "ModelFile", "Quantity", "Range", "Row", "ScenarioFile", "Source",
    "check_bounds", "check_distribution", "plain",
]


@dataclass(eq=False, repr=False)
class Quantity:
    """A quantity of the model, compiled: its formula, and the factor that turns its value in
    base units into its declared unit (1/12 for years)."""

    id: str
    label: str
    unit: str
    formula: Any  # nkru.engine.expr.Compiled
    factor: float
    note: str | None = None


@dataclass(eq=False, repr=False)
class Dataset:
    """Everything nkru read, cross-checked: look-ups by id, and where each item was written."""

    sources: dict[str, Source]
    figures: dict[str, Figure]  # all figures, by id
    context_ids: frozenset[str]  # the figures read from context.yaml
    claims: tuple[Claim, ...]
    inputs: dict[str, InputSpec]
    derived: dict[str, Range]  # inputs given `from:` an expression, evaluated
    correlations: tuple[Correlation, ...]
    model: ModelFile
    quantities: dict[str, Quantity]
    registry: Any  # nkru.engine.units.Registry
    units: dict[str, Any]  # every name formulas can use -> its parsed nkru.engine.units.Unit
    claim_units: dict[str, Any]  # each claim's formula's unit, derived once at load
    unstated: tuple[Any, ...]  # Problems: input numbers their figures do not state (check reports, commands refuse)
    unquoted: tuple[Any, ...]  # Problems: figure numbers their own quotes do not state (check reports), found once at load
    left_out: tuple[Any, ...]  # schema.LeftOut: numbers the articles state that are deliberately not figures, and why
    clean_scenarios: frozenset[tuple[str, str]]  # (real path, sha256) of scenario files that resolved without a problem
    files: tuple[tuple[str, object], ...]  # (name as shown, Path)
    digests: tuple[tuple[str, str], ...]  # (name as shown, sha256 of the bytes read)
    locator: Any  # nkru.errors.Locator

    def article_figures(self) -> list[Figure]:
        return [f for f in self.figures.values() if f.id not in self.context_ids]

    def input_range(self, name: str) -> Range:
        spec = self.inputs[name]
        return self.derived[name] if spec.from_ is not None else Range.of(spec.value, spec.low, spec.high)

    def kind(self, name: str) -> str:
        """What a formula name refers to: input, quantity or figure."""
        if name in self.inputs:
            return "input"
        if name in self.quantities:
            return "quantity"
        return "figure"
