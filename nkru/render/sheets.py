"""Tables as plain data (a Sheet), written out as Rich tables, Markdown, CSV or JSON, and the
number formatting they all share. Nothing here prints; all rounding for display lives here."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from nkru.engine.units import CURRENCIES
from nkru.errors import safe_text
from nkru.model import ROLES, Dataset, Figure, Range, Source
from nkru.render.jsontext import to_json

# ---------------------------------------------------------------------------- numbers


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


SIG = 3  # significant figures of every number nkru computes (stated numbers keep their digits)


def fmt(x: float | None, unit: str, sig: int | None = None) -> str:
    """One number in its unit, as a reader expects it: $286M, $4,545.45, 9.09%, 11,000.
    With `sig`, a computed number to that many significant figures, trailing zeros kept so a
    column lines up: 57.2%, 45.8%, 22.0%; $286M, $1.01B."""
    if x is None:
        return "—"
    if math.isnan(x):
        return "not a number"
    sign, x = ("−" if x < 0 else ""), abs(x)
    return sign + ("∞" if math.isinf(x) else _huge(x, unit) if x >= HUGE else _unsigned(x, unit, sig))


def fmt3(x: float | None, unit: str) -> str:
    """A computed number as nkru shows every computed number: SIG significant figures."""
    return fmt(x, unit, SIG)


HUGE = 1e21  # from here on a number is written as plain() writes it in messages: 1.79769e+308


def _huge(x: float, unit: str) -> str:
    """A number too large to write out digit by digit: six significant digits and its unit's marks."""
    mantissa, exponent = f"{x:.5e}".split("e")
    if unit in ("1", "fraction"):  # as a percentage, without multiplying (1.8e308 × 100 overflows)
        return f"{_trim(mantissa)}e+{int(exponent) + 2}%"
    text = f"{_trim(mantissa)}e+{int(exponent)}"
    if unit.startswith("USD"):
        return f"${text}"
    return f"{text}%" if _is_percent(unit) else f"{text} {unit}" if unit in CURRENCIES else text


def _is_percent(unit: str) -> bool:
    return unit.split("/", 1)[0] == "percent"  # percent, or percent/month: the unit words say "a month"


def _digits(x: float, decimals: int, sig: int | None) -> str:
    """x with thousands separators: to `decimals` places with trailing zeros trimmed, or to
    `sig` significant figures with them kept (a whole number of years stays whole: 2, not 2.00)."""
    if sig is None:
        return _trim(f"{x:,.{decimals}f}")
    if x == 0:
        return "0"
    rounded = float(f"{x:.{sig - 1}e}")  # rounding first: 9.996 is 10.0, not 10.00
    if rounded < TINY:
        return f"{rounded:.{sig - 1}e}"
    return f"{rounded:,.{max(sig - 1 - math.floor(math.log10(rounded)), 0)}f}"


TINY = 1e-4  # below this a computed number takes an exponent (1.00e-298), not hundreds of zeros


def _unsigned(x: float, unit: str, sig: int | None = None) -> str:
    if sig is not None:
        x = float(f"{x:.{sig - 1}e}")  # rounded before M or B is chosen: $999.6M is $1.00B, not $1,000M
    if unit.startswith("USD"):
        if x >= 1e9:
            return f"${_digits(x / 1e9, 3, sig)}B"
        if x >= 1e6:
            return f"${_digits(x / 1e6, 2, sig)}M"
        return f"${_digits(x, 2, sig)}"
    if unit in ("1", "fraction"):
        return f"{_digits(x * 100, 2, sig)}%"
    if _is_percent(unit):
        return f"{_digits(x, 2, sig)}%"
    if unit == "years" or unit == "year":
        return _digits(x, 2, sig) if sig is None or not float(x).is_integer() else f"{x:,.0f}"
    if unit in CURRENCIES:  # another currency: its code after the number, whole units
        return f"{x:,.0f} {unit}"
    return _digits(x, 2, sig)


def fmt_range(r: Range, unit: str, sig: int | None = None) -> str:
    """A range in its unit: one number for a point, 'low – high' otherwise."""
    return fmt(r.low, unit, sig) if r.is_point else f"{fmt(r.low, unit, sig)} – {fmt(r.high, unit, sig)}"


