"""Resolve the model once the files validate: parse every unit, compile every formula, find
unknown names and cycles, derive and check each formula's unit, and evaluate inputs written
`from:` an expression over figures. Every problem is located in the file it comes from."""

from __future__ import annotations

import ast
import math
from typing import Any, NamedTuple

from nkru.engine import expr, intervals, unitcheck, units
from nkru.errors import Locator, Problem, suggest
from nkru.model import Figure, InputSpec, ModelFile, Quantity, Range
from nkru.model.schema import basis_problem


class Resolved(NamedTuple):
    quantities: dict[str, Quantity]
    registry: Any
    units: dict[str, Any]
    derived: dict[str, Range]
    problems: list[Problem]


def figure_section(figure_id: str, context_ids: frozenset[str]) -> str:
    """Where a figure is written: figures.yaml, or context.yaml."""
    return "context" if figure_id in context_ids else "figures"


def resolve(model: ModelFile, figures: dict[str, Figure], context_ids: frozenset[str], inputs: dict[str, InputSpec], at: Locator) -> Resolved:
    """Everything formulas need, with every problem found on the way."""
    problems: list[Problem] = []
    try:
        registry = units.Registry(model.units)
    except units.UnitError as error:
        problems.append(at.problem("units", next(iter(model.units), ""), (), str(error)))
        registry = units.Registry()
    unit_of: dict[str, Any] = {}
    for figure in figures.values():
        section = figure_section(figure.id, context_ids)
        unit_of[figure.id] = _unit(registry, figure.unit, problems, lambda m, o, s=section, f=figure.id: at.problem(s, f, ("unit",), m, o))
    for name, given in inputs.items():
        unit_of[name] = _unit(registry, given.unit, problems, lambda m, o, name=name: at.problem("assumptions", name, ("unit",), m, o))
        if name in figures:
            problems.append(at.problem("assumptions", name, (), f"'{name}' is also a figure id; give the input another name"))
        if reserved(name):
            problems.append(at.problem("assumptions", name, (), reserved(name)))
    for qid, declared in model.quantities.items():
        unit_of[qid] = _unit(registry, declared.unit, problems, lambda m, o, qid=qid: at.problem("quantities", qid, ("unit",), m, o))
        if qid in inputs or qid in figures:
            what = "an input" if qid in inputs else "a figure id"
            problems.append(at.problem("quantities", qid, (), f"'{qid}' is also {what}; give the quantity another name"))
        if reserved(qid):
            problems.append(at.problem("quantities", qid, (), reserved(qid)))
    compiled = _compile_all(model, figures, inputs, at, problems)
    order = _order(compiled, at, problems)
    quantities = {}
    for qid in order:
        spec = model.quantities[qid]
        c = compiled[qid]
        # The units behind a unit error, said where the names are declared: the mistake is often an input's unit.
        named = ", ".join(f"{n} is {registry.show(unit_of[n])} ({_home(n, inputs, figures)})" for n in c.names if unit_of.get(n) is not None)
        factor = _unit_factor(c, unit_of, registry, unit_of.get(qid),
                              lambda m, o, qid=qid, named=named: at.problem("quantities", qid, ("formula",), f"{m}; {named}" if "cannot" in m else m, o), problems)
        quantities[qid] = Quantity(qid, spec.label, spec.unit, compiled[qid], factor if factor is not None else 1.0, spec.note)
    derived = _derived_inputs(inputs, figures, unit_of, registry, at, problems)
    return Resolved(quantities, registry, unit_of, derived, problems)


def reserved(name: str) -> str:
    """Why a name cannot stand in a formula (a Python keyword, or min, max, abs), or ''."""
    import keyword

    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in expr.FUNCTIONS:
        return f"'{name}' is reserved in formulas (Python's keywords and {', '.join(expr.FUNCTIONS)}); give it another name"
    return ""


def _unit(registry: Any, text: str, problems: list[Problem], problem: Any) -> Any:
    try:
        return registry.parse(text)
    except units.UnitError as error:
        problems.append(problem(str(error), error.col))
        return None


