"""Scenarios side by side: for each column (a scenario's inputs), every command's rows and every
quantity of the model, lined up by id with each column's difference from the first."""

from __future__ import annotations

from typing import NamedTuple

from nkru.compute import Computed, calc, command
from nkru.model import Dataset, Input, Range


class Compared(NamedTuple):
    """One row of the comparison: what it is, and each column's range and difference."""

    id: str
    label: str
    unit: str
    values: list[Range | None]  # per column; None where the column has no such row
    differences: list[Range | None]  # against the first column; None for the first itself


def everything(ds: Dataset, inputs: dict[str, Input]) -> list[Computed]:
    """Each command's rows, then every quantity of the model (an analyst's own included)."""
    return [*(command(ds, name, inputs) for name in ds.model.commands), calc(ds, list(ds.quantities), inputs)]


def compare(columns: list[list[Computed]]) -> list[Compared]:
    """One row per input, then per result a reader looks at first (each command's headline and
    results, its comparison against the first figure, then every other quantity)."""
    first = columns[0]
    idents: dict[str, None] = {}
    for computed in first:
        idents.update(dict.fromkeys(computed.inputs))
    for computed in first:
        idents.update(dict.fromkeys(r.id for r in computed.results if r.measure is None and not r.variant))
        if computed.comparison:
            idents.update(dict.fromkeys(r.id for r in computed.comparison.groups[0][1][0].rows))
    rows = []
    for ident in idents:
        found = [_find(column, ident) for column in columns]
        label, unit = next(((f[0], f[1]) for f in found if f is not None), (ident, ""))
        values = [f[2] if f is not None else None for f in found]
        base = values[0]
        differences = [None] + [v.minus(base) if v is not None and base is not None else None for v in values[1:]]
        rows.append(Compared(ident, label, unit, values, differences))
    return rows


def _find(computed: list[Computed], ident: str) -> tuple[str, str, Range] | None:
    for c in computed:
        if ident in c.inputs:
            item = c.inputs[ident]
            return ident, item.unit, item.range
        for r in c.results:
            if r.id == ident:
                return r.label, r.unit, r.range
    return None
