"""Pure calculations over model objects: no I/O, no rounding for display, no Rich."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

from nkru.errors import NkruError
from nkru.model import (
    ASSUMPTION_UNITS,
    FLOOR_QUALIFIERS,
    FORMULA_INPUTS,
    FORMULA_UNITS,
    Claim,
    ClaimInput,
    Comparison,
    Dataset,
    Figure,
    Override,
    Range,
    Result,
    factor,
)

FORMULAS: dict[str, Callable[..., float]] = {
    "annual_value_usd": lambda troops, monthly_pay_usd, months, bonus_usd: troops * (monthly_pay_usd * months + bonus_usd),
    "casualty_rate": lambda losses, troops: losses / troops,
    "ratio": lambda part, whole: part / whole,
    "deal_total": lambda arms_usd, troop_value_usd, other_usd: arms_usd + troop_value_usd + other_usd,
    "shortfall": lambda part, whole: whole - part,
    "years_to_equal": lambda part, whole: whole / part,
}
FORMULA_TEXT = {
    "annual_value_usd": "troops × (monthly_pay_usd × months + bonus_usd)",
    "casualty_rate": "losses ÷ troops",
    "ratio": "part ÷ whole",
    "deal_total": "arms_usd + troop_value_usd + other_usd",
}


def evaluate(formula: str, inputs: dict[str, Range]) -> Range:
    """Apply a formula to ranges: the central value from central inputs (None if one is missing),
    the bounds from every corner of the input box (exact for formulas monotone in each input)."""
    fn = FORMULAS[formula]
    names = list(inputs)
    try:
        central = None
        if all(inputs[n].value is not None for n in names):
            central = fn(**{n: inputs[n].value for n in names})
        corners = [fn(**dict(zip(names, combo))) for combo in itertools.product(*((inputs[n].low, inputs[n].high) for n in names))]
    except ZeroDivisionError:
        raise NkruError(f"{formula} divides by zero with these inputs ({_describe(inputs)})") from None
    return Range(central, min(corners), max(corners))


def _describe(inputs: dict[str, Range]) -> str:
    return ", ".join(f"{n}={r.low:g}" if r.is_point else f"{n}={r.low:g}..{r.high:g}" for n, r in inputs.items())


def solve(formula: str, inputs: dict[str, float], name: str, target: float) -> float | None:
    """The non-negative value of input `name` that makes the formula give `target`, holding the
    other inputs; None where no such value exists. Bisection on a doubling bracket: the formulas
    are monotone in each input, so one root is all there is."""
    fn = FORMULAS[formula]

    def gap(x: float) -> float:
        return fn(**{**inputs, name: x}) - target

    low, high = 1e-12, 1.0
    try:
        low_gap = gap(low)
        while math.copysign(1, gap(high)) == math.copysign(1, low_gap):
            high *= 2
            if high > 1e300:
                return None
        if low_gap == 0:
            return low
        for _ in range(300):
            middle = (low + high) / 2
            if middle in (low, high):
                break
            if math.copysign(1, gap(middle)) == math.copysign(1, low_gap):
                low = middle
            else:
                high = middle
    except ZeroDivisionError:
        return None
    return (low + high) / 2


# ---------------------------------------------------------------------------- assumptions


class Input(NamedTuple):
    """An assumption as a command uses it, with where it came from and how it is sampled."""

    name: str
    range: Range
    unit: str
    origin: str  # "data", "scenario NAME" or the --set text
    figures: tuple[str, ...]
    note: str | None
    distribution: str | None = None  # None: a point, or uniform over a range
    mode: float | None = None
    floor: bool = False

    @property
    def reading(self) -> str:
        """How a simulation reads this input, in words: the JSON and tables state it."""
        if self.floor:
            return "at least (no upper bound stated)"
        if self.range.is_point:
            return "point"
        return self.distribution or "uniform"


def inputs_for(ds: Dataset, overrides: list[Override]) -> dict[str, Input]:
    """The assumptions from the data, with this run's overrides applied (the last one wins)."""
    inputs = {
        name: Input(name, a.range, a.unit, "data", tuple(a.figures), a.note, a.distribution, a.mode)
        for name, a in ds.assumption_items()
    }
    for o in overrides:
        inputs[o.name] = Input(o.name, o.range, ASSUMPTION_UNITS[o.name], o.text, o.figures, o.note, o.distribution, o.mode, o.floor)
    return inputs