def _compile_all(model: ModelFile, figures: dict[str, Figure], inputs: dict[str, InputSpec], at: Locator, problems: list[Problem]) -> dict[str, Any]:
    known = set(inputs) | set(model.quantities) | set(figures)
    compiled = {}
    for qid, spec in model.quantities.items():
        try:
            c = expr.compile_expr(spec.formula)
        except expr.ExprError as error:
            problems.append(at.problem("quantities", qid, ("formula",), str(error), error.col))
            continue
        bad = [name for name in c.names if name not in known]
        for name in bad:
            where = spec.formula.find(name)
            hint = suggest(name, known)
            problems.append(at.problem("quantities", qid, ("formula",), f"unknown name '{name}'{hint}: not an input, quantity or figure id", max(where, 0)))
        if not bad:
            compiled[qid] = c
    return compiled


def _order(compiled: dict[str, Any], at: Locator, problems: list[Problem]) -> list[str]:
    """The quantities in an order where each comes after those it uses; a cycle is a problem."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(qid: str, trail: list[str]) -> bool:
        if state.get(qid) == 2:
            return True
        if state.get(qid) == 1:
            cycle = trail[trail.index(qid):] + [qid]
            problems.append(at.problem("quantities", qid, ("formula",), f"formulas form a cycle: {' -> '.join(cycle)}"))
            return False
        state[qid] = 1
        ok = all(visit(dep, trail + [qid]) for dep in compiled[qid].names if dep in compiled)
        state[qid] = 2
        if ok:
            order.append(qid)
        return ok

    for qid in compiled:
        visit(qid, [])
    return order


def _home(name: str, inputs: dict[str, InputSpec], figures: dict[str, Figure]) -> str:
    return "assumptions.yaml" if name in inputs else "a figure" if name in figures else "model.yaml"


def _unit_factor(c: Any, unit_of: dict[str, Any], registry: Any, declared: Any, problem: Any, problems: list[Problem]) -> float | None:
    """The factor from the formula's value in base units to the declared unit; a problem if the
    formula's dimensions are not the declared unit's."""
    if declared is None or any(unit_of.get(name) is None for name in c.names):
        return None  # an unreadable unit is already reported
    try:
        derived = unitcheck.derive(c.tree, c.text, unit_of, registry)
        unitcheck.check(derived, declared, registry)
        return 1.0 / float(declared.scale)
    except units.UnitError as error:
        problems.append(problem(str(error), error.col))
        return None


def _derived_inputs(inputs: dict[str, InputSpec], figures: dict[str, Figure], unit_of: dict[str, Any], registry: Any,
                    at: Locator, problems: list[Problem]) -> dict[str, Range]:
    """Inputs written `from:` an expression over figures, evaluated on the figures' ranges."""
    derived = {}
    for name, spec in inputs.items():
        if spec.from_ is None:
            continue

        def problem(message: str, offset: int | None = None, name: str = name) -> Problem:
            return at.problem("assumptions", name, ("from",), message, offset)

        try:
            c = expr.compile_expr(spec.from_)
        except expr.ExprError as error:
            problems.append(problem(str(error), error.col))
            continue
        bad = [n for n in c.names if n not in figures]
        for n in bad:
            problems.append(problem(f"unknown figure '{n}'{suggest(n, figures)}: from: is an expression over figure ids", max(spec.from_.find(n), 0)))
        mismatched = [p for n in c.names if n in figures and (p := basis_problem(name, spec.basis, figures[n]))]
        problems += [problem(p) for p in mismatched]
        factor = None if bad or mismatched else _unit_factor(c, unit_of, registry, unit_of.get(name), problem, problems)
        if factor is None:
            continue
        try:
            value, _ = intervals.bounds(c, {n: figures[n].range.scaled(unit_of[n].scale) for n in c.names})
        except expr.ExprError as error:
            problems.append(problem(str(error), error.col))
            continue
        if not all(math.isfinite(x) for x in (value.low, value.high)):
            problems.append(problem("overflows: the numbers are too large to compute"))
            continue
        if _has_number(c) and not spec.note:
            problems.append(problem("uses numbers no figure states; say where they come from in a note"))
        derived[name] = value.scaled(factor)
    return derived


def _has_number(c: Any) -> bool:
    """Whether an expression writes a number of its own (beyond the figures it names)."""
    return any(isinstance(node, ast.Constant) and not isinstance(node.value, bool) for node in ast.walk(c.tree))