def fmt_figure(figure: Figure) -> str:
    """A figure as the article states it: qualifier, number or range, and unit in words."""
    number = fmt_range(figure.range, figure.unit)
    qualifier = "" if figure.qualifier == "exact" else f"{figure.qualifier} "
    if figure.unit.startswith("USD"):
        unit = figure.unit[3:].replace("/", " a ", 1).replace("/", " a ") if "/" in figure.unit else ""
    else:
        unit = "" if figure.unit == "percent" or figure.unit in CURRENCIES else f" {singular(figure.unit) if figure.range.is_point and figure.range.low == 1 else figure.unit}"
    return f"{qualifier}{number}{unit}"


def singular(unit: str) -> str:
    """One of a unit: 1 year, 1 soldier (the unit registry reads both forms)."""
    return unit[:-1] if unit.endswith("s") and " " not in unit else unit


def stated(figure: Figure, sep: str = ", ") -> str:
    """A figure as a reader meets it: its label, then as stated with basis (a total says none)
    and year: "China's S-400 price, $500M per regiment (2014)". `sep` follows the label."""
    basis = f" {figure.basis}" if figure.basis and figure.basis != "total" else ""
    year = f" ({figure.as_of})" if figure.as_of else ""
    text = f"{fmt_figure(figure)}{basis}{year}"
    return f"{figure.label}{sep}{text}" if figure.label else text


def unit_words(unit: str) -> str:
    """The unit after a number already formatted in it: '' for a fraction or plain dollars
    ($3B), ' per soldier per month' for USD/soldier/month, ' soldiers' for soldiers."""
    if unit in ("1", "fraction", "percent", "USD") or unit.startswith("USD") and "/" not in unit:
        return ""
    if unit.startswith("USD/"):
        return "".join(f" per {part}" for part in unit.split("/")[1:])
    return f" {unit}"


def named(ds: Dataset, name: str) -> str:
    """An input or quantity in words: its label, or its name where the data gives none."""
    spec = ds.inputs.get(name)
    if spec is not None:
        return spec.label or name
    quantity = ds.quantities.get(name)
    return quantity.label if quantity is not None else name


def pretty(formula: str) -> str:
    """A formula as a reader writes it: count × (pay × period + bonus)."""
    from nkru.engine.expr import compile_expr, show

    return show(compile_expr(formula)) if formula.strip() else ""


def signed(x: float, unit: str, sig: int | None = None) -> str:
    """A difference with its sign, + included; between percentages, in percentage points. With
    `sig`, to that many significant figures but never past two decimal places: +0.09 pp, not
    +0.0909 pp beside a recomputed 9.09%."""
    text = fmt(x, unit, sig)
    if sig is not None and len(re.sub(r"[^0-9.]", "", text).partition(".")[2]) > 2:
        text = fmt(x, unit)
    if text.endswith("%"):
        text = text[:-1] + " pp"
    return text if text.startswith("−") else f"+{text}"


def num(x: float | None) -> float | int | None:
    """JSON numbers: whole values as integers, so 286000000 reads as written."""
    return int(x) if x is not None and math.isfinite(x) and float(x).is_integer() and abs(x) < 2**53 else x


def range_json(r: Range | None) -> dict[str, Any]:
    """A range's numbers for JSON and CSV; all null where there is none."""
    if r is None:
        return {"value": None, "low": None, "high": None}
    return {"value": num(r.value), "low": num(r.low), "high": num(r.high)}


# ---------------------------------------------------------------------------- sheets


class Sheet(NamedTuple):
    """One table: a title, column names, rows of text, and how to show it."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    right: frozenset[str] = frozenset()  # columns aligned right (numbers)
    caption: str | None = None
    listing: bool = False  # a numbered list (the sources), not a grid
    prose: bool = False  # a paragraph (the answer): its one row's one cell, no title shown


def paragraph(title: str, text: str) -> Sheet:
    """Prose among the tables: the answer a command opens with."""
    return Sheet(title, (title,), [(text,)], prose=True)


def sheet(title: str, columns: tuple[str, ...], rows: Iterable[Sequence[str]], *, right: tuple[str, ...] = (), caption: str | None = None) -> Sheet:
    """A Sheet from any sequence of rows."""
    return Sheet(title, columns, [tuple(r) for r in rows], frozenset(right), caption)


class SourceRefs:
    """Numbers the sources an output cites: each source's place in sources.yaml, [1], [2], …,
    the same in every command, format and report, so tables pasted side by side agree."""

    def __init__(self, ds: Dataset):
        self.ds = ds
        self.numbers = {sid: n for n, sid in enumerate(ds.sources, 1)}
        self.cited: set[str] = set()

    def __call__(self, ids: tuple[str, ...] | list[str]) -> str:
        self.cited.update(ids)
        return "".join(f"[{n}]" for n in sorted({self.numbers[i] for i in ids}))

    def sheet(self) -> Sheet:
        """The sources cited so far, in their numbers' order."""
        rows: list[tuple[str, ...]] = [(f"[{n}]", describe_source(self.ds.sources[sid], self.numbers)) for sid, n in self.numbers.items() if sid in self.cited]
        return Sheet("Sources", ("", "Source"), rows, listing=True)


