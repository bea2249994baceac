"""The views of `compare` (scenarios side by side) and `explain` (where one number comes from)."""

from __future__ import annotations

from typing import Any

from nkru.calc import Computed, Input
from nkru.model import Dataset, Figure, Result
from nkru.render.listings import figure_json
from nkru.render.sheets import Sheet, View, fmt, fmt_figure, fmt_range, range_json, sheet, signed

# ---------------------------------------------------------------------------- compare


def headline_ids(ds: Dataset) -> list[str]:
    """The rows of `nkru compare`: the inputs, then the results a reader looks at first. The
    price is the first one `compare_with` lists (no cheapest is picked across unit bases)."""
    price = ds.compare_with.s400_prices[0]
    return [
        "troops", "monthly_pay_usd", "months", "bonus_usd", "losses", "annual_value_usd",
        f"ratio_to_{price}", f"years_to_equal_{price}", "share_of_total_deal", "casualty_rate",
    ]


def compare_rows(ds: Dataset, columns: list[tuple[str, list[Computed]]]) -> list[dict[str, Any]]:
    """One row per headline id: its label, unit, and each column's range."""
    rows = []
    for ident in headline_ids(ds):
        label, unit, values = ident, "", []
        for _, computed in columns:
            found = _find(computed, ident)
            if found is None:
                values.append(None)
                continue
            label, unit, value = found
            values.append(value)
        rows.append({"id": ident, "label": label, "unit": unit, "values": values})
    return rows


def _find(computed: list[Computed], ident: str) -> tuple[str, str, Any] | None:
    for c in computed:
        if ident in c.inputs:
            item = c.inputs[ident]
            return ident, item.unit, item.range
        for r in c.results:
            if r.id == ident:
                return r.label, r.unit, r.range
    return None


def compare_view(ds: Dataset, columns: list[tuple[str, list[Computed]]], run: dict[str, Any]) -> View:
    names = [name for name, _ in columns]
    rows = compare_rows(ds, columns)

    def cell(value: Any, unit: str, first: Any) -> str:
        text = fmt(value.value, unit) if value.value is not None else fmt_range(value, unit)
        if first is None or value is first:
            return text
        diff = value.minus(first)
        delta = signed(diff.value, unit) if diff.value is not None else f"{signed(diff.low, unit)} / {signed(diff.high, unit)}"
        return f"{text}\n({delta})"

    def sheets() -> list[Sheet]:
        table = []
        for row in rows:
            first = row["values"][0]
            table.append((row["label"], *(cell(v, row["unit"], first) if v is not None else "—" for v in row["values"])))
        caption = f"Differences in brackets are against {names[0]}."
        return [sheet("Scenarios compared", ("", *names), table, right=tuple(names), caption=caption)]

    def json() -> dict[str, Any]:
        from nkru.render.computed import run_json

        out_rows = []
        for row in rows:
            first = row["values"][0]
            out_rows.append({
                "id": row["id"], "label": row["label"], "unit": row["unit"],
                "columns": [
                    {"scenario": name, **range_json(v), "difference": range_json(v.minus(first)) if first is not None and v is not first else None}
                    for name, v in zip(names, row["values"])
                ],
            })
        return {"command": "compare", **run_json(ds, run), "columns": names, "rows": out_rows}

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        out = []
        for row in rows:
            for name, v in zip(names, row["values"]):
                out.append((row["id"], row["label"], name, *range_json(v).values(), row["unit"]))
        return ("id", "label", "scenario", "value", "low", "high", "unit"), out

    return View(json=json, sheets=sheets, csv=csv)


# ---------------------------------------------------------------------------- explain


def _input_lines(ds: Dataset, item: Input) -> tuple[str, list[tuple[str, list[str]]]]:
    """An input's headline, and (figure line, detail lines) for each figure behind it."""
    value = fmt(item.range.value, item.unit)
    spread = "" if item.range.is_point else f" (range {fmt_range(item.range, item.unit)})"
    origin = "from the data (assumptions.yaml)" if item.origin == "data" else f"set by {item.origin}"
    unit = "" if item.unit == "USD" else f" {item.unit}"
    head = f"{item.name} = {value}{spread}{unit}, {origin}"
    return head + (f" — {item.note}" if item.note else ""), [_figure_lines(ds, ds.figures[f]) for f in item.figures]


def _figure_lines(ds: Dataset, figure: Figure) -> tuple[str, list[str]]:
    source = ds.sources[figure.source]
    cited = f", citing {', '.join(ds.sources[c].label for c in figure.cites)}" if figure.cites else ""
    details = [f'"{figure.quote}"', f"qualifier: {figure.qualifier}; basis: {figure.basis}" + (f"; as of {figure.as_of}" if figure.as_of else "")]
    if figure.note:
        details.append(f"note: {figure.note}")
    return f"{figure.id}: {fmt_figure(figure)} — {source.label}{cited}", details


def explain_view(ds: Dataset, result: Result, inputs: dict[str, Input], run: dict[str, Any]) -> View:
    names = result.details.get("inputs", [])
    direct = result.details.get("figures", [])
    head = f"{result.id} = {result.details.get('formula', '')}".rstrip(" =")
    spread = "" if result.range.is_point else f" (range {fmt_range(result.range, result.unit)})"
    value_line = f"{result.label}: {fmt(result.range.value, result.unit)}{spread}"

    def rich() -> Any:
        from rich.text import Text
        from rich.tree import Tree

        tree = Tree(Text(head, style="bold"))
        tree.add(Text(value_line))
        for name in names:
            line, figures = _input_lines(ds, inputs[name])
            branch = tree.add(Text(line))
            for figure_line, details in figures:
                leaf = branch.add(Text(figure_line))
                for detail in details:
                    leaf.add(Text(detail))
        for fid in direct:
            figure_line, details = _figure_lines(ds, ds.figures[fid])
            leaf = tree.add(Text(figure_line))
            for detail in details:
                leaf.add(Text(detail))
        return tree

    def markdown() -> str:
        lines = [f"### {head}", "", f"{value_line}", ""]
        for name in names:
            line, figures = _input_lines(ds, inputs[name])
            lines.append(f"- {line}")
            for figure_line, details in figures:
                lines.append(f"  - {figure_line}")
                lines += [f"    - {d}" for d in details]
        for fid in direct:
            figure_line, details = _figure_lines(ds, ds.figures[fid])
            lines.append(f"- {figure_line}")
            lines += [f"  - {d}" for d in details]
        return "\n".join(lines) + "\n"

    def json() -> dict[str, Any]:
        from nkru.render.computed import run_json

        return {
            "command": "explain", **run_json(ds, run),
            "id": result.id, "label": result.label, "formula": result.details.get("formula"),
            **range_json(result.range), "unit": result.unit, "sources": list(result.sources),
            "inputs": [
                {"name": n, **range_json(inputs[n].range), "unit": inputs[n].unit, "origin": inputs[n].origin,
                 "note": inputs[n].note, "figures": [figure_json(ds, ds.figures[f]) for f in inputs[n].figures]}
                for n in names
            ],
            "figures": [figure_json(ds, ds.figures[f]) for f in direct],
        }

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        rows = [(n, *range_json(inputs[n].range).values(), inputs[n].unit, inputs[n].origin, ";".join(inputs[n].figures)) for n in names]
        return ("input", "value", "low", "high", "unit", "origin", "figures"), rows

    def sheets() -> list[Sheet]:
        header, rows = csv()
        return [sheet(head, header, [tuple("" if c is None else str(c) for c in r) for r in rows])]

    return View(json=json, sheets=sheets, csv=csv, rich=rich, markdown=markdown)
