"""Turns results into Rich tables, JSON and text lines; never prints. All rounding lives here."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from nkru import __version__
from nkru.calc import FORMULA_TEXT, ClaimOutcome, Computed, Placement, StatedBand, sources_of
from nkru.errors import Problem
from nkru.model import Dataset, Figure, Range, Result, Source

if TYPE_CHECKING:
    from nkru.audit import Report

STATUS_STYLE = {"reproduces": "green", "unexplained": "yellow", "differs": "bold red"}


# ---------------------------------------------------------------------------- numbers


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt(x: float | None, unit: str) -> str:
    """One number in its unit, as a reader expects it: $286M, $4,545.45, 9.09%, 11,000."""
    if x is None:
        return "—"
    sign, x = ("−" if x < 0 else ""), abs(x)
    return sign + _unsigned(x, unit)


def _unsigned(x: float, unit: str) -> str:
    if unit.startswith("USD"):
        if x >= 1e9:
            return f"${_trim(f'{x / 1e9:,.3f}')}B"
        if x >= 1e6:
            return f"${_trim(f'{x / 1e6:,.2f}')}M"
        return f"${_trim(f'{x:,.2f}')}"
    if unit == "fraction":
        return f"{_trim(f'{x * 100:.2f}')}%"
    if unit == "percent":
        return f"{_trim(f'{x:.2f}')}%"
    if unit == "years":
        return f"{x:,.2f}"
    if unit in ("KRW", "RUB"):
        return f"{x:,.0f} {unit}"
    return _trim(f"{x:,.2f}")


def fmt_range(r: Range, unit: str) -> str:
    return fmt(r.low, unit) if r.is_point else f"{fmt(r.low, unit)} – {fmt(r.high, unit)}"


def fmt_figure(figure: Figure) -> str:
    number = fmt_range(figure.range, figure.unit)
    qualifier = "" if figure.qualifier == "exact" else f"{figure.qualifier} "
    unit = "" if figure.unit in ("USD", "percent", "KRW", "RUB") else f" {figure.unit}"
    return f"{qualifier}{number}{unit}"


def num(x: float | None) -> float | int | None:
    """JSON numbers: whole values as integers, so 286000000 reads as written."""
    return int(x) if x is not None and float(x).is_integer() and abs(x) < 2**53 else x


# ---------------------------------------------------------------------------- sources


class SourceRefs:
    """Numbers the sources an output cites, in order of first use: [1], [2], …"""

    def __init__(self, ds: Dataset):
        self.ds = ds
        self.order: dict[str, int] = {}

    def __call__(self, ids: tuple[str, ...] | list[str]) -> str:
        numbers = {self.order.setdefault(i, len(self.order) + 1) for i in ids}
        return "".join(f"[{n}]" for n in sorted(numbers))

    def footer(self) -> Table:
        table = Table(title="Sources", title_justify="left", show_header=False, box=None, pad_edge=False)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(overflow="fold")
        for sid, n in self.order.items():
            _row(table, f"[{n}]", Text(describe_source(self.ds.sources[sid])))
        return table


def describe_source(source: Source) -> str:
    title = "" if source.title == "unstated" else f': "{source.title}"'
    cited = f" (cited by {', '.join(source.cited_by)})" if source.cited_by else ""
    url = f" {source.url}" if source.url else ""
    return f"{source.label}{title}{cited}{url}"


def _table(title: str, *columns: str, right: tuple[str, ...] = ()) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold")
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def _row(table: Table, *cells: str | Text) -> None:
    """Add a row of plain text: nothing a user wrote is read as Rich markup ("[citation needed]"
    stays), and Rich is spared parsing every cell for it."""
    table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in cells))


# ---------------------------------------------------------------------------- commands


def computed_table(ds: Dataset, computed: Computed) -> Group:
    """The tables of `deal-value` or `casualties`, every row with its source references."""
    refs = SourceRefs(ds)
    parts: list[Any] = [_inputs_table(ds, computed, refs), _results_table(computed, refs)]
    if computed.placements:
        parts.append(_bands_table(computed.placements, refs))
    prices = [r for r in computed.results if r.details.get("measure") == "ratio"]
    if prices:
        parts.append(_prices_table(ds, computed, prices, refs))
    parts.append(_claims_table(ds, computed.claims, refs))
    parts.append(refs.footer())
    return Group(*parts)


def _inputs_table(ds: Dataset, computed: Computed, refs: SourceRefs) -> Table:
    table = _table("Assumptions", "Name", "Value", "Range", "Unit", "From", right=("Value", "Range"))
    for item in computed.inputs.values():
        origin = refs(sources_of(ds, item.figures)) if item.origin == "data" else item.origin
        _row(table, item.name, fmt(item.range.value, item.unit), fmt_range(item.range, item.unit), item.unit, origin)
    return table


def _results_table(computed: Computed, refs: SourceRefs) -> Table:
    table = _table("Results", "Result", "Value", "Range", "Sources", right=("Value", "Range"))
    for result in computed.results:
        if "measure" in result.details:
            continue
        _row(table, result.label, fmt(result.range.value, result.unit), fmt_range(result.range, result.unit), provenance(result, refs))
    if computed.results and "formula" in computed.results[0].details:
        table.caption = Text(f"{computed.results[0].id} = {computed.results[0].details['formula']}")
        table.caption_justify = "left"
    return table


def provenance(result: Result, refs: SourceRefs) -> str:
    """A result's source references, and any `--set` it depends on."""
    return " ".join([refs(result.sources), *result.details.get("set_by", [])]).strip()


