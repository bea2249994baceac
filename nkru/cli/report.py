"""`nkru report`: every command of the model in one document an editor reads and prints."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from nkru.cli.app import command
from nkru.cli.options import (
    BadValue,
    DataOption,
    DollarsOption,
    ForceOption,
    ScenarioOption,
    SeedOption,
    SetOption,
    Sim,
    parse_samples,
)
from nkru.cli.run import check_target, computed_for, rerun, run_words, setup, write
from nkru.errors import UsageError, shown

REPORT_SAMPLES = 20_000


class ReportFormat(str, Enum):
    html = "html"
    markdown = "markdown"


def parse_report_format(value: object) -> ReportFormat:
    """--format: html, or markdown (md), any case."""
    if isinstance(value, ReportFormat):
        return value
    text = str(value).strip().casefold()
    try:
        return ReportFormat("markdown" if text == "md" else text)
    except ValueError:
        raise BadValue(value, "use html or markdown (md)") from None


@command("report", "One HTML page: answer, tables, claims, charts")
def report(
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None,
    simulate: Annotated[int, typer.Option(
        "--simulate", metavar="N", parser=parse_samples,
        help=f"Samples for the distribution chart; the report always simulates ({REPORT_SAMPLES:,} unless given).")] = REPORT_SAMPLES,
    seed: SeedOption = 0, dollars: DollarsOption = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write the report to FILE (- or none: stdout); Markdown puts its charts beside it (r.md: r-1.svg, r-2.svg …).")] = None,
    force: ForceOption = False,
    format_: Annotated[ReportFormat | None, typer.Option(
        "--format", "-f", metavar="html|markdown", parser=parse_report_format,
        help="html (one self-contained page) or markdown (md); default: from --output's suffix, else html.")] = None,
) -> None:
    """One document an editor can read and print: the answer first, every command's tables,
    the claims audit, the bands, charts, one bibliography, and how to reproduce it.

    The HTML page is self-contained: styles and SVG charts inline, system fonts, no request
    to any network. Markdown writes the .md and its charts as SVG files beside it.

    \b
    Example:
      nkru report --scenario NAME --output report.html
    """
    write_report(data, scenario or [], set_ or [], Sim(simulate, seed, None), dollars, output, force, format_)


def write_report(data: Path | None, scenarios: list[str], sets: list[str], sim: Sim, dollars: int | None,
                 output: Path | None, force: bool, format_: ReportFormat | None) -> None:
    """Compute every command of the model, draw the charts, write the document (and its charts)."""
    from nkru.render import charts, report
    from nkru.report import part

    to_stdout = output == Path("-")
    if to_stdout:
        output = None
    markdown = format_ is ReportFormat.markdown or format_ is None and output is not None and output.suffix.lower() in (".md", ".markdown")
    if markdown and output is None:
        raise UsageError("--format markdown writes its charts beside the document: give --output FILE.md")
    endings = (".md", ".markdown") if markdown else (".html", ".htm")
    if output is not None and output.suffix.lower() not in endings:  # a page saved as r.pdf opens as nothing
        raise UsageError(f"--output {shown(str(output))}: the report is {'Markdown' if markdown else 'HTML'}; give a file ending in {' or '.join(endings)}")
    if output is None and not to_stdout and sys.stdout.isatty():
        raise UsageError("the report is a whole HTML page: give --output FILE.html (or --output - to print it)")
    check_target("--output", output, force)
    ds, inputs, run = setup(data, scenarios, sets)
    run["rerun"] = rerun("report", data, scenarios, sets, *run_words(sim, dollars))
    parts = [part(ds, computed_for(ds, name, inputs, sim, dollars=dollars), inputs) for name in ds.model.commands]
    doc = report.document(ds, parts, charts.report_charts(ds, parts), run)
    if markdown:
        assert output is not None
        names = [f"{output.stem}-{n}.svg" for n in range(1, len(doc.charts) + 1)]
        for name in names:  # all refused before any is written: no chart left behind by a refused document
            check_target("--output", output.with_name(name), force)
        for chart, name in zip(doc.charts, names):
            write(output.with_name(name), (chart.svg + "\n").encode(), force, "--output")
        write(output, report.to_markdown_report(doc, names).encode(), force, "--output")
    elif output is not None:
        write(output, report.to_html(doc).encode(), force, "--output")
    else:
        sys.stdout.write(report.to_html(doc))
