"""What a computing command shows, built from the model in data: the inputs after this run's
overrides, each result row with its sources, the variants, comparisons, bands and claims a
command declares in model.yaml. Pure: no I/O, no rounding for display, no Rich."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from nkru.engine import expr, graph
from nkru.engine.bands import Placement, place, stated_bands
from nkru.engine.claims import ClaimOutcome, reconcile
from nkru.errors import NkruError, UsageError
from nkru.model import Dataset, Figure, Input, Range, Row, plain
from nkru.model.modelfile import measure_id, variant_id


def inputs_for(ds: Dataset, overrides: list[Input]) -> dict[str, Input]:
    """The inputs from the data, with this run's overrides applied (the last one wins)."""
    inputs = {}
    for name, spec in ds.inputs.items():
        figures = tuple(spec.figures) if spec.from_ is None else tuple(n for n in expr.compile_expr(spec.from_).names)
        inputs[name] = Input(name, ds.input_range(name), spec.unit, "data", figures, spec.note, spec.distribution, spec.mode, derived=spec.from_)
    for o in overrides:
        inputs[o.name] = o
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


class Ranges(Mapping[str, Range]):
    """The inputs' ranges, then every figure's, each figure's made when a formula first reads
    it (in its own unit, or in base units): a run reads a handful of 100,000 figures."""

    def __init__(self, ds: Dataset, given: Mapping[str, Range], base: bool) -> None:
        self._ds, self._given, self._base = ds, given, base
        self._made: dict[str, Range] = {}

    def __getitem__(self, name: str) -> Range:
        if name in self._given:
            return self._given[name]
        if name not in self._made:
            r = self._ds.figures[name].range  # KeyError for a name that is not a figure, as a dict would
            self._made[name] = r.scaled(graph.scale(self._ds, name)) if self._base else r
        return self._made[name]

    def __contains__(self, name: object) -> bool:
        return name in self._given or name in self._ds.figures

    def __iter__(self) -> Iterator[str]:
        return itertools.chain(self._given, (f for f in self._ds.figures if f not in self._given))

    def __len__(self) -> int:
        return len(self._given) + sum(1 for f in self._ds.figures if f not in self._given)

    def __or__(self, more: Mapping[str, Range]) -> Ranges:
        return Ranges(self._ds, {**self._given, **more}, self._base)


class Env(NamedTuple):
    """The ranges formulas read this run (inputs and figures, restated with --dollars): in base
    units, and in each name's own unit (for sampling)."""

    ranges: Ranges
    inputs: dict[str, Input]
    restater: Any  # nkru.money.Restater, with --dollars
    own: Ranges
    nominal: Ranges  # in base units, not restated: for rows whose money cannot all be restated


def env_for(ds: Dataset, inputs: dict[str, Input], dollars: int | None = None) -> Env:
    """The ranges formulas read this run: the inputs and every figure, restated with --dollars."""
    given = {name: item.range for name, item in inputs.items()}
    own, nominal = Ranges(ds, given, base=False), Ranges(ds, graph.to_base(ds, given), base=True)
    if dollars is None:
        return Env(nominal, inputs, None, own, nominal)
    from nkru.money import Restater

    # Restated all at once: which amounts cannot be restated is known before any row asks.
    restater = Restater(ds, inputs, dollars)
    restated = restater.restate(dict(own))
    return Env(Ranges(ds, graph.to_base(ds, restated), base=True), inputs, restater, Ranges(ds, restated, base=False), nominal)


def row(ds: Dataset, env: Env, rid: str, label: str, c: expr.Compiled, unit: str, **extra: Any) -> Row:
    """One result: an expression's range in its unit, with every source and override behind it."""
    leaves = [n for name in c.names for n in (*graph.leaves(ds, name)[0], *graph.leaves(ds, name)[1])]
    dollars = env.restater.year_of(tuple(dict.fromkeys(leaves))) if env.restater else None
    # A row whose money cannot all be restated stays wholly nominal: never a ratio of restated to nominal.
    value, exact = graph.bounds_of(ds, c, env.nominal if dollars == "nominal" else env.ranges, rid)
    factor = 1.0 / float(ds.registry.parse(unit).scale)
    names: dict[str, None] = {}
    for name in c.names:
        names.update(dict.fromkeys(graph.leaves(ds, name)[0] if name in ds.quantities or name in ds.inputs else ()))
    used = tuple(n for n in names if n in env.inputs)
    direct = tuple(dict.fromkeys(f for name in c.names for f in graph.leaves(ds, name)[1]))
    figure_ids = [f for n in used for f in env.inputs[n].figures] + list(direct)
    set_by = tuple(env.inputs[n].origin for n in used if env.inputs[n].origin != "data")
    alone = len(c.names) == 1 and c.text.strip() == c.names[0] and c.names[0] in ds.quantities
    formula = ds.quantities[c.names[0]].formula.text if alone else c.text
    return Row(rid, label, value.scaled(factor), unit, sources_of(ds, figure_ids), formula, used, direct, set_by, exact, dollars=dollars, **extra)