def describe_source(source: Source, numbers: dict[str, int] | None = None) -> str:
    """A source as the bibliography lists it: label, title, who cites it (by their numbers,
    where given), URL and role."""
    title = "" if source.title == "unstated" else f': "{source.title}"'
    citing = [f"[{numbers[c]}]" if numbers and c in numbers else c for c in source.cited_by]
    cited = f" (cited by {', '.join(citing)})" if citing else ""
    url = f" {source.url}" if source.url else ""
    role = "" if source.cited_by else f" — {ROLES[source.kind]}"  # "(cited by …)" already says a cited source's role
    return f"{source.label}{title}{cited}{url}{role}"


def safe_sheet(s: Sheet) -> Sheet:
    """The sheet with every title, heading, cell and caption passed through safe_text."""
    return s._replace(
        title=safe_text(s.title), columns=tuple(map(safe_text, s.columns)), rows=[tuple(map(safe_text, row)) for row in s.rows],
        right=frozenset(map(safe_text, s.right)), caption=None if s.caption is None else safe_text(s.caption),
    )


def md_text(text: str) -> str:
    """Text for a Markdown document: controls escaped, and no raw HTML (&, < and > as entities)."""
    return safe_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(cell: str) -> str:
    """A table cell: md_text, `|` escaped, and nkru's own line breaks as <br> (added after escaping)."""
    return md_text(cell).replace("|", "\\|").replace("\n", "<br>")


def to_markdown(sheets: list[Sheet]) -> str:
    """Sheets as GitHub-flavoured Markdown: a heading and a table each, the sources a list."""
    parts = []
    for s in sheets:
        if s.prose:
            parts.append(md_text(s.rows[0][0]))
            continue
        lines = [f"### {md_text(s.title)}", ""]
        if s.listing:
            lines += _md_numbered(s.rows)
        else:
            lines.append("| " + " | ".join(_md_cell(c) for c in s.columns) + " |")
            lines.append("|" + "|".join("---:" if c in s.right else "---" for c in s.columns) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in s.rows]
            if s.caption:
                lines += ["", f"_{md_text(s.caption)}_"]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _md_numbered(rows: list[tuple[str, ...]]) -> list[str]:
    """A numbered list keeping each source's own number ("[3]" is item 3). CommonMark numbers a
    list from its first item on, so where the numbers skip a new list starts, after an HTML
    comment that separates the two and shows nothing."""
    lines: list[str] = []
    previous = None
    for number, text in rows:
        n = int(number.strip("[]"))
        if previous is not None and n != previous + 1:
            lines += ["", "<!-- -->", ""]
        lines.append(f"{n}. {md_text(text)}")
        previous = n
    return lines


CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula (OWASP)


def csv_cell(cell: Any) -> Any:
    """A CSV cell: None as empty, numbers as they are, text through safe_text and, where it
    starts like a formula, behind a single quote so a spreadsheet shows it as text (OWASP)."""
    if cell is None:
        return ""
    if not isinstance(cell, str):
        return cell
    text = safe_text(cell)
    return f"'{text}" if text.startswith(CSV_FORMULA_START) else text


def to_csv(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """A header row and the rows, as the standard library's csv module writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


class View(NamedTuple):
    """What one command shows, ready to be written in any format."""

    json: Callable[[], dict[str, Any]]
    sheets: Callable[[], list[Sheet]]
    csv: Callable[[], tuple[tuple[str, ...], list[tuple[Any, ...]]]]
    rich: Callable[[], Any] | None = None  # a table-format renderable other than the sheets
    markdown: Callable[[], str] | None = None


def as_text(view: View, fmt_name: str) -> str:
    """The view in a text format: json, csv or markdown."""
    if fmt_name == "json":
        return to_json(view.json())
    if fmt_name == "csv":
        return to_csv(*view.csv())
    return md_text(view.markdown()) if view.markdown else to_markdown(view.sheets())
