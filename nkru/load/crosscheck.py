"""Every reference between the data files must resolve: sources, figures, inputs, quantities,
claims, and what model.yaml's bands, comparisons, commands and context rows name. Run once the
model is resolved; every problem is located."""

from __future__ import annotations

from collections import ChainMap
from typing import Any

from nkru.engine import claims as claim_engine
from nkru.engine import expr, unitcheck, units
from nkru.errors import NkruError, Problem, suggest
from nkru.load.resolve import figure_section
from nkru.model import Claim, ClaimInput, Dataset, plain
from nkru.model.modelfile import PLACEHOLDER, measure_id, variant_id
from nkru.model.schema import basis_problem


def _unknown(kind: str, ref: str, known: Any) -> str:
    return f"unknown {kind} '{ref}'{suggest(ref, known)}"


def cross_check(ds: Dataset) -> list[Problem]:
    """Every reference must resolve, every input be stated by its figures, every claim fit."""
    at = ds.locator.problem
    problems: list[Problem] = []
    for source in ds.sources.values():
        problems += [at("sources", source.id, ("cited_by",), _unknown("source", ref, ds.sources)) for ref in source.cited_by if ref not in ds.sources]
    for figure in ds.figures.values():
        section = figure_section(figure.id, ds.context_ids)
        if figure.source not in ds.sources:
            problems.append(at(section, figure.id, ("source",), _unknown("source", figure.source, ds.sources)))
        problems += [at(section, figure.id, ("cites",), _unknown("source", ref, ds.sources)) for ref in figure.cites if ref not in ds.sources]
        problems += [at(section, figure.id, ("builds_on",), _unknown("source", ref, ds.sources)) for ref in figure.builds_on if ref not in ds.sources]
    problems += [at("left_out", i, ("source",), _unknown("source", item.source, ds.sources)) for i, item in enumerate(ds.left_out) if item.source not in ds.sources]
    problems += input_problems(ds)
    for claim in ds.claims:
        problems += claim_problems(ds, claim)
    problems += model_problems(ds)
    return problems


def stated_numbers(ds: Dataset, name: str, figure_ids: list[str]) -> tuple[list[float], list[str]]:
    """The numbers the figures state, in the input's unit; and why a figure cannot state them."""
    stated, why = [], []
    for fid in figure_ids:
        figure = ds.figures[fid]
        if ds.units.get(fid) is None or not units.same_dimension(ds.units[fid], ds.units[name]):
            why.append(f"figure {fid} is in {figure.unit}; {name} is in {ds.inputs[name].unit}")
            continue
        k = units.factor(ds.units[fid], ds.units[name])
        stated += [x * k for x in figure.numbers]
    return stated, why


def input_problems(ds: Dataset) -> list[Problem]:
    """Inputs cite figures that exist; correlations name inputs."""
    at = ds.locator.problem
    problems: list[Problem] = []
    for name, spec in ds.inputs.items():
        problems += [at("assumptions", name, ("figures",), _unknown("figure", ref, ds.figures)) for ref in spec.figures if ref not in ds.figures]
    seen: dict[frozenset[str], int] = {}
    for index, corr in enumerate(ds.correlations):
        problems += [at("correlations", index, ("between",), _unknown("input", n, ds.inputs)) for n in corr.between if n not in ds.inputs]
        pair = frozenset(corr.between)
        if pair in seen:
            problems.append(at("correlations", index, ("between",), f"{' and '.join(corr.between)} are already correlated (correlations[{seen[pair]}])"))
        seen.setdefault(pair, index)
    return problems


def provenance_problems(ds: Dataset) -> list[Problem]:
    """Each input's figures are on its basis and state each of its numbers: no table may credit
    a number to figures that do not state it. `check` reports these; computing commands refuse."""
    at = ds.locator.problem
    problems: list[Problem] = []
    for name, spec in ds.inputs.items():
        if ds.units.get(name) is None or spec.from_ is not None:
            continue
        problems += [at("assumptions", name, ("figures",), p) for fid in spec.figures if (p := basis_problem(name, spec.basis, ds.figures[fid]))]
        stated, why = stated_numbers(ds, name, spec.figures)
        problems += [at("assumptions", name, ("figures",), w) for w in why]
        for key in ("value", "low", "high") if spec.figures and not why else ():
            x = getattr(spec, key)
            if x is not None and not any(_same(x, s) for s in stated):
                problems.append(at("assumptions", name, (key,), (
                    f"{plain(x)} is not stated by its figures ({', '.join(spec.figures)}); cite a figure that states it, "
                    "derive it with from:, or drop figures and explain the number in a note")))
    return problems


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)


