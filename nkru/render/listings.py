"""The views of `figures`, `sources`, `scenarios` and `check`."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from nkru.model import Dataset, Figure
from nkru.render.computed import computed_text, implied_text, stated_text
from nkru.render.sheets import Sheet, SourceRefs, View, describe_source, fmt, fmt_figure, fmt_range, num, range_json, sheet

if TYPE_CHECKING:
    from nkru.audit import Report
    from nkru.errors import Problem
    from nkru.figureset import FigureReport
    from nkru.load import Scenario

FIGURE_COLUMNS = ("id", "quantity", "value", "low", "high", "unit", "basis", "qualifier", "as_of", "source", "cites", "builds_on", "quote", "note", "context")


def figure_json(ds: Dataset, figure: Figure) -> dict[str, Any]:
    """One figure in the JSON and CSV contract."""
    return {
        "id": figure.id, "quantity": figure.quantity, "value": num(figure.value), "low": num(figure.low),
        "high": num(figure.high), "unit": figure.unit, "basis": figure.basis, "qualifier": figure.qualifier,
        "as_of": figure.as_of, "source": figure.source, "cites": list(figure.cites), "builds_on": list(figure.builds_on), "quote": figure.quote,
        "note": figure.note, "context": figure.id in ds.context_ids,
    }


def _basis(f: Figure) -> str:
    return f"{f.unit}, {f.basis}" if f.basis else f.unit


def _number(key: tuple[float, str]) -> str:
    value, unit = key
    return fmt(value, unit) + ("" if unit in ("USD", "percent") else f" {unit}")


def _disagreement_sheets(report: FigureReport, refs: SourceRefs) -> list[Sheet]:
    sheets = []
    if report.split:
        rows = [(q, "\n".join(f"{fmt_figure(f)} ({_basis(f)}) {refs([f.source])}" for f in fs)) for q, fs in report.split.items()]
        sheets.append(sheet("One quantity, different figures", ("Quantity", "Figures"), rows))
    if report.updates:
        rows = [(q, "\n".join(f"{f.as_of}: {fmt_figure(f)} ({_basis(f)}) {refs([f.source])}" for f in fs)) for q, fs in report.updates.items()]
        sheets.append(sheet("Updates: a later figure of the same quantity", ("Quantity", "Figures, oldest first"), rows))
    if report.shared:
        rows = [(_number(n), "\n".join(f"{f.quantity}, {_basis(f)} ({f.id}) {refs([f.source])}" for f in fs)) for n, fs in report.shared.items()]
        sheets.append(sheet("One number, different meanings", ("Number", "Means"), rows))
    return sheets


def conversion_text(figure: Figure, report: FigureReport) -> str:
    """A figure in another currency, in dollars at each dated rate, with the rate it implies."""
    conversions = report.conversions.get(figure.id)
    if conversions is None:
        return ""
    parts = [
        f"≈ {fmt_range(usd.amount, 'USD')} at {fmt_range(rate.per_usd, '')} {rate.currency}/USD" + (f" ({rate.as_of})" if rate.as_of else " (undated)") + f" [{rate.figure}]"
        for rate, usd in conversions.in_usd
    ]
    parts += [f"implies {fmt_range(rate, '')} {rate_unit}/USD against {twin.id}" for twin, rate, rate_unit in conversions.implied]
    return "\n".join(parts)


def figures_view(ds: Dataset, report: FigureReport, disagreements_only: bool) -> View:
    """The figures listing, with conversions and, on request, only the disagreements."""
    figures = report.figures

    def sheets() -> list[Sheet]:
        refs = SourceRefs(ds)
        listing = []
        if not disagreements_only:
            # The id and its quantity share a column (both are typed: explain ID, --quantity), so
            # at 80 columns each keeps its width whole.
            # The figure as stated carries its unit in words; its basis follows on a line of its own.
            rows = [
                (f"{f.id}\n{f.quantity}", "\n".join(filter(None, (fmt_figure(f), f.basis, conversion_text(f, report)))), f.as_of or "",
                 refs([f.source, *f.cites]) + (" context" if f.id in ds.context_ids else ""))
                for f in figures
            ]
            listing = [sheet("Figures", ("Id, then quantity", "Figure and basis", "As of", "Source"), rows)]
        return listing + _disagreement_sheets(report, refs) + [refs.sheet()]

    def json() -> dict[str, Any]:
        obj: dict[str, Any] = {"figures": [figure_json(ds, f) for f in figures]}
        for item, f in zip(obj["figures"], figures):
            conversions = report.conversions.get(f.id)
            if conversions:
                item["in_usd"] = [{"rate_figure": r.figure, "per_usd": range_json(r.per_usd), "as_of": r.as_of, **range_json(m.amount)} for r, m in conversions.in_usd]
                item["implied_rates"] = [{"against": twin.id, "per_usd": range_json(rate)} for twin, rate, _ in conversions.implied]
        if disagreements_only:
            obj["disagreements"] = {
                "quantities": {q: [f.id for f in fs] for q, fs in report.split.items()},
                "updates": {q: [f.id for f in fs] for q, fs in report.updates.items()},
                "numbers": {_number(n): [f.id for f in fs] for n, fs in report.shared.items()},
            }
        return obj

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        rows = [tuple(";".join(v) if isinstance(v, list) else v for v in figure_json(ds, f).values()) for f in figures]
        return FIGURE_COLUMNS, rows

    return View(json=json, sheets=sheets, csv=csv)


def quantities_view(ds: Dataset) -> View:
    """The quantities `nkru calc` computes: id, label, unit and formula."""
    from nkru.render.sheets import pretty

    items = [(q.id, q.label, q.unit, pretty(q.formula.text)) for q in ds.quantities.values()]

    def sheets() -> list[Sheet]:
        return [sheet("Quantities (model.yaml): nkru calc ID computes one", ("Id", "Label", "Unit", "Formula"), list(items))]

    def json() -> dict[str, Any]:
        return {"quantities": [{"id": i, "label": label, "unit": unit, "formula": f} for i, label, unit, f in items]}

    return View(json=json, sheets=sheets, csv=lambda: (("id", "label", "unit", "formula"), list(items)))


SOURCE_COLUMNS = ("id", "kind", "label", "title", "publisher", "author", "published", "url", "seed", "text", "cited_by", "note")


def sources_view(ds: Dataset) -> View:
    """The sources listing: role, authorship, publication and who cites whom."""
    def sheets() -> list[Sheet]:
        numbers = SourceRefs(ds).numbers  # as every output cites them
        rows = [
            (s.id, f"[{numbers[s.id]}]", s.kind, describe_source(s, numbers), s.author, s.published)
            for s in ds.sources.values()
        ]
        return [sheet("Sources", ("Id", "No.", "Kind", "Source", "Author", "Published"), rows)]

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        rows = [tuple(";".join(v) if isinstance(v, list) else v for v in asdict(s).values()) for s in ds.sources.values()]
        return SOURCE_COLUMNS, rows

    return View(json=lambda: {"sources": [asdict(s) for s in ds.sources.values()]}, sheets=sheets, csv=csv)


def scenarios_view(scenarios: list[Scenario]) -> View:
    """The scenarios listing: what each reads into the articles and what it sets."""
    def settings(s: Scenario) -> list[tuple[str, str]]:
        return [(o.name, fmt_range(o.range, o.unit)) for o in s.overrides]

    def sheets() -> list[Sheet]:
        rows = [(s.name, s.note, "\n".join(f"{n} = {v}" for n, v in settings(s)), s.file) for s in scenarios]
        return [sheet("Scenarios", ("Name", "Reading", "Sets", "File"), rows)]

    def json() -> dict[str, Any]:
        return {"scenarios": [
            {"name": s.name, "file": s.file, "note": s.note, "sha256": s.digest,
             "set": {o.name: {"value": num(o.range.value), "low": num(o.range.low), "high": num(o.range.high), "figures": list(o.figures), "note": o.note} for o in s.overrides}}
            for s in scenarios
        ]}

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        rows = [(s.name, o.name, num(o.range.value), num(o.range.low), num(o.range.high), ";".join(o.figures), s.note) for s in scenarios for o in s.overrides]
        return ("scenario", "name", "value", "low", "high", "figures", "note"), rows

    return View(json=json, sheets=sheets, csv=csv)


# ---------------------------------------------------------------------------- check


def check_rows(report: Report | None, problems: list[Problem], ds: Dataset | None) -> list[tuple[str, Problem]]:
    """(kind, problem) for every finding, then every claim known not to reproduce."""
    findings = problems or (report.findings if report else [])
    rows = [("finding", p) for p in findings]
    if report and ds:
        for outcome in report.outcomes:
            if outcome.status == "unexplained":
                where = ds.locator.problem("claims", outcome.claim.id, (), "")
                message = f"stated {stated_text(ds, outcome).replace(chr(10), ' ')}, recomputed {computed_text(outcome)}; {implied_text(ds, outcome) or 'no input solved for'}"
                rows.append(("unexplained", where._replace(message=message)))
    return rows


def check_summary(report: Report | None, findings: int) -> str:
    """The last line of `nkru check`: ok with the counts, or the number of findings."""
    if findings or report is None:
        return f"nkru check: {findings} finding{'s' if findings != 1 else ''}"
    c = report.counts
    return (
        f"nkru check: ok: {c['sources']} sources, {c['figures']} figures, {c['claims']} claims "
        f"({c['reproduce']} reproduce, {c['unexplained']} known not to)"
    )


def check_lines(rows: list[tuple[str, Any]], summary: str) -> str:
    """The plain `nkru check` output: one `file:line:col: key: problem` line each."""
    lines = [str(p) if kind == "finding" else str(p._replace(message=f"unexplained (known, not a finding): {p.message}")) for kind, p in rows]
    return "".join(line + "\n" for line in lines + [summary])


def check_view(rows: list[tuple[str, Any]], summary: str) -> View:
    """`nkru check` in the structured formats."""
    def json() -> dict[str, Any]:
        return {
            "ok": not any(kind == "finding" for kind, _ in rows),
            "findings": [{"kind": kind, "file": p.file, "line": p.line, "col": p.col, "path": p.path, "message": p.message} for kind, p in rows],
            "summary": summary,
        }

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        return ("kind", "file", "line", "col", "path", "message"), [(kind, p.file, p.line, p.col, p.path, p.message) for kind, p in rows]

    def sheets() -> list[Sheet]:
        table_rows = [(kind, f"{p.file}:{p.line}:{p.col}", p.path, p.message) for kind, p in rows]
        return [sheet("nkru check", ("Kind", "Where", "Key", "Problem"), table_rows, caption=summary)]

    return View(json=json, sheets=sheets, csv=csv)