def quantity_row(ds: Dataset, env: Env, qid: str) -> Row:
    """A quantity of the model as a result row."""
    q = ds.quantities[qid]
    return row(ds, env, qid, q.label, expr.compile_expr(qid), q.unit)


def variant_rows(ds: Dataset, env: Env, headline: str, spec: Any) -> list[Row]:
    """The headline recomputed with one input taken from each of some figures, the rest held."""
    out = []
    q = ds.quantities[headline]
    for fid in spec.figures:
        figure = ds.figures[fid]
        k = _unit_factor(ds, fid, spec.input)
        held = env._replace(
            ranges=env.ranges | {spec.input: env.ranges[fid]},
            nominal=env.nominal | {spec.input: env.nominal[fid]},  # a row left in nominal dollars reads these
            inputs=env.inputs | {spec.input: Input(spec.input, figure.range.scaled(k), ds.inputs[spec.input].unit, "data", (fid,), None)},
        )
        label = spec.labels.get(fid, spec.label).replace("{value}", _count(figure))
        base = row(ds, held, variant_id(headline, fid), label, expr.compile_expr(headline), q.unit)
        formula = re.sub(rf"\b{re.escape(spec.input)}\b", fid, base.formula)
        out.append(base._replace(formula=formula, inputs=tuple(n for n in base.inputs if n != spec.input), figures=(fid,), variant=True))
    return out


def _unit_factor(ds: Dataset, fid: str, name: str) -> float:
    from nkru.engine import units

    return units.factor(ds.units[fid], ds.units[name])


def _count(figure: Figure) -> str:
    return plain(figure.value) if figure.value is not None else f"{plain(figure.low or 0)}–{plain(figure.high or 0)}"


# ---------------------------------------------------------------------------- comparisons


class Compared(NamedTuple):
    """One figure a quantity is set against, and a row for each measure."""

    figure: Figure
    price: Range  # the figure's range as compared (restated with --dollars)
    rows: tuple[Row, ...]


class ComparisonTable(NamedTuple):
    title: str
    columns: tuple[str, ...]  # one per measure
    groups: list[tuple[str, list[Compared]]]  # by basis; ranked within a basis only
    warnings: list[str]


def comparison(ds: Dataset, env: Env, cid: str) -> ComparisonTable:
    """A quantity against each figure: a row per measure, grouped by the figures' bases."""
    spec = ds.model.comparisons[cid]
    compared = []
    undefined: dict[str, str] = {}  # one warning a measure, whichever figures it fails against
    for fid in spec.against:
        # Both: a row whose money cannot all be restated (--dollars) is computed on the nominal ranges.
        local = env._replace(ranges=env.ranges | {"against": env.ranges[fid]}, nominal=env.nominal | {"against": env.nominal[fid]})
        rows = []
        for mid, measure in spec.measures.items():
            c = expr.compile_expr(measure.formula)
            label = measure.label.replace("{figure}", ds.figures[fid].name)
            try:
                made = row(ds, local, measure_id(mid, fid), label, c, measure.unit, measure=mid, against=fid)
            except NkruError as error:  # pay of 0 leaves "years to equal" undefined: that cell, not the command
                reason = str(error).split(": ", 1)[-1].split(" (")[0]  # "divides by zero: NAME can be 0"
                undefined.setdefault(mid, f"{measure.column} cannot be computed on these inputs ({reason}): its cells show —")
                continue
            formula = re.sub(r"\bagainst\b", fid, made.formula)  # the row names the figure it is set against
            rows.append(made._replace(formula=formula, figures=(fid,), sources=tuple(dict.fromkeys(made.sources + sources_of(ds, [fid])))))
        compared.append(Compared(ds.figures[fid], env.own[fid], tuple(rows)))
    groups: dict[str, list[Compared]] = {}
    for item in compared:
        groups.setdefault(item.figure.basis or "total", []).append(item)
    ordered = [(basis, sorted(members, key=lambda m: m.price.low)) for basis, members in sorted(groups.items())]
    warnings = []
    if len(groups) > 1:
        warnings.append(f"the prices are on different bases ({'; '.join(sorted(groups))}): a comparison across them is not like for like")
    warnings += range_flags(ds, spec.against) + list(undefined.values())
    return ComparisonTable(spec.title, tuple(m.column for m in spec.measures.values()), ordered, warnings)