def claim_problems(ds: Dataset, claim: Claim) -> list[Problem]:
    """What keeps a claim from being recomputed: unknown names, missing or misfit inputs, a stated unit its formula cannot give."""
    at = ds.locator.problem
    problems: list[Problem] = []
    if claim.source not in ds.sources:
        problems.append(at("claims", claim.id, ("source",), _unknown("source", claim.source, ds.sources)))
    try:
        c = expr.compile_expr(claim.formula)
    except expr.ExprError as error:
        return problems + [at("claims", claim.id, ("formula",), str(error), error.col)]
    known: ChainMap[str, Any] = ChainMap(claim.inputs, ds.quantities, ds.figures)  # looked up, not copied: 100,000 figures
    bad = [n for n in c.names if n not in known]
    problems += [at("claims", claim.id, ("formula",), _unknown("name", n, known) + ": not an input of the claim, a quantity or a figure") for n in bad]
    needs = {n for q in c.names if q in ds.quantities for n in _leaf_inputs(ds, q)}
    missing = sorted(needs - set(claim.inputs))
    if missing:
        problems.append(at("claims", claim.id, ("inputs",), f"{claim.formula} needs {', '.join(missing)}: a claim is recomputed from stated inputs"))
    for name in claim.inputs:
        if name not in ds.inputs and (name in ds.figures or name in ds.quantities):
            what = "a figure id" if name in ds.figures else "a quantity"
            problems.append(at("claims", claim.id, ("inputs", name), f"'{name}' is {what}; give the claim's input another name"))
    places = [(("inputs",), claim.inputs)] + [(("candidates", i, "inputs"), cand.inputs) for i, cand in enumerate(claim.candidates)]
    for where, given in places:
        for name, spec in given.items():
            problem = binding_problem(ds, name, spec, used=name in c.names or name in needs, candidate=where != ("inputs",), known=claim.inputs)
            if problem:
                problems.append(at("claims", claim.id, where + (name,), problem))
    if isinstance(claim.stated, str) and claim.stated not in ds.figures:
        problems.append(at("claims", claim.id, ("stated",), _unknown("figure", claim.stated, ds.figures)))
    for name in [*claim.solve_for, *([claim.remainder] if claim.remainder else [])]:
        if name not in claim.inputs:
            problems.append(at("claims", claim.id, ("solve_for",) if name in claim.solve_for else ("remainder",), f"'{name}' is not an input of this claim"))
    if not problems and not bad:
        problems += _claim_unit(ds, claim)
    return problems


def _leaf_inputs(ds: Dataset, qid: str) -> set[str]:
    from nkru.engine import graph

    return {n for n in graph.leaves(ds, qid)[0] if n in ds.inputs}


def binding_problem(ds: Dataset, name: str, given: str | ClaimInput, used: bool, candidate: bool, known: dict) -> str | None:
    """Why one claim input cannot feed its formula, or None."""
    if candidate and name not in known:
        return f"'{name}' is not an input of the claim it replaces"
    if not used:
        return f"'{name}' is not used by the formula"
    spec = claim_engine.spec_of(given)
    for ref in (spec.figure, spec.per):
        if ref is not None and ref not in ds.figures:
            return _unknown("figure", ref, ds.figures)
    if spec.per is not None and not ds.figures[spec.per].range.low > 1e-300:
        return f"per: {spec.per} is an exchange rate of {ds.figures[spec.per].range.low:g}; it must be above 0"
    try:
        unit = claim_engine.binding_unit(ds, spec)
    except units.UnitError as error:
        return str(error)
    if name in ds.inputs and ds.units.get(name) is not None and not units.same_dimension(unit, ds.units[name]):
        what = f"figure {spec.figure} is in {ds.registry.show(unit)}" if spec.figure else f"{plain(spec.value or 0)} is in {spec.unit}"
        other_currency = units.currencies(unit) != units.currencies(ds.units[name])
        hint = " (convert it with per: RATE)" if other_currency and not spec.per else ""
        return f"{what}; {name} is in {ds.inputs[name].unit}{hint}"
    return None


def _claim_unit(ds: Dataset, claim: Claim) -> list[Problem]:
    """A claim's formula must give a unit the stated figure can be compared in."""
    at = ds.locator.problem
    try:
        bindings = {n: claim_engine.bind(ds, n, s) for n, s in claim.inputs.items()}
        claim_engine.evaluate(ds, claim, bindings)
        unit = unitcheck.derive(claim_engine.formula_of(claim).tree, claim.formula, ChainMap({n: b.unit for n, b in bindings.items()}, ds.units), ds.registry)
        ds.claim_units[claim.id] = unit
    except units.UnitError as error:
        return [at("claims", claim.id, ("formula",), str(error), error.col)]
    except NkruError as error:  # a division by zero among the stated inputs, say
        return [at("claims", claim.id, ("formula",), str(error))]
    if isinstance(claim.stated, str) and not units.same_dimension(unit, ds.units[claim.stated]):
        return [at("claims", claim.id, ("stated",), f"the formula gives {ds.registry.show(unit)}; {claim.stated} is in {ds.figures[claim.stated].unit}")]
    return []


