"""The model as a graph: each quantity's formula over inputs, figures and other quantities.

The same compiled formulas are evaluated three ways: on ranges (the bounds tables show), on
floats (solve, sensitivity) and on numpy arrays (simulation). Every number a formula sees is in
base units (a year is 12 months, a percent 0.01), so a model may mix units of one dimension;
`scale` converts a name's own unit to base, and a result back. Generic over any model: no
domain name appears here.

Range semantics: a quantity's bounds are exact where its own formula's bounds are exact (it
uses each name once, or is monotone in each), the quantities it uses are exact, and no two of
the names it uses depend on a common input; otherwise they are a sound enclosure.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from typing import Any, cast

from nkru.engine import expr, intervals
from nkru.errors import DataError, NkruError
from nkru.model import Dataset, Range


def needed(ds: Dataset, names: tuple[str, ...] | list[str]) -> list[str]:
    """The quantities `names` use, directly or not, each after those it uses."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in ds.quantities and name not in order:
            for dep in ds.quantities[name].formula.names:
                visit(dep)
            order.append(name)

    for name in names:
        visit(name)
    return order


def leaves(ds: Dataset, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(inputs, figures) a name depends on, in the order the formulas name them."""
    inputs: dict[str, None] = {}
    figures: dict[str, None] = {}
    for qid in [name] if name not in ds.quantities else needed(ds, [name]):
        for dep in ds.quantities[qid].formula.names if qid in ds.quantities else [qid]:
            if dep in ds.figures and dep not in ds.inputs:
                figures.setdefault(dep)
            elif dep not in ds.quantities:  # an input, or a name a claim binds
                inputs.setdefault(dep)
    return tuple(inputs), tuple(figures)


def figure_ranges(ds: Dataset, names: tuple[str, ...] | list[str]) -> dict[str, Range]:
    """The ranges of every figure the names use."""
    out: dict[str, Range] = {}
    for name in names:
        for fid in leaves(ds, name)[1]:
            out[fid] = ds.figures[fid].range
    return out


def bounds(ds: Dataset, names: list[str], env: Mapping[str, Range]) -> dict[str, tuple[Range, bool]]:
    """Each quantity named (and those it uses): its range in base units and whether the bounds
    are exact. `env` holds the ranges of the inputs and figures they use, in base units."""
    known: ChainMap[str, Range] = ChainMap({}, cast(MutableMapping, env))  # not a copy: env may hold 100,000 figures
    out: dict[str, tuple[Range, bool]] = {}
    for qid in needed(ds, names):
        q = ds.quantities[qid]
        try:
            value, exact = intervals.bounds(q.formula, {n: known[n] for n in q.formula.names})
            _finite(qid, value)
        except expr.ExprError as error:
            # Located at the formula in model.yaml, with the inputs it met, so the user can see which one is at fault.
            message = f"{expr.show(q.formula)}: {error}" + (f" ({_describe(q.formula.names, known)})" if q.formula.names else "")
            raise DataError([ds.locator.problem("quantities", qid, ("formula",), message)]) from None
        exact = exact and all(out[d][1] for d in q.formula.names if d in out) and _disjoint(ds, q.formula.names, env)
        known[qid] = value
        out[qid] = (value, exact)
    return out


def bounds_of(ds: Dataset, c: expr.Compiled, env: Mapping[str, Range], label: str) -> tuple[Range, bool]:
    """An expression over quantities, inputs and figures (a comparison's measure, a claim), on
    ranges: the quantities it uses are computed first from `env`."""
    quantities = [n for n in c.names if n in ds.quantities and n not in env]
    computed = bounds(ds, quantities, env)
    known = ChainMap({q: r for q, (r, _) in computed.items()}, cast(MutableMapping, env))
    try:
        value, exact = intervals.bounds(c, {n: known[n] for n in c.names})
        _finite(label, value)
    except expr.ExprError as error:
        zero = "; the inputs behind it leave it undefined: give them values that keep it above 0 (--set NAME=VALUE)" if "by zero" in str(error) else ""
        raise NkruError(f"{label} = {expr.show(c)}: {error}" + (f" ({_describe(c.names, known)})" if c.names else "") + zero) from None
    exact = exact and all(computed[q][1] for q in quantities) and _disjoint(ds, c.names, env)
    return value, exact


def _finite(qid: str, value: Range) -> None:
    numbers = [value.low, value.high] + ([] if value.value is None else [value.value])
    if not all(math.isfinite(x) for x in numbers):
        raise expr.ExprError(f"{qid} is too large to compute (it overflows); check the inputs' magnitudes")


def _disjoint(ds: Dataset, names: tuple[str, ...], env: Mapping[str, Range]) -> bool:
    """Whether no two of the names depend on a common ranged input or figure: a point shared
    by two branches cannot widen the bounds, a range can."""
    seen: set[str] = set()
    for name in names:
        inputs, figures = leaves(ds, name)
        mine = {n for n in (*inputs, *figures) if n in env and not env[n].is_point}
        if mine & seen:
            return False
        seen |= mine
    return True


def _describe(names: tuple[str, ...], known: Mapping[str, Range]) -> str:
    from nkru.model import plain

    parts = []
    for n in names:
        r = known[n]
        parts.append(f"{n}={plain(r.low)}" if r.is_point else f"{n}={plain(r.low)}..{plain(r.high)}")
    return ", ".join(parts)


def at(ds: Dataset, name: str, env: Mapping[str, Any]) -> Any:
    """The value of one quantity, in base units, at the given input and figure values in base
    units (floats or arrays)."""
    known: dict[str, Any] = dict(env)
    for qid in needed(ds, [name]):
        known[qid] = expr.evaluate(ds.quantities[qid].formula, known)
    return known[name]


def value_of(ds: Dataset, c: expr.Compiled, env: Mapping[str, Any]) -> Any:
    """An expression over quantities, inputs and figures at values in base units (floats or arrays)."""
    known: dict[str, Any] = dict(env)
    for qid in needed(ds, [n for n in c.names if n in ds.quantities and n not in env]):
        known[qid] = expr.evaluate(ds.quantities[qid].formula, known)
    return expr.evaluate(c, known)


def scale(ds: Dataset, name: str) -> float:
    """How many base units one of the name's own units is (12 for years, 0.01 for percent)."""
    unit = ds.units.get(name)
    return float(unit.scale) if unit is not None else 1.0


def to_base(ds: Dataset, ranges: Mapping[str, Range]) -> dict[str, Range]:
    """Ranges in each name's own unit, in base units."""
    return {name: r.scaled(scale(ds, name)) for name, r in ranges.items()}


def solve(ds: Dataset, name: str, held: Mapping[str, float], unknown: str, target: float) -> float | None:
    """The value of input `unknown` that makes quantity `name` equal `target`, the rest held;
    every number in its own unit."""
    base = {n: v * scale(ds, n) for n, v in held.items()}
    k, q = scale(ds, unknown), scale(ds, name)
    x = intervals.root(lambda x: float(at(ds, name, {**base, unknown: x * k})) / q, target)
    return x