def range_flags(ds: Dataset, against: list[str]) -> list[str]:
    """Stated ranges of the same quantity whose two ends are figures on different bases."""
    prices = [ds.figures[fid] for fid in against]
    quantities = {p.quantity for p in prices}
    flags = []
    for figure in (f for f in ds.article_figures() if f.quantity in quantities and f.value is None):
        ends = [next((p for p in prices if p.value == end), None) for end in (figure.low, figure.high)]
        bases = {p.basis for p in ends if p is not None}
        if len(bases) > 1:
            described = " and ".join(f"{p.name} ({p.basis})" for p in ends if p is not None)
            flags.append(f"{figure.name} runs from {described}: it mixes bases")
    return flags


# ---------------------------------------------------------------------------- commands


class Computed(NamedTuple):
    """Everything one computing command shows: inputs, results, the claims it audits."""

    command: str
    inputs: dict[str, Input]
    results: list[Row]
    claims: list[ClaimOutcome]
    warnings: list[str]
    placements: tuple[Placement, Placement] | None = None
    bands_title: tuple[str, str] | None = None  # the bands table's title and value column
    comparison: ComparisonTable | None = None
    simulated: Any = None  # nkru.simulate.Simulated, with --simulate
    dollars: int | None = None  # with --dollars YEAR: money in dollars of YEAR
    context: list[Row] | None = None  # with --context: rows from outside the articles
    headline: str = ""
    input_sources: dict[str, tuple[str, ...]] = {}  # each input's sources, as its figures give them
    env: Env | None = None  # the ranges the rows were computed from (context rows and sampling use them)


def command(ds: Dataset, name: str, inputs: dict[str, Input], dollars: int | None = None) -> Computed:
    """A command as model.yaml declares it: headline, variants, results, comparison, bands, claims."""
    spec = ds.model.commands.get(name)  # type: ignore[call-overload]
    if spec is None:
        raise UsageError(f"{name}: the model (model.yaml) declares no such command")
    env = env_for(ds, inputs, dollars)
    first = quantity_row(ds, env, spec.headline)
    results = [first] + (variant_rows(ds, env, spec.headline, spec.variants) if spec.variants else [])
    results += [quantity_row(ds, env, qid) for qid in spec.results if qid != spec.headline]
    table = comparison(ds, env, spec.comparison) if spec.comparison else None
    if table:
        results += [r for _, members in table.groups for m in members for r in m.rows]
    placements = None
    if spec.bands:
        stated = stated_bands(ds, spec.bands)
        placements = (place(first.range.low, stated), place(first.range.high, stated))
    used = _used_inputs(ds, [spec.headline, *spec.results], inputs)
    claims = [reconcile(ds, c) for c in ds.claims if c.id in spec.claims]
    warnings = (table.warnings[:1] if table else []) + (env.restater.warnings if env.restater else []) + implausible(ds, results)
    return Computed(name, used, results, claims, warnings, placements, (ds.model.bands[spec.bands].title, ds.model.bands[spec.bands].column) if spec.bands else None,
                    table, dollars=dollars, headline=spec.headline, input_sources=_input_sources(ds, used), env=env)


def _input_sources(ds: Dataset, inputs: dict[str, Input]) -> dict[str, tuple[str, ...]]:
    return {name: sources_of(ds, item.figures) for name, item in inputs.items()}


def implausible(ds: Dataset, rows: list[Row]) -> list[str]:
    """A warning for each quantity whose range passes the min or max model.yaml gives it (a
    share above 1): the inputs behind it cannot all be right."""
    out = []
    for r in rows:
        spec = ds.model.quantities.get(r.id)
        unit = "as a fraction" if r.unit == "1" else r.unit
        if spec is None:
            continue
        if spec.max is not None and r.range.high > spec.max:
            out.append(f"{r.label} reaches {plain(r.range.high)} ({unit}), above the most it can be, {plain(spec.max)}: the inputs cannot all be right")
        if spec.min is not None and r.range.low < spec.min:
            out.append(f"{r.label} reaches {plain(r.range.low)} ({unit}), below the least it can be, {plain(spec.min)}: the inputs cannot all be right")
    return out


def _used_inputs(ds: Dataset, names: list[str], inputs: dict[str, Input]) -> dict[str, Input]:
    used: dict[str, None] = {}
    for name in names:
        used.update(dict.fromkeys(graph.leaves(ds, name)[0]))
    return {n: inputs[n] for n in used}


def calc(ds: Dataset, qids: list[str], inputs: dict[str, Input], dollars: int | None = None) -> Computed:
    """Any quantities, each a row: what `nkru calc` prints."""
    env = env_for(ds, inputs, dollars)
    results = [quantity_row(ds, env, qid) for qid in qids]
    used = _used_inputs(ds, qids, inputs)
    return Computed("calc", used, results, [], (env.restater.warnings if env.restater else []) + implausible(ds, results),
                    dollars=dollars, headline=qids[0], input_sources=_input_sources(ds, used), env=env)
