"""Which input moves a quantity most, and what one input must be for a quantity to hit a
target: one-at-a-time swings and the solver, over any quantity of the model."""

from __future__ import annotations

import math
from typing import NamedTuple

from nkru.engine import expr, graph
from nkru.errors import NkruError, UsageError, suggest
from nkru.model import Dataset, Input, Range
from nkru.model.schema import outside_limits


class Swing(NamedTuple):
    """How far the result moves when one input goes from its low to its high, the rest held."""

    name: str
    low: float
    high: float
    at_low: float
    at_high: float

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)


def check_quantity(ds: Dataset, qid: str, what: str) -> None:
    """UsageError unless `qid` is a quantity of the model, with the closest one suggested."""
    if qid not in ds.quantities:
        hint = suggest(qid, ds.quantities) or f" (known: {', '.join(ds.quantities)})"
        raise UsageError(f"{what}: unknown quantity '{qid}'{hint}; `nkru calc` lists them")


def _held(ds: Dataset, qid: str, inputs: dict[str, Input]) -> dict[str, float]:
    """Every input and figure a quantity uses at its central value, in base units."""
    names, figures = graph.leaves(ds, qid)
    own = {n: inputs[n].range.central for n in names} | {f: ds.figures[f].range.central for f in figures}
    return {n: v * graph.scale(ds, n) for n, v in own.items()}


def one_at_a_time(ds: Dataset, qid: str, inputs: dict[str, Input]) -> tuple[float, list[Swing]]:
    """The quantity at central inputs, and each ranged input's swing, largest first; every
    number in its own unit."""
    held = _held(ds, qid, inputs)
    out = 1 / graph.scale(ds, qid)

    def value(env: dict[str, float]) -> float:
        try:
            value = float(graph.at(ds, qid, env)) * out
        except expr.ExprError as error:
            raise NkruError(f"{qid} cannot be computed at the inputs' central values: {error}") from None
        if not math.isfinite(value):
            raise NkruError(f"{qid} is too large to compute (it overflows); check the inputs' magnitudes")
        return value

    swings = []
    for name in graph.leaves(ds, qid)[0]:
        r: Range = inputs[name].range
        if r.is_point:
            continue
        k = graph.scale(ds, name)
        swings.append(Swing(name, r.low, r.high, value(held | {name: r.low * k}), value(held | {name: r.high * k})))
    return value(held), sorted(swings, key=lambda s: s.swing, reverse=True)


class Solution(NamedTuple):
    result_id: str
    target: float
    name: str
    value: float | None
    held: dict[str, float]
    outside: str | None = None  # why the value breaks the input's min/max, if it does


def solve_for(ds: Dataset, qid: str, target: float, name: str, inputs: dict[str, Input]) -> Solution:
    """The value of input `name` that makes quantity `qid` hit `target`, the other inputs held
    at their stated values (the solver the claims reconciliation uses)."""
    check_quantity(ds, qid, f"solve {qid}")
    params, figures = graph.leaves(ds, qid)
    if name not in params:
        raise UsageError(f"--for {name}: {qid} depends on {', '.join(params)}{suggest(name, params)}")
    held: dict[str, float] = {}
    for other in params:
        if other != name:
            value = inputs[other].range.value
            if value is None:
                raise NkruError(f"{other} has only a range here; give it a value to hold it at (--set {other}=VALUE)")
            held[other] = value
    fixed = {f: ds.figures[f].range.central for f in figures}
    value = graph.solve(ds, qid, held | fixed, name, target)
    spec = ds.inputs[name]
    outside = None if value is None else outside_limits(Range.point(value), spec.min, spec.max)
    return Solution(qid, target, name, value, held, outside)