def band_text(band: StatedBand) -> str:
    if band.high is None:
        return f"{'at least' if band.low_inclusive else 'over'} {fmt(band.low, 'fraction')}"
    return f"{fmt(band.low, 'fraction')}–{fmt(band.high, 'fraction')}"


def placement_text(placement: Placement) -> str:
    if placement.band:
        return f"{band_text(placement.band)}: {placement.band.label}"
    if placement.below and placement.above:
        return f"between {_edge(placement.below, 'high')} and {_edge(placement.above, 'low')}: the article gives no label"
    if placement.above:
        return f"below {_edge(placement.above, 'low')}: the article gives no label"
    return f"above {_edge(placement.below, 'high')}: the article gives no label"


def _edge(band: StatedBand, end: str) -> str:
    return fmt(band.low if end == "low" or band.high is None else band.high, "fraction")


def _bands_table(placements: tuple[Placement, Placement], refs: SourceRefs) -> Table:
    table = _table("Casualty rate against the article's thresholds", "End", "Rate", "Where it falls", "Sources", right=("Rate",))
    for end, placement in zip(("low", "high"), placements):
        band = placement.band or placement.above or placement.below
        _row(table, end, fmt(placement.rate, "fraction"), placement_text(placement), refs([band.figure.source]) if band else "")
    return table


def _prices_table(ds: Dataset, computed: Computed, ratios: list[Result], refs: SourceRefs) -> Table:
    by_id = {r.id: r for r in computed.results}
    table = _table(
        "One year of the deployment against S-400 prices", "Price", "Basis", "One year covers", "Shortfall",
        "Years to equal", "Source", right=("One year covers", "Shortfall", "Years to equal"),
    )
    for ratio in ratios:
        figure = ds.figures[ratio.details["price_figure"]]
        shortfall, years = by_id[f"shortfall_to_{figure.id}"], by_id[f"years_to_equal_{figure.id}"]
        year = f" ({figure.as_of})" if figure.as_of else ""
        _row(table, 
            f"{fmt_figure(figure)}{year}", figure.basis,
            *(f"{fmt(r.range.value, r.unit)}\n{fmt_range(r.range, r.unit)}" for r in (ratio, shortfall, years)),
            refs([figure.source]),
        )
    if computed.warnings:
        table.caption = Text("Warning: " + "; ".join(computed.warnings))
        table.caption_justify = "left"
    return table


def stated_text(ds: Dataset, outcome: ClaimOutcome) -> str:
    claim = outcome.claim
    if outcome.stated is None:
        return f'"{claim.stated.text}"'
    return fmt_figure(ds.figures[claim.stated])