def model_problems(ds: Dataset) -> list[Problem]:
    """What model.yaml's bands, comparisons, commands and context rows name must exist and fit."""
    at = ds.locator.problem
    m = ds.model
    problems: list[Problem] = []
    for qid, bands in m.bands.items():
        if qid not in ds.quantities:
            problems.append(at("bands", qid, (), _unknown("quantity", qid, ds.quantities)))
            continue
        for i, band in enumerate(bands.bands):
            if band.figure not in ds.figures:
                problems.append(at("bands", qid, ("bands", i, "figure"), _unknown("figure", band.figure, ds.figures)))
            elif not units.same_dimension(ds.units[band.figure], ds.units[qid]):
                problems.append(at("bands", qid, ("bands", i, "figure"), f"figure {band.figure} is in {ds.figures[band.figure].unit}; {qid} is in {ds.quantities[qid].unit}"))
    for cid, comp in m.comparisons.items():
        problems += _comparison_problems(ds, cid, comp)
    for name, spec in m.commands.items():
        for key, ref in [("headline", spec.headline), *(("results", r) for r in spec.results)]:
            if ref not in ds.quantities:
                problems.append(at("commands", name, (key,), _unknown("quantity", ref, ds.quantities)))
        if spec.comparison and spec.comparison not in m.comparisons:
            problems.append(at("commands", name, ("comparison",), _unknown("comparison", spec.comparison, m.comparisons)))
        if spec.bands and spec.bands not in m.bands:
            problems.append(at("commands", name, ("bands",), _unknown("bands", spec.bands, m.bands)))
        claims = {c.id for c in ds.claims}
        problems += [at("commands", name, ("claims",), _unknown("claim", ref, claims)) for ref in spec.claims if ref not in claims]
        if spec.variants:
            problems += _variant_problems(ds, name, spec)
        if spec.answer:
            problems += _answer_problems(ds, name, spec)
    for i, context_row in enumerate(m.context):
        problems += _formula_problems(ds, ("model_context", i), context_row.formula, context_row.unit, {})
        problems += [at("model_context", i, ("commands",), _unknown("command", c, m.commands)) for c in context_row.commands if c not in m.commands]
    problems += _row_id_problems(ds)
    return list(dict.fromkeys(problems))  # a measure wrong for every figure is one problem


def _row_id_problems(ds: Dataset) -> list[Problem]:
    """A quantity id must not be the id of a row the model makes (a variant or a measure), and
    a label may name only the placeholder its row fills."""
    at = ds.locator.problem
    made: dict[str, str] = {}
    problems = []
    for name, spec in ds.model.commands.items():
        if spec.variants:
            made |= {variant_id(spec.headline, fid): f"a variant of {name}" for fid in spec.variants.figures}
            problems += _placeholders(spec.variants.label, "value", lambda m, name=name: at("commands", name, ("variants", "label"), m))
    for cid, comp in ds.model.comparisons.items():
        for mid, measure in comp.measures.items():
            made |= {measure_id(mid, fid): f"a measure of comparison {cid}" for fid in comp.against}
            problems += _placeholders(measure.label, "figure", lambda m, cid=cid, mid=mid: at("comparisons", cid, ("measures", mid, "label"), m))
    for qid in ds.quantities:
        if qid in made:
            problems.append(at("quantities", qid, (), f"'{qid}' is also the id of {made[qid]}; give the quantity another name"))
    return problems


def _placeholders(label: str, allowed: str, problem: Any) -> list[Problem]:
    import re

    wrong = [name for name in re.findall(r"\{([^}]*)\}", label) if name != allowed]
    return [problem(f"{{{name}}} is not a placeholder here; the label may use {{{allowed}}}") for name in wrong]


def command_rows(ds: Dataset, spec: Any) -> list[str]:
    """The ids of the rows a command makes: its headline, variants, results and measure rows."""
    rows = [spec.headline, *(variant_id(spec.headline, fid) for fid in (spec.variants.figures if spec.variants else [])), *spec.results]
    comp = ds.model.comparisons.get(spec.comparison) if spec.comparison else None
    return rows + ([measure_id(mid, fid) for mid in comp.measures for fid in comp.against] if comp else [])


