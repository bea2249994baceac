"""Claims as tests over expressions: recompute what an article derives from the inputs it
states, and judge the result by the test the article's words imply."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from nkru.engine import expr, graph, intervals, units
from nkru.errors import NkruError
from nkru.model import FLOOR_QUALIFIERS, Claim, ClaimInput, Comparison, Dataset, Range


class Binding(NamedTuple):
    """One claim input: its numbers in the unit the formula uses, and where they come from."""

    name: str
    range: Range  # in `unit`
    unit: Any  # nkru.engine.units.Unit: the model input's of that name, else the binding's own
    base: Range  # in base units, as formulas read it
    figure: str | None
    per: str | None
    take: str
    note: str | None


def spec_of(spec: str | ClaimInput) -> ClaimInput:
    """A claim input written as a bare figure id, as the mapping it stands for."""
    return spec if isinstance(spec, ClaimInput) else ClaimInput(figure=spec)


def input_figures(inputs: dict[str, str | ClaimInput]) -> tuple[str, ...]:
    """The figure ids a claim's (or a candidate's) inputs read, exchange rates included, once each."""
    return tuple(dict.fromkeys(f for given in inputs.values() for f in (spec_of(given).figure, spec_of(given).per) if f))


def binding_unit(ds: Dataset, spec: ClaimInput) -> Any:
    """The unit of a binding as given: the figure's (divided by the rate's with per:), or its own."""
    if spec.figure is None:
        return ds.registry.parse(spec.unit)
    unit = ds.units[spec.figure]
    return units.divide(unit, ds.units[spec.per]) if spec.per else unit


def bind(ds: Dataset, name: str, given: str | ClaimInput) -> Binding:
    """A claim input's numbers, converted to the unit of the model input of that name (if any)."""
    spec = spec_of(given)
    unit = binding_unit(ds, spec)
    if spec.figure is None:
        whole = Range.point(float(spec.value or 0.0))
    else:
        whole = ds.figures[spec.figure].range
        if spec.per is not None:
            rate = ds.figures[spec.per].range.low
            if not rate > 1e-300:  # 0, or so near it that dividing overflows
                raise NkruError(f"per: {spec.per} is an exchange rate of {rate:g}; it must be above 0")
            whole = whole.scaled(1 / rate)
    taken = whole.take(spec.take)
    base = taken.scaled(unit.scale)
    if name in ds.inputs:
        target = ds.units[name]
        taken, unit = taken.scaled(units.factor(unit, target)), target
    return Binding(name, taken, unit, base, spec.figure, spec.per, spec.take, spec.note)


def formula_of(claim: Claim) -> expr.Compiled:
    """The claim's formula, compiled (cached: the same text compiles once)."""
    return expr.compile_expr(claim.formula)


def evaluate(ds: Dataset, claim: Claim, bindings: dict[str, Binding]) -> Range:
    """The claim's formula on its bindings, in base units (its unit, derived at load, is
    ds.claim_units[claim.id])."""
    c = formula_of(claim)
    env = graph.to_base(ds, graph.figure_ranges(ds, c.names)) | {n: b.base for n, b in bindings.items()}
    value, _ = graph.bounds_of(ds, c, env, claim.id)
    return value


class Implied(NamedTuple):
    """What one input would have to be for the claim's stated figure to come out."""

    name: str
    value: float | None
    unit: str


class CandidateOutcome(NamedTuple):
    """A context reading of a claim, recomputed: never the article's own method."""

    says: str
    computed: Range  # in the stated unit
    holds: bool
    figures: tuple[str, ...]


class ClaimOutcome(NamedTuple):
    claim: Claim
    inputs: list[Binding]
    computed: Range  # in the stated unit
    stated: Range | None  # None for a comparison in words
    stated_unit: str
    holds: bool
    status: str  # reproduces, differs, unexplained
    test: str  # the test applied, in words
    implied: list[Implied]
    candidates: list[CandidateOutcome] = []

    @property
    def difference(self) -> Range | None:
        return None if self.stated is None else self.computed.minus(self.stated)