def computed_text(outcome: ClaimOutcome) -> str:
    if outcome.stated is None:
        return f"{outcome.computed.low:.3f} (must be below {outcome.claim.stated.below:g})"
    return fmt_range(outcome.computed, outcome.stated_unit) if outcome.computed.value is None else fmt(outcome.computed.value, outcome.stated_unit)


def difference_text(outcome: ClaimOutcome) -> str:
    diff = outcome.difference
    if diff is None:
        return ""
    if outcome.computed.value is None or diff.value is None:
        return f"{_signed(diff.low, outcome.stated_unit)} / {_signed(diff.high, outcome.stated_unit)}"
    return _signed(diff.value, outcome.stated_unit)


def _signed(x: float, unit: str) -> str:
    text = fmt(x, unit)
    return text if text.startswith("−") else f"+{text}"


def implied_text(outcome: ClaimOutcome) -> str:
    parts = [f"{i.name} = {fmt(i.value, i.unit)}" if i.value is not None else f"no {i.name} reaches it" for i in outcome.implied]
    return "needs " + " or ".join(parts) if parts else ""


def _claims_table(ds: Dataset, outcomes: list[ClaimOutcome], refs: SourceRefs) -> Table:
    table = _table("The articles' claims, recomputed from their stated inputs", "Claim", "Stated", "Recomputed", "Difference", "Status", right=("Recomputed", "Difference"))
    for outcome in outcomes:
        status = Text(outcome.status, style=STATUS_STYLE[outcome.status])
        if outcome.implied:
            status.append("\n" + implied_text(outcome))
        _row(table, f"{outcome.claim.id} {refs([outcome.claim.source])}", stated_text(ds, outcome), computed_text(outcome), difference_text(outcome), status)
    return table


# ---------------------------------------------------------------------------- JSON


def dump(obj: dict[str, Any]) -> str:
    import json

    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def range_json(r: Range) -> dict[str, Any]:
    return {"value": num(r.value), "low": num(r.low), "high": num(r.high)}


def placement_json(placement: Placement) -> dict[str, Any]:
    band = placement.band
    return {
        "rate": placement.rate,
        "band": band.figure.id if band else None,
        "label": band.label if band else None,
        "text": placement_text(placement),
    }


def claim_json(ds: Dataset, outcome: ClaimOutcome) -> dict[str, Any]:
    claim = outcome.claim
    if outcome.stated is None:
        stated: dict[str, Any] = {"below": num(claim.stated.below), "text": claim.stated.text}
    else:
        figure = ds.figures[claim.stated]
        stated = {"figure": figure.id, **range_json(outcome.stated), "unit": figure.unit, "qualifier": figure.qualifier}
    diff = outcome.difference
    return {
        "id": claim.id,
        "source": claim.source,
        "says": claim.says,
        "stated": stated,
        "computed": {**range_json(outcome.computed), "unit": outcome.stated_unit},
        "difference": range_json(diff) if diff else None,
        "status": outcome.status,
        "formula": f"{claim.formula} = {FORMULA_TEXT[claim.formula]}",
        "inputs": {i.name: {**range_json(i.range), "figure": i.figure, "take": i.take} for i in outcome.inputs},
        "implied": [{"name": i.name, "value": num(i.value), "unit": i.unit} for i in outcome.implied],
    }


def computed_json(ds: Dataset, computed: Computed) -> str:
    """The stable JSON contract of `deal-value` and `casualties`."""
    obj: dict[str, Any] = {
        "command": computed.command,
        "nkru_version": __version__,
        "assumptions": {
            name: {
                **range_json(item.range),
                "unit": item.unit,
                "source": ", ".join(item.figures) if item.origin == "data" else item.origin,
                "figures": list(item.figures),
                "origin": "data" if item.origin == "data" else "--set",
            }
            for name, item in computed.inputs.items()
        },
        "results": [
            {"id": r.id, "label": r.label, **range_json(r.range), "unit": r.unit, "sources": list(r.sources), **r.details}
            for r in computed.results
        ],
        "claims": [claim_json(ds, o) for o in computed.claims],
        "warnings": computed.warnings,
    }
    if computed.placements:
        obj["placements"] = {end: placement_json(p) for end, p in zip(("low", "high"), computed.placements)}
    return dump(obj)


