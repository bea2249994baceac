"""`nkru report` as one self-contained HTML page (or Markdown with its charts beside it): the
answer, the tables every command prints, the claims audit, the bands, the charts, one
bibliography and what reproduces it. Tables come from the commands' own Sheets, so the report
follows the CLI's tables and labels. Every text is escaped; nothing is fetched: no fonts,
scripts, styles or images from anywhere, the system's fonts only."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from nkru.model import Dataset
from nkru.render.bands import band_text
from nkru.render.computed import claims_sheet, computed_sheets, run_json
from nkru.render.sheets import Sheet, SourceRefs, md_text, safe_sheet, sheet, to_markdown

# Light and print-friendly; every text colour passes WCAG's 4.5:1 against the page (a test checks).
BACKGROUND = "#ffffff"
TEXT = {"body": "#1a1a1a", "muted": "#4d4d4d", "link": "#005a8c", "reproduces": "#006b4f", "unexplained": "#8a4b00", "differs": "#b03000"}

CSS = f"""
:root {{ color-scheme: light; }}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  color: {TEXT["body"]}; background: {BACKGROUND}; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.25rem; border-bottom: 1px solid #cccccc; padding-bottom: .2rem; margin-top: 2rem; }}
h3 {{ font-size: 1.05rem; }}
.answer {{ font-size: 1.1rem; border-left: 4px solid #0072B2; padding-left: .8rem; }}
a {{ color: {TEXT["link"]}; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.2rem; font-size: .9rem; width: 100%; }}
caption {{ text-align: left; font-weight: 600; padding: .3rem 0; }}
th, td {{ border: 1px solid #cccccc; padding: .25rem .45rem; vertical-align: top; text-align: left; }}
th {{ background: #f2f2f2; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.note, figcaption, .muted {{ color: {TEXT["muted"]}; font-size: .85rem; }}
.reproduces {{ color: {TEXT["reproduces"]}; }} .unexplained {{ color: {TEXT["unexplained"]}; }} .differs {{ color: {TEXT["differs"]}; font-weight: 600; }}
ul.sources {{ list-style: none; padding-left: 0; }}
figure {{ margin: 1rem 0 1.5rem; }} figure svg {{ max-width: 100%; height: auto; display: block; }}
code {{ font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85rem; overflow-wrap: anywhere; }}
@media print {{
  body {{ margin: 0; max-width: none; font-size: 10pt; }} a {{ color: inherit; text-decoration: none; }}
  table, figure {{ page-break-inside: avoid; }} h2 {{ page-break-after: avoid; }}
}}
"""


def esc(text: str) -> str:
    """Text for HTML: every character that could open markup escaped, quotes included."""
    return html.escape(text, quote=True)


_CITATION = re.compile(r"\[(\d+)\]")


def cell_html(text: str) -> str:
    """A cell's text: escaped, nkru's line breaks as <br>, each [n] a link to its source."""
    return _CITATION.sub(r'<a href="#source-\1">[\1]</a>', esc(text)).replace("\n", "<br>")


def sheet_html(s: Sheet) -> str:
    """One Sheet as a <table>: its title the caption, its right-aligned columns numeric, its
    caption the notes under it. A listing (the sources) has no header row."""
    s = safe_sheet(s)
    if s.prose:
        return f"<p>{cell_html(s.rows[0][0])}</p>"
    numeric = [column in s.right for column in s.columns]
    lines = ["<table>", f"<caption>{esc(s.title)}</caption>"]
    if not s.listing:
        heads = "".join(f'<th scope="col"{_num(n)}>{esc(c)}</th>' for c, n in zip(s.columns, numeric))
        lines.append(f"<thead><tr>{heads}</tr></thead>")
    lines.append("<tbody>")
    for row in s.rows:
        cells = "".join(f"<td{_num(n)}{_status(c, cell)}>{cell_html(cell)}</td>" for c, n, cell in zip(s.columns, numeric, row))
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</tbody></table>")
    if s.caption:
        lines.append(f'<p class="note">{cell_html(s.caption)}</p>')
    return "\n".join(lines)


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _status(column: str, cell: str) -> str:
    word = cell.split("\n", 1)[0]
    return f' class="{word}"' if column == "Status" and word in TEXT else ""


# ---------------------------------------------------------------------------- the document's parts


class Section(NamedTuple):
    """A heading and the sheets under it."""

    title: str
    sheets: list[Sheet]


def key_tables(ds: Dataset, computed: Any) -> tuple[list[Sheet], Sheet]:
    """A command's tables, every column shown (--full), and the sources they cite; its answer,
    claims and simulation have their own sections."""
    sheets = computed_sheets(ds, computed._replace(claims=[], simulated=None), full=True)
    return [s for s in sheets if not (s.listing or s.prose)], next(s for s in sheets if s.listing)


def bands_sheet(part: Any, refs: SourceRefs) -> Sheet:
    """The bands a command's headline is placed against, as the source states them."""
    rows = [(band_text(b), b.label, refs([b.figure.source])) for b in part.bands]
    return sheet(f"{part.computed.results[0].label}: the bands the source states", ("Band", "The source's words", "Source"), rows)


def bibliography(listings: Iterable[Sheet]) -> Sheet:
    """One list of every source the report cites, from the listings of its parts (numbered
    alike: by place in sources.yaml), in their numbers' order."""
    rows: dict[tuple[str, ...], None] = {}
    for s in listings:
        rows.update(dict.fromkeys(s.rows))
    ordered = sorted(rows, key=lambda row: int(row[0].strip("[]") or 0))
    return Sheet("Sources", ("", "Source"), ordered, listing=True)


def answer_sentences(ds: Dataset, parts: list[Any], refs: SourceRefs) -> list[str]:
    """The answer, first: each command's answer in words, as the command opens with it (the
    claims table is in the report, so it says so)."""
    from nkru.render.answer import answer_text

    return [text for p in parts if (text := answer_text(ds, p.computed, refs, full=True))]


class Document(NamedTuple):
    """The report's parts in reading order, whatever format writes them."""

    answer: list[str]
    tables: list[Section]
    claims: list[Sheet]
    bands: list[Sheet]
    charts: list[Any]  # nkru.render.charts.Chart
    simulations: list[Sheet]
    sources: Sheet
    record: dict[str, Any]


def document(ds: Dataset, parts: list[Any], charts: list[Any], run: dict[str, Any]) -> Document:
    """Everything the report shows, from the computed parts and the drawn charts."""
    from nkru.render.uncertainty import simulation_sheets

    refs = SourceRefs(ds)  # one numbering for the answer, the claims and the bands; the tables' own agree with it
    answer = answer_sentences(ds, parts, refs)
    tables, listings = [], []
    for p in parts:
        sheets, listing = key_tables(ds, p.computed)
        tables.append(Section(f"nkru {p.command}", sheets))
        listings.append(listing)
    claims = [claims_sheet(ds, p.computed.claims, refs)._replace(title=f"The claims nkru {p.command} audits, recomputed from their stated inputs")
              for p in parts if p.computed.claims]  # a title each: two tables must not read alike
    bands = [bands_sheet(p, refs) for p in parts if p.bands]
    simulations = [s for p in parts if p.computed.simulated is not None for s in simulation_sheets(ds, p.computed.simulated)]
    sources = bibliography([*listings, refs.sheet()])  # last: refs has seen every citation of the answer, claims and bands
    return Document(answer, tables, claims, bands, charts, simulations, sources, run_json(ds, run))


def record_rows(record: dict[str, Any]) -> list[tuple[str, str]]:
    """The reproducibility record as label and text pairs."""
    rows = [("nkru version", record["nkru_version"]), ("Data digest (SHA-256 of the files' digests)", record["data_digest"])]
    rows += [(f"Data file {f['file']}", f["sha256"]) for f in record["data_files"]]
    rows += [(f"Scenario {s['name']}", f"{s['file']} {s['sha256']}") for s in record["scenarios"]]
    rows += [(f"--set {o['name']}", f"{o['origin']}") for o in record["overrides"]]
    return rows + [("Rerun", record["rerun"])]


# ---------------------------------------------------------------------------- HTML


def to_html(doc: Document, title: str = "nkru report") -> str:
    """The whole report as one HTML page with its style and charts inline."""
    body = [f"<h1>{esc(title)}</h1>", "<section>", "<h2>The answer</h2>"]
    body += [f'<p class="answer">{cell_html(sentence)}</p>' for sentence in doc.answer]
    body.append("</section>")
    for section in doc.tables:
        body += [f"<section><h2>{esc(section.title)}</h2>", *map(sheet_html, section.sheets), "</section>"]
    body += _section("The claims audit", map(sheet_html, doc.claims))
    body += _section("Bands", map(sheet_html, doc.bands))
    body += _section("Charts", [*map(chart_html, doc.charts), *map(sheet_html, doc.simulations)])
    body += _section("Sources", [sources_html(doc.sources)])
    body += _section("Reproducing this report", [record_html(doc.record)])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _section(title: str, parts: Iterable[str]) -> list[str]:
    parts = list(parts)
    return [f"<section><h2>{esc(title)}</h2>", *parts, "</section>"] if parts else []


def chart_html(chart: Any) -> str:
    """A chart as a figure: its SVG inline, labelled for assistive technology, and a caption."""
    svg = chart.svg.replace("<svg ", f'<svg role="img" aria-label="{esc(chart.title)}" ', 1)
    return f"<figure>\n{svg}\n<figcaption><strong>{esc(chart.title)}.</strong> {cell_html(chart.caption)}</figcaption>\n</figure>"


def sources_html(sources: Sheet) -> str:
    """The bibliography: each source anchored by its number, so every [n] in the page links to it."""
    items = []
    for number, text in safe_sheet(sources).rows:
        anchor = number.strip("[]")
        items.append(f'<li id="source-{esc(anchor)}"><span class="muted">{esc(number)}</span> {esc(text)}</li>')
    return '<ul class="sources">\n' + "\n".join(items) + "\n</ul>"


def record_html(record: dict[str, Any]) -> str:
    """The reproducibility record as a definition list, digests and the command as code."""
    items = "".join(f"<dt>{esc(label)}</dt><dd><code>{esc(text)}</code></dd>" for label, text in record_rows(record))
    return f"<dl>{items}</dl>"


# ---------------------------------------------------------------------------- Markdown


def to_markdown_report(doc: Document, chart_files: list[str], title: str = "nkru report") -> str:
    """The report as Markdown, each chart a relative link to its SVG file beside the document."""
    parts = [f"# {md_text(title)}", "## The answer", *(md_text(sentence) for sentence in doc.answer)]
    for section in doc.tables:
        parts += [f"## {md_text(section.title)}", to_markdown(section.sheets).rstrip()]
    for heading, sheets in (("The claims audit", doc.claims), ("Bands", doc.bands)):
        if sheets:
            parts += [f"## {heading}", to_markdown(sheets).rstrip()]
    if doc.charts:
        parts.append("## Charts")
        parts += [f"![{md_text(c.title)}]({name})\n\n_{md_text(c.caption)}_" for c, name in zip(doc.charts, chart_files)]
        if doc.simulations:
            parts.append(to_markdown(doc.simulations).rstrip())
    parts.append(to_markdown([doc.sources]).rstrip().replace("### Sources", "## Sources", 1))  # the sources keep their numbers
    parts += ["## Reproducing this report", "\n".join(f"- {md_text(label)}: {md_text(text)}" for label, text in record_rows(doc.record))]
    return "\n\n".join(parts) + "\n"