def sources_of(ds: Dataset, figure_ids: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The documents behind some figures: the quoting source, then those it cites, once each."""
    seen: dict[str, None] = {}
    for fid in figure_ids:
        figure = ds.figures[fid]
        seen.setdefault(figure.source)
        for cited in figure.cites:
            seen.setdefault(cited)
    return tuple(seen)


def _input_sources(ds: Dataset, inputs: dict[str, Input], names: tuple[str, ...]) -> tuple[str, ...]:
    return sources_of(ds, [fid for n in names for fid in inputs[n].figures])


def _set_by(inputs: dict[str, Input], names: tuple[str, ...]) -> dict[str, list[str]]:
    """The `--set` options a result depends on, so its provenance never hides an override."""
    return {"set_by": [inputs[n].origin for n in names if inputs[n].origin != "data"]}


# ---------------------------------------------------------------------------- deal value


def annual_value(ds: Dataset, inputs: dict[str, Input]) -> Result:
    names = tuple(FORMULA_INPUTS["annual_value_usd"])
    value = evaluate("annual_value_usd", {n: inputs[n].range for n in names})
    details = {"formula": FORMULA_TEXT["annual_value_usd"], "inputs": list(names)} | _set_by(inputs, names)
    return Result("annual_value_usd", "Annual value of the deployment", value, "USD per year", _input_sources(ds, inputs, names), details)


def per_denominator(ds: Dataset, inputs: dict[str, Input], formula: str, result_id: str, label: str, unit: str) -> list[Result]:
    """The result recomputed on each troop count an article states, the others held."""
    names = tuple(FORMULA_INPUTS[formula])
    results = []
    for figure in troop_counts(ds):
        ranges = {n: inputs[n].range for n in names} | {"troops": figure.range}
        sources = sources_of(ds, [figure.id] + [fid for n in names if n != "troops" for fid in inputs[n].figures])
        held = [n for n in names if n != "troops"]
        formula_text = FORMULA_TEXT[formula].replace("troops", figure.id)
        details = {"formula": formula_text, "troops_figure": figure.id, "inputs": held, "figures": [figure.id]} | _set_by(inputs, tuple(held))
        results.append(Result(f"{result_id}_on_{figure.id}", f"{label} on {_count(figure)} troops", evaluate(formula, ranges), unit, sources, details))
    return results


def troop_counts(ds: Dataset) -> list[Figure]:
    return [f for f in ds.article_figures() if f.quantity == "troops_deployed"]


def _count(figure: Figure) -> str:
    return f"{figure.value:,.0f}" if figure.value is not None else f"{figure.low:,.0f}–{figure.high:,.0f}"


class PriceComparison(NamedTuple):
    """The annual value set against one price: how much of it a year covers, and the gap."""

    figure: Figure
    ratio: Range
    shortfall: Range
    years_to_equal: Range


def compare_prices(ds: Dataset, annual: Range) -> tuple[list[PriceComparison], str | None]:
    """Each S-400 price against the annual value; a warning where the prices' bases differ."""
    rows = []
    for fid in ds.compare_with.s400_prices:
        figure = ds.figures[fid]
        price = figure.range
        pair = {"part": annual, "whole": price}
        rows.append(PriceComparison(figure, evaluate("ratio", pair), evaluate("shortfall", pair), evaluate("years_to_equal", pair)))
    bases = sorted({row.figure.basis for row in rows})
    warning = None
    if len(bases) > 1:
        warning = f"the prices are on different bases ({'; '.join(bases)}): a comparison across them is not like for like"
    return rows, warning


def deal_share(ds: Dataset, annual: Range) -> tuple[Figure, Range]:
    figure = ds.figures[ds.compare_with.total_deal]
    total = figure.range
    return figure, evaluate("ratio", {"part": annual, "whole": total})


# ---------------------------------------------------------------------------- casualties


class StatedBand(NamedTuple):
    """A casualty-rate band the article states, as fractions; high None means open-ended."""

    figure: Figure
    label: str
    low: float
    high: float | None
    low_inclusive: bool


class Placement(NamedTuple):
    """Where a rate falls: inside a stated band, or in a gap the article gives no label."""

    rate: float
    band: StatedBand | None
    below: StatedBand | None  # the nearest band under the rate, for a gap
    above: StatedBand | None  # the nearest band over the rate, for a gap


def bands(ds: Dataset) -> list[StatedBand]:
    result = []
    for entry in ds.bands:
        figure = ds.figures[entry.figure]
        to_fraction = factor(figure.unit, "fraction") if figure.unit == "percent" else 1.0
        if figure.value is None:
            result.append(StatedBand(figure, entry.label, figure.low * to_fraction, figure.high * to_fraction, True))
        elif figure.qualifier in FLOOR_QUALIFIERS:
            result.append(StatedBand(figure, entry.label, figure.value * to_fraction, None, figure.qualifier == "at least"))
        else:
            result.append(StatedBand(figure, entry.label, figure.value * to_fraction, figure.value * to_fraction, True))
    return sorted(result, key=lambda b: b.low)


def place(rate: float, stated: list[StatedBand]) -> Placement:
    """Classify a rate against the stated bands, never giving a gap a label the article lacks."""
    below = above = None
    for band in stated:
        above_low = rate >= band.low if band.low_inclusive else rate > band.low
        if above_low and (band.high is None or rate <= band.high):
            return Placement(rate, band, None, None)
        if above_low:
            below = band
        elif above is None:
            above = band
    return Placement(rate, None, below, above)


def casualty_rate(ds: Dataset, inputs: dict[str, Input]) -> tuple[Result, Placement, Placement]:
    names = tuple(FORMULA_INPUTS["casualty_rate"])
    rate = evaluate("casualty_rate", {n: inputs[n].range for n in names})
    stated = bands(ds)
    details = {"formula": FORMULA_TEXT["casualty_rate"], "inputs": list(names)} | _set_by(inputs, names)
    result = Result("casualty_rate", "Casualty rate (losses ÷ troops)", rate, "fraction", _input_sources(ds, inputs, names), details)
    return result, place(rate.low, stated), place(rate.high, stated)


# ---------------------------------------------------------------------------- claims


class ClaimInputValue(NamedTuple):
    name: str
    range: Range  # in the formula's unit
    figure: str | None
    take: str
    note: str | None


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
    inputs: list[ClaimInputValue]
    computed: Range  # in the stated unit
    stated: Range | None  # None for a comparison in words
    stated_unit: str
    holds: bool
    status: str  # reproduces, differs, unexplained
    implied: list[Implied]
    candidates: list[CandidateOutcome] = []

    @property
    def difference(self) -> Range | None:
        return None if self.stated is None else self.computed.minus(self.stated)


def claim_input(ds: Dataset, formula: str, name: str, spec: str | ClaimInput) -> ClaimInputValue:
    spec = spec if isinstance(spec, ClaimInput) else ClaimInput(figure=spec)
    unit = FORMULA_INPUTS[formula][name][0]
    if spec.figure is None:
        return ClaimInputValue(name, Range.point(spec.value * factor(spec.unit, unit)), None, "value", spec.note)
    figure = ds.figures[spec.figure]
    whole, from_unit = figure.range, figure.unit
    if spec.per is not None:  # a figure in another currency, at the exchange rate named
        whole, from_unit = whole.scaled(1 / ds.figures[spec.per].range.low), "USD"
    taken = {
        "value": whole,
        "low": Range.point(whole.low),
        "high": Range.point(whole.high),
        "midpoint": Range.point(whole.midpoint),
    }[spec.take]
    return ClaimInputValue(name, taken.scaled(factor(from_unit, unit)), figure.id, spec.take, spec.note)


def _rounded(x: float, step: float | None) -> float:
    return x if step is None else math.floor(x / step + 0.5) * step


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def reconcile(ds: Dataset, claim: Claim) -> ClaimOutcome:
    """Recompute a claim from its stated inputs and judge it against the stated figure."""
    inputs = [claim_input(ds, claim.formula, name, spec) for name, spec in claim.inputs.items()]
    raw = evaluate(claim.formula, {i.name: i.range for i in inputs})
    if isinstance(claim.stated, Comparison):
        unit = FORMULA_UNITS[claim.formula]
        computed, stated = raw, None
        holds = (raw.value if raw.value is not None else raw.high) < claim.stated.below
    else:
        figure = ds.figures[claim.stated]
        unit = figure.unit
        computed = raw.scaled(factor(FORMULA_UNITS[claim.formula], unit))
        stated = figure.range
        holds = _holds(computed, stated, figure.qualifier, claim.round_to)
    if holds:
        status = "reproduces"
    else:
        status = "differs" if claim.expect == "reproduces" else "unexplained"
    implied = [] if holds or stated is None else _implied(claim, inputs, stated, unit)
    candidates = [_candidate(ds, claim, c, stated, unit) for c in claim.candidates] if stated is not None else []
    return ClaimOutcome(claim, inputs, computed, stated, unit, holds, status, implied, candidates)


def _candidate(ds: Dataset, claim: Claim, candidate: Any, stated: Range, unit: str) -> CandidateOutcome:
    specs = claim.inputs | candidate.inputs
    values = [claim_input(ds, claim.formula, name, spec) for name, spec in specs.items()]
    computed = evaluate(claim.formula, {v.name: v.range for v in values}).scaled(factor(FORMULA_UNITS[claim.formula], unit))
    figures = tuple(dict.fromkeys(f for spec in candidate.inputs.values() for f in _spec_figures(spec)))
    return CandidateOutcome(candidate.says, computed, _holds(computed, stated, ds.figures[claim.stated].qualifier, claim.round_to), figures)


def _spec_figures(spec: str | ClaimInput) -> tuple[str, ...]:
    if isinstance(spec, str):
        return (spec,)
    return tuple(f for f in (spec.figure, spec.per) if f)


def _holds(computed: Range, stated: Range, qualifier: str, step: float | None) -> bool:
    if not stated.is_point:
        return _same(_rounded(computed.low, step), stated.low) and _same(_rounded(computed.high, step), stated.high)
    central = computed.value if computed.value is not None else computed.low
    if qualifier in FLOOR_QUALIFIERS:
        return _rounded(central, step) >= stated.low or _same(_rounded(central, step), stated.low)
    return computed.value is not None and _same(_rounded(computed.value, step), stated.low)


def _implied(claim: Claim, inputs: list[ClaimInputValue], stated: Range, unit: str) -> list[Implied]:
    if not stated.is_point or any(i.range.value is None for i in inputs):
        return []
    target = stated.low * factor(unit, FORMULA_UNITS[claim.formula])
    central = {i.name: i.range.value for i in inputs}
    return [
        Implied(name, solve(claim.formula, central, name, target), FORMULA_INPUTS[claim.formula][name][0])
        for name in claim.solve_for
    ]


# ---------------------------------------------------------------------------- commands


class Computed(NamedTuple):
    """Everything one computing command shows: inputs, results, the claims it audits."""

    command: str
    inputs: dict[str, Input]
    results: list[Result]
    claims: list[ClaimOutcome]
    warnings: list[str]
    placements: tuple[Placement, Placement] | None = None
    simulated: Any = None  # nkru.simulate.Simulated, with --simulate
    dollars: int | None = None  # with --dollars YEAR: USD results are in dollars of YEAR
    context: list[Result] | None = None  # with --context: rows from outside the articles


def _claims(ds: Dataset, formulas: set[str]) -> list[ClaimOutcome]:
    return [reconcile(ds, claim) for claim in ds.claims if claim.formula in formulas]


def deal_value(ds: Dataset, inputs: dict[str, Input]) -> Computed:
    """The annual value, on each stated troop count, against each S-400 price and the deal."""
    annual = annual_value(ds, inputs)
    results = [annual] + per_denominator(ds, inputs, "annual_value_usd", "annual_value_usd", "Annual value", "USD per year")
    comparisons, warning = compare_prices(ds, annual.range)
    for row in comparisons:
        figure = row.figure
        common = {"price_figure": figure.id, "basis": figure.basis, "as_of": figure.as_of, "inputs": annual.details["inputs"], "figures": [figure.id], "set_by": annual.details["set_by"]}
        sources = tuple(dict.fromkeys(annual.sources + sources_of(ds, [figure.id])))
        results += [
            Result(f"ratio_to_{figure.id}", f"Share of {figure.id} one year covers", row.ratio, "fraction", sources, common | {"measure": "ratio", "formula": f"annual_value_usd ÷ {figure.id}"}),
            Result(f"shortfall_to_{figure.id}", f"Shortfall of one year against {figure.id}", row.shortfall, "USD", sources, common | {"measure": "shortfall", "formula": f"{figure.id} − annual_value_usd"}),
            Result(f"years_to_equal_{figure.id}", f"Years of deployment to equal {figure.id}", row.years_to_equal, "years", sources, common | {"measure": "years_to_equal", "formula": f"{figure.id} ÷ annual_value_usd"}),
        ]
    figure, share = deal_share(ds, annual.range)
    results.append(Result(
        "share_of_total_deal", f"Share of the total deal ({figure.id}, {figure.qualifier}) one year makes up", share, "fraction",
        tuple(dict.fromkeys(annual.sources + sources_of(ds, [figure.id]))),
        {"total_figure": figure.id, "qualifier": figure.qualifier, "formula": f"annual_value_usd ÷ {figure.id}", "inputs": annual.details["inputs"], "figures": [figure.id], "set_by": annual.details["set_by"]},
    ))
    used = {n: inputs[n] for n in FORMULA_INPUTS["annual_value_usd"]}
    return Computed("deal-value", used, results, _claims(ds, {"annual_value_usd", "ratio", "deal_total"}), [warning] if warning else [])


def casualties(ds: Dataset, inputs: dict[str, Input]) -> Computed:
    """The casualty rate, its ends placed against the stated bands, on each troop count."""
    rate, low_end, high_end = casualty_rate(ds, inputs)
    results = [rate] + per_denominator(ds, inputs, "casualty_rate", "casualty_rate", "Casualty rate", "fraction")
    used = {n: inputs[n] for n in FORMULA_INPUTS["casualty_rate"]}
    return Computed("casualties", used, results, _claims(ds, {"casualty_rate"}), [], (low_end, high_end))


def all_results(ds: Dataset, inputs: dict[str, Input]) -> dict[str, Result]:
    """Every result nkru computes, by id: what `nkru explain` can trace."""
    return {r.id: r for c in (deal_value(ds, inputs), casualties(ds, inputs)) for r in c.results}


# ---------------------------------------------------------------------------- sensitivity, solve

# The result each computing command is about, and its formula.
HEADLINE = {"deal-value": "annual_value_usd", "casualties": "casualty_rate"}


def central(item: Input) -> float:
    """An input's central value: the one stated, else the middle of its range."""
    return item.range.value if item.range.value is not None else item.range.midpoint


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


def one_at_a_time(formula: str, inputs: dict[str, Input]) -> tuple[float, list[Swing]]:
    """The result at central inputs, and each ranged input's swing, largest first."""
    fn = FORMULAS[formula]
    held = {name: central(inputs[name]) for name in FORMULA_INPUTS[formula]}
    swings = [
        Swing(name, inputs[name].range.low, inputs[name].range.high, fn(**(held | {name: inputs[name].range.low})), fn(**(held | {name: inputs[name].range.high})))
        for name in FORMULA_INPUTS[formula] if not inputs[name].range.is_point
    ]
    return fn(**held), sorted(swings, key=lambda s: s.swing, reverse=True)


class Solution(NamedTuple):
    result_id: str
    target: float
    name: str
    value: float | None
    held: dict[str, float]


def solve_for(result_id: str, target: float, name: str, inputs: dict[str, Input]) -> Solution:
    """The value of input `name` that makes a headline result hit `target`, the rest held at
    their stated values (the solver the claims reconciliation uses)."""
    if result_id not in FORMULAS or result_id not in HEADLINE.values():
        raise NkruError(f"cannot solve for {result_id}: solve works on {', '.join(HEADLINE.values())}")
    params = FORMULA_INPUTS[result_id]
    if name not in params:
        raise NkruError(f"--for {name}: {result_id} depends on {', '.join(params)}")
    held = {}
    for other in params:
        if other != name:
            if inputs[other].range.value is None:
                raise NkruError(f"{other} has only a range here; give it a value to hold it at (--set {other}=VALUE)")
            held[other] = inputs[other].range.value
    return Solution(result_id, target, name, solve(result_id, held | {name: 0.0}, name, target), held)