# ---------------------------------------------------------------------------- figures, sources


def figure_json(ds: Dataset, figure: Figure) -> dict[str, Any]:
    return {
        "id": figure.id, "quantity": figure.quantity, "value": num(figure.value), "low": num(figure.low),
        "high": num(figure.high), "unit": figure.unit, "basis": figure.basis, "qualifier": figure.qualifier,
        "as_of": figure.as_of, "source": figure.source, "cites": list(figure.cites), "quote": figure.quote,
        "note": figure.note, "context": figure.id in ds.context_ids,
    }


def disagreements(figures: list[Figure]) -> dict[str, list[Figure]]:
    """Quantities that more than one source states with different numbers, unit or basis."""
    by_quantity: dict[str, list[Figure]] = {}
    for figure in figures:
        by_quantity.setdefault(figure.quantity, []).append(figure)
    return {
        q: fs for q, fs in by_quantity.items()
        if len({f.source for f in fs}) > 1 and len({(f.value, f.low, f.high, f.unit, f.basis) for f in fs}) > 1
    }


def figures_table(ds: Dataset, figures: list[Figure]) -> Group:
    refs = SourceRefs(ds)
    table = _table("Figures", "Id", "Quantity", "Figure", "Basis", "As of", "Source", right=("Figure",))
    for figure in figures:
        context = " context" if figure.id in ds.context_ids else ""
        _row(table, figure.id, figure.quantity, fmt_figure(figure), figure.basis, figure.as_of or "", refs([figure.source, *figure.cites]) + context)
    parts: list[Any] = [table]
    split = disagreements(figures)
    if split:
        differ = _table("Where the sources disagree", "Quantity", "Figures")
        for quantity, fs in split.items():
            _row(differ, quantity, "\n".join(f"{fmt_figure(f)} ({f.basis}) {refs([f.source])}" for f in fs))
        parts.append(differ)
    parts.append(refs.footer())
    return Group(*parts)


def figures_json(ds: Dataset, figures: list[Figure]) -> str:
    return dump({"figures": [figure_json(ds, f) for f in figures]})


def sources_table(ds: Dataset) -> Table:
    table = _table("Sources", "Id", "Kind", "Source", "Author", "Published", "Cited by")
    for s in ds.sources.values():
        _row(table, s.id, s.kind, Text(describe_source(s).removesuffix(f" (cited by {', '.join(s.cited_by)})") if s.cited_by else describe_source(s)), s.author, s.published, ", ".join(s.cited_by))
    return table


def sources_json(ds: Dataset) -> str:
    return dump({"sources": [asdict(s) for s in ds.sources.values()]})


# ---------------------------------------------------------------------------- check


def check_lines(report: Report | None, problems: list[Problem], ds: Dataset | None) -> list[str]:
    """`nkru check` output: a line per finding, the claims nkru cannot reproduce, a summary."""
    findings = [str(p) for p in (problems or (report.findings if report else []))]
    lines = list(findings)
    if report and ds:
        for outcome in report.outcomes:
            if outcome.status == "unexplained":
                where = ds.locator.problem("claims", outcome.claim.id, (), "")
                lines.append(
                    f"{where.file}:{where.line}:{where.col}: {where.path}: unexplained (known, not a finding): "
                    f"stated {stated_text(ds, outcome)}, recomputed {computed_text(outcome)}; {implied_text(outcome) or 'no input solved for'}"
                )
    if findings:
        lines.append(f"nkru check: {len(findings)} finding{'s' if len(findings) != 1 else ''}")
    elif report:
        c = report.counts
        lines.append(
            f"nkru check: ok: {c['sources']} sources, {c['figures']} figures, {c['claims']} claims "
            f"({c['reproduce']} reproduce, {c['unexplained']} known not to)"
        )
    return lines