def _answer_problems(ds: Dataset, name: str, spec: Any) -> list[Problem]:
    """An answer's placeholders name a row of the command, an input or a figure, each with
    .value or .range at most; {bands} needs the command's bands."""
    known: ChainMap[str, Any] = ChainMap(dict.fromkeys(command_rows(ds, spec)), ds.inputs, ds.figures)
    problems = []
    for placeholder in PLACEHOLDER.findall(spec.answer):
        ref, _, part = placeholder.partition(".")
        if placeholder == "bands":
            if not spec.bands:
                problems.append("{bands} needs bands: the command places its headline among none")
        elif ref in ds.quantities and ref not in known:
            problems.append(f"{{{placeholder}}}: {name} does not compute {ref}; add it to the command's results: to name it here")
        elif ref not in known:
            problems.append(f"{{{placeholder}}}: " + _unknown("row, input or figure", ref, known))
        elif part not in ("", "value", "range", "count"):
            problems.append(f"{{{placeholder}}}: after the name comes .value, .range or .count, not .{part}")
    return [ds.locator.problem("commands", name, ("answer",), p) for p in problems]


def _variant_problems(ds: Dataset, name: str, spec: Any) -> list[Problem]:
    at = ds.locator.problem
    v = spec.variants
    if v.input not in ds.inputs:
        return [at("commands", name, ("variants", "input"), _unknown("input", v.input, ds.inputs))]
    problems = []
    for fid in v.figures:
        if fid not in ds.figures:
            problems.append(at("commands", name, ("variants", "figures"), _unknown("figure", fid, ds.figures)))
        elif not units.same_dimension(ds.units[fid], ds.units[v.input]):
            problems.append(at("commands", name, ("variants", "figures"), f"figure {fid} is in {ds.figures[fid].unit}; {v.input} is in {ds.inputs[v.input].unit}"))
    listed = ", ".join(v.figures)
    problems += [at("commands", name, ("variants", "labels", fid), f"'{fid}' is not one of the variants' figures ({listed})") for fid in v.labels if fid not in v.figures]
    return problems


def _comparison_problems(ds: Dataset, cid: str, comp: Any) -> list[Problem]:
    at = ds.locator.problem
    problems = []
    if comp.quantity not in ds.quantities:
        problems.append(at("comparisons", cid, ("quantity",), _unknown("quantity", comp.quantity, ds.quantities)))
    bad = [f for f in comp.against if f not in ds.figures]
    problems += [at("comparisons", cid, ("against",), _unknown("figure", f, ds.figures)) for f in bad]
    named = [mid for mid, m in comp.measures.items() if "{figure}" in m.label]
    problems += [at(figure_section(fid, ds.context_ids), fid, (), f"give the figure a label: measure {named[0]} of comparison {cid} names it in words")
                 for fid in ([] if bad or not named else comp.against) if not ds.figures[fid].label]
    for fid in [] if bad else comp.against:
        for mid, measure in comp.measures.items():
            problems += _formula_problems(ds, ("comparisons", cid, ("measures", mid)), measure.formula, measure.unit, {"against": fid})
    for i, row in enumerate(comp.context):
        problems += _formula_problems(ds, ("comparisons", cid, ("context", i)), row.formula, row.unit, {})
        if row.commands:  # a comparison's rows show wherever the comparison does
            problems.append(at("comparisons", cid, ("context", i, "commands"), "a comparison's context rows show with the comparison; commands: goes on model-wide context rows"))
    return problems


def _formula_problems(ds: Dataset, where: tuple, formula: str, unit_text: str, bound: dict[str, str]) -> list[Problem]:
    """A formula outside `quantities` (a measure, a context row): compiles, names resolve, units fit."""
    section, item = where[0], where[1]
    keys = where[2] if len(where) > 2 else ()

    def problem(message: str, offset: int | None = None, key: str = "formula") -> Problem:
        return ds.locator.problem(section, item, (*keys, key), message, offset)

    try:
        c = expr.compile_expr(formula)
        declared = ds.registry.parse(unit_text)
    except expr.ExprError as error:
        return [problem(str(error), error.col)]
    except units.UnitError as error:
        return [problem(str(error), error.col, "unit")]
    known: ChainMap[str, Any] = ChainMap(ds.inputs, ds.quantities, ds.figures, bound)
    bad = [n for n in c.names if n not in known]
    if bad:
        return [problem(_unknown("name", n, known), max(formula.find(n), 0)) for n in bad]
    name_units = ChainMap({k: ds.units[v] for k, v in bound.items()}, ds.units)
    try:
        unitcheck.check(unitcheck.derive(c.tree, c.text, name_units, ds.registry), declared, ds.registry)
    except units.UnitError as error:
        return [problem(str(error), error.col)]
    return []