def test_of(ds: Dataset, claim: Claim) -> str:
    """The test the article's words imply: stated in the claim, else read from the qualifier."""
    if isinstance(claim.stated, Comparison):
        return "comparison"
    if claim.test:
        return claim.test
    return "at least" if ds.figures[claim.stated].qualifier in FLOOR_QUALIFIERS else "equal"


def _rounded(x: float, step: float | None) -> float:
    return x if step is None else math.floor(x / step + 0.5) * step


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def holds(claim: Claim, test: str, computed: Range, stated: Range) -> bool:
    """Whether a recomputed range passes the claim's test against the stated figure."""
    step = claim.round_to
    central = computed.value if computed.value is not None else computed.low
    if test == "equal":
        if not stated.is_point:
            return _same(_rounded(computed.low, step), stated.low) and _same(_rounded(computed.high, step), stated.high)
        return computed.value is not None and _same(_rounded(computed.value, step), stated.low)
    x = _rounded(central, step)
    if test == "at least":
        floor_ok = x >= stated.low or _same(x, stated.low)
        return floor_ok and (claim.ceiling is None or x <= stated.high * claim.ceiling or _same(x, stated.high * claim.ceiling))
    if test == "at most":
        return x <= stated.high or _same(x, stated.high)
    low, high = claim.within or (1.0, 1.0)
    return stated.low > 0 and low <= central / stated.low <= high


def compared(claim: Claim, computed: Range) -> bool:
    """Whether a recomputed value passes a comparison made in words (below / above a number)."""
    stated = claim.stated
    assert isinstance(stated, Comparison)
    central = computed.value if computed.value is not None else computed.high
    return (stated.below is None or central < stated.below) and (stated.above is None or central > stated.above)


def reconcile(ds: Dataset, claim: Claim) -> ClaimOutcome:
    """Recompute a claim from its stated inputs and judge it against the stated figure."""
    bindings = {name: bind(ds, name, spec) for name, spec in claim.inputs.items()}
    raw = evaluate(ds, claim, bindings)
    unit = ds.claim_units[claim.id]
    test = test_of(ds, claim)
    if isinstance(claim.stated, Comparison):
        computed, stated, stated_unit = raw, None, ds.registry.show(unit._replace(scale=1.0))
        ok = compared(claim, raw)
    else:
        figure = ds.figures[claim.stated]
        stated_unit = figure.unit
        computed = raw.scaled(1 / ds.units[figure.id].scale)
        stated = figure.range
        ok = holds(claim, test, computed, stated)
    status = "reproduces" if ok else "differs" if claim.expect == "reproduces" else "unexplained"
    implied = [] if ok or stated is None else _implied(ds, claim, bindings, stated)
    candidates = [_candidate(ds, claim, c, stated, test) for c in claim.candidates] if stated is not None else []
    return ClaimOutcome(claim, list(bindings.values()), computed, stated, stated_unit, ok, status, test, implied, candidates)


def _candidate(ds: Dataset, claim: Claim, candidate: Any, stated: Range, test: str) -> CandidateOutcome:
    specs = claim.inputs | candidate.inputs
    bindings = {name: bind(ds, name, spec) for name, spec in specs.items()}
    raw = evaluate(ds, claim, bindings)
    computed = raw.scaled(1 / ds.units[str(claim.stated)].scale)
    return CandidateOutcome(candidate.says, computed, holds(claim, test, computed, stated), input_figures(candidate.inputs))


def _implied(ds: Dataset, claim: Claim, bindings: dict[str, Binding], stated: Range) -> list[Implied]:
    if not stated.is_point or any(b.base.value is None for b in bindings.values()):
        return []
    target = stated.low * ds.units[str(claim.stated)].scale
    c = formula_of(claim)
    env = {n: r.central for n, r in graph.to_base(ds, graph.figure_ranges(ds, c.names)).items()}
    env |= {name: float(b.base.value) for name, b in bindings.items() if b.base.value is not None}  # all are, by the check above
    out = []
    for name in claim.solve_for:
        k = bindings[name].unit.scale

        def at(x: float, name: str = name, k: float = k) -> float:
            return float(graph.value_of(ds, c, env | {name: x * k}))

        out.append(Implied(name, intervals.root(at, target), ds.registry.show(bindings[name].unit)))
    return out
