"""The views of `compare` (scenarios side by side) and `explain` (where one number comes from)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from nkru.model import Dataset, Figure, Input, Range, Row
from nkru.render.listings import figure_json

if TYPE_CHECKING:
    from nkru.compare import Compared
from nkru.render.sheets import SIG, Sheet, View, fmt, fmt_figure, fmt_range, named, pretty, range_json, sheet, signed, unit_words

# ---------------------------------------------------------------------------- compare


def compare_view(ds: Dataset, names: list[str], rows: list[Compared], run: dict[str, Any]) -> View:
    """Scenarios side by side: a column each, differences against the first in brackets."""

    def cell(value: Range, unit: str, diff: Range | None, sig: int | None) -> str:
        text = fmt(value.value, unit, sig) if value.value is not None else fmt_range(value, unit, sig)
        if diff is None:
            return text
        delta = signed(diff.value, unit, sig) if diff.value is not None else f"{signed(diff.low, unit, sig)} / {signed(diff.high, unit, sig)}"
        return f"{text}\n({delta})"

    def sheets() -> list[Sheet]:
        # An input as stated; a result as nkru writes every computed number (SIG figures).
        table = [(named(ds, row.id) if row.id in ds.inputs else row.label,
                  *(cell(v, row.unit, d, None if row.id in ds.inputs else SIG) if v is not None else "—" for v, d in zip(row.values, row.differences)))
                 for row in rows]
        caption = f"Differences in brackets are against {names[0]}."
        return [sheet("Scenarios compared", ("Input or result", *names), table, right=tuple(names), caption=caption)]

    def json() -> dict[str, Any]:
        from nkru.render.computed import run_json

        out_rows = [
            {"id": row.id, "label": row.label, "unit": row.unit, "columns": [
                {"scenario": name, **range_json(v), "difference": range_json(d) if d is not None else None}
                for name, v, d in zip(names, row.values, row.differences)
            ]}
            for row in rows
        ]
        return {"command": "compare", **run_json(ds, run), "columns": names, "rows": out_rows}

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        out = [(row.id, row.label, name, *range_json(v).values(), row.unit) for row in rows for name, v in zip(names, row.values)]
        return ("id", "label", "scenario", "value", "low", "high", "unit"), out

    return View(json=json, sheets=sheets, csv=csv)


# ---------------------------------------------------------------------------- explain


class Node(NamedTuple):
    """One line of an explanation and the lines under it."""

    text: str
    children: tuple[Node, ...] = ()


def _figure_node(ds: Dataset, figure: Figure) -> Node:
    source = ds.sources[figure.source]
    cited = f", citing {', '.join(ds.sources[c].label for c in figure.cites)}" if figure.cites else ""
    cited += f", its own estimate building on {', '.join(ds.sources[c].label for c in figure.builds_on)}" if figure.builds_on else ""
    basis = f"; basis: {figure.basis}" if figure.basis else ""
    details = [f'"{figure.quote}"', f"qualifier: {figure.qualifier}; unit: {figure.unit}{basis}" + (f"; as of {figure.as_of}" if figure.as_of else "")]
    if figure.note:
        details.append(f"note: {figure.note}")
    return Node(f"{figure.id}: {fmt_figure(figure)} — {source.label}{cited}", tuple(Node(d) for d in details))


def _input_node(ds: Dataset, item: Input) -> Node:
    value = fmt(item.range.value, item.unit)
    spread = "" if item.range.is_point else f" (range {fmt_range(item.range, item.unit)})"
    where = "assumptions.yaml" if item.origin == "data" else item.origin
    if item.derived:
        origin = f"from {pretty(item.derived)} ({where})"
    else:
        origin = "from the data (assumptions.yaml)" if item.origin == "data" else f"set by {item.origin}"
    head = f"{item.name} = {value}{spread}{unit_words(item.unit)}, {origin}"
    children = [Node(f"note (the analyst's own reasoning): {item.note}")] if item.note and not item.figures else []
    if item.note and item.figures:
        head += f" — {item.note}"
    return Node(head, tuple(children) + tuple(_figure_node(ds, ds.figures[f]) for f in item.figures))


def explain_tree(ds: Dataset, row: Row, quantity_rows: dict[str, Row], inputs: dict[str, Input]) -> Node:
    """The row's formula, each name in it traced down: quantities to their own formulas, inputs
    to the figures (and quotes) or notes behind them, figures to their quotes."""
    from nkru.engine import expr

    def walk(text: str, against: str | None, seen: frozenset[str]) -> tuple[Node, ...]:
        nodes = []
        for name in expr.compile_expr(text).names:
            if name in inputs:
                nodes.append(_input_node(ds, inputs[name]))
            elif name in ds.quantities and name not in seen:
                q, r = ds.quantities[name], quantity_rows[name]
                head = f"{name} = {pretty(q.formula.text)} = {fmt(r.range.value, r.unit, SIG)}" + ("" if r.range.is_point else f" (range {fmt_range(r.range, r.unit, SIG)})")
                nodes.append(Node(head, walk(q.formula.text, None, seen | {name})))
            elif name == "against" and against:
                nodes.append(_figure_node(ds, ds.figures[against]))
            elif name in ds.figures:
                nodes.append(_figure_node(ds, ds.figures[name]))
        return tuple(nodes)

    if row.id in inputs and row.formula == row.id:  # an input: where its numbers come from
        return Node(f"{row.id}: an input (assumptions.yaml)", (_input_node(ds, inputs[row.id]),))
    spread = "" if row.range.is_point else f" (range {fmt_range(row.range, row.unit, SIG)})"
    bounds = "exact bounds" if row.exact else "a sound enclosure (a formula that is not monotone in each input, or uses one twice)"
    value = Node(f"{row.label}: {fmt(row.range.value, row.unit, SIG)}{spread}{unit_words(row.unit)}; {bounds}")
    return Node(f"{row.id} = {pretty(row.formula)}", (value, *walk(row.formula, row.against, frozenset({row.id}))))


def explain_view(ds: Dataset, row: Row, quantity_rows: dict[str, Row], inputs: dict[str, Input], run: dict[str, Any]) -> View:
    """Where one number comes from, as a tree (table, Markdown) or as JSON and CSV."""
    tree = explain_tree(ds, row, quantity_rows, inputs)

    def rich() -> Any:
        from rich.text import Text
        from rich.tree import Tree

        def grow(into: Any, node: Node) -> None:
            for child in node.children:
                grow(into.add(Text(child.text)), child)

        root = Tree(Text(tree.text, style="bold"))
        grow(root, tree)
        return root

    def markdown() -> str:
        lines = [f"### {tree.text}", ""]

        def grow(node: Node, depth: int) -> None:
            for child in node.children:
                lines.append(f"{'  ' * depth}- {child.text}")
                grow(child, depth + 1)

        grow(tree, 0)
        return "\n".join(lines) + "\n"

    used = [n for n in row.inputs if n in inputs]

    def json() -> dict[str, Any]:
        from nkru.render.computed import row_json, run_json

        return {
            "command": "explain", **run_json(ds, run), **row_json(row),
            "inputs": [
                {"name": n, **range_json(inputs[n].range), "unit": inputs[n].unit, "origin": inputs[n].origin, "from": inputs[n].derived,
                 "note": inputs[n].note, "figures": [figure_json(ds, ds.figures[f]) for f in inputs[n].figures]}
                for n in used
            ],
            "figures": [figure_json(ds, ds.figures[f]) for f in row.figures],
        }

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        rows = [(n, *range_json(inputs[n].range).values(), inputs[n].unit, inputs[n].origin, ";".join(inputs[n].figures)) for n in used]
        return ("input", "value", "low", "high", "unit", "origin", "figures"), rows

    def sheets() -> list[Sheet]:
        header, rows = csv()
        return [sheet(tree.text, header, [tuple("" if c is None else str(c) for c in r) for r in rows])]

    return View(json=json, sheets=sheets, csv=csv, rich=rich, markdown=markdown)
