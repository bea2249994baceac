"""Context: rows from outside the audited articles that explain or check their claims. Generic
over any model: which rows exist is data (model.yaml's `context:` and comparisons' `context:`,
claims' candidates and remainders)."""

from __future__ import annotations

from nkru.compute import Computed, Env, command, env_for, quantity_row, row, sources_of
from nkru.engine import expr
from nkru.engine.claims import reconcile
from nkru.model import Dataset, Input, Range, Row


def context_rows(ds: Dataset, env: Env, comparison: str | None, claims: set[str] | None = None, command: str | None = None) -> list[Row]:
    """Rows from outside the articles; never used by a result above them. For one `command`,
    the model-wide rows it is named by and the rows read from the claims it audits (candidate
    readings, what nothing explains); for none, every row."""
    rows: list[Row] = []
    for spec in (s for s in ds.model.context if command is None or not s.commands or command in s.commands):
        c = expr.compile_expr(spec.formula)
        rows.append(row(ds, env, spec.id, spec.label, c, spec.unit, context=True))
    for claim in (c for c in ds.claims if claims is None or c.id in claims):
        outcome = reconcile(ds, claim)
        for i, candidate in enumerate(outcome.candidates):
            label = f"Candidate reading of “{claim.says.rstrip('.')}”: {candidate.says}"
            rows.append(_plain_row(ds, f"context_candidate_{claim.id}_{i}", label, candidate.computed, outcome.stated_unit, candidate.figures,
                                   claim=claim.id, holds=candidate.holds))
        gap = next((i for i in outcome.implied if i.name == claim.remainder), None)
        if gap is not None and gap.value is not None:
            figures = tuple(b.figure for b in outcome.inputs if b.figure)
            given = claim.inputs.get(gap.name)
            named = getattr(given, "label", None) or gap.name
            rows.append(_plain_row(ds, f"context_unexplained_{claim.id}", f"Part of “{claim.says.rstrip('.')}” nothing explains ({named})",
                                   Range.point(gap.value), gap.unit, figures, claim=claim.id))
    if comparison:
        for spec in ds.model.comparisons[comparison].context:
            c = expr.compile_expr(spec.formula)
            rows.append(row(ds, env, f"context_{spec.id}", spec.label, c, spec.unit, context=True, against=spec.compares_with, basis=spec.basis))
    return rows


def with_context_rows(ds: Dataset, computed: Computed, env: Env) -> Computed:
    """What --context adds: the rows, and where they show a compared figure on another basis."""
    spec = ds.model.commands.get(computed.command)  # type: ignore[call-overload]
    rows = context_rows(ds, env, spec.comparison if spec else None, {o.claim.id for o in computed.claims}, computed.command)
    table = computed.comparison
    if table is not None:
        table = table._replace(warnings=table.warnings + basis_flags(ds, rows))
    return computed._replace(context=rows, comparison=table)


def _plain_row(ds: Dataset, rid: str, label: str, value: Range, unit: str, figures: tuple[str, ...], **extra: object) -> Row:
    return Row(rid, label, value, unit, sources_of(ds, list(figures)), "", (), figures, (), True, context=True, **extra)  # type: ignore[arg-type]


def basis_flags(ds: Dataset, rows: list[Row]) -> list[str]:
    """Where a context row restates a compared figure's amount on another basis."""
    flags = []
    for r in rows:
        article = ds.figures.get(r.against or "")
        if article is None or r.basis is None or r.range.value is None:
            continue
        if (article.basis or "total") != r.basis and article.range.low == r.range.value:
            flags.append(f"{r.label} puts {article.name}'s amount {r.basis}, where the article says {article.basis}")
    return flags


def all_rows(ds: Dataset, inputs: dict[str, Input]) -> dict[str, Row]:
    """Every row nkru can show, by id, and every input: what `nkru explain` can trace."""
    env = env_for(ds, inputs)
    rows = {name: row(ds, env, name, name, expr.compile_expr(name), item.unit) for name, item in inputs.items()}
    rows |= {qid: quantity_row(ds, env, qid) for qid in ds.quantities}
    # and the rows --context adds, which can be traced too
    for name, spec in ds.model.commands.items():
        rows |= {r.id: r for r in command(ds, name, inputs).results}
        rows |= {r.id: r for r in context_rows(ds, env, spec.comparison) if r.formula}
    return rows
