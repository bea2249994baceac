"""The options commands share, as Typer `Annotated` types, and the records they fill."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, NamedTuple

import typer


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


DataOption = Annotated[
    Path | None,
    typer.Option("--data", metavar="DIR", help="Read the YAML files (and scenarios/) found in DIR over the shipped ones."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="NAME=VALUE", help="Set an input for this run: NAME=12000 or NAME=10000..12000 (the inputs are in assumptions.yaml). Repeatable; applied last."),
]
ScenarioOption = Annotated[
    list[str] | None,
    typer.Option("--scenario", metavar="NAME|FILE", help="Apply a scenario (see nkru scenarios) or a scenario file. Repeatable, in order."),
]
FormatOption = Annotated[Format, typer.Option("--format", help="table for people; json, csv or markdown for scripts and reports.")]
OutputOption = Annotated[Path | None, typer.Option("--output", metavar="FILE", help="Write the chosen format to FILE (atomically) instead of stdout.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Let the files this command writes replace existing ones.")]
SvgOption = Annotated[Path | None, typer.Option("--svg", metavar="FILE", help="Also save the table as an SVG image.")]
HtmlOption = Annotated[Path | None, typer.Option("--html", metavar="FILE", help="Also save the table as an HTML page.")]


SimulateOption = Annotated[int | None, typer.Option("--simulate", metavar="N", help="Also draw N seeded Monte Carlo samples: percentiles, a histogram and probabilities.")]
SeedOption = Annotated[int, typer.Option("--seed", metavar="S", help="The random seed; the same seed gives the same samples.")]
SamplesOption = Annotated[Path | None, typer.Option("--samples-out", metavar="FILE", help="With --simulate, save the raw samples (.csv, or .npy for a numpy structured array).")]


ContextOption = Annotated[bool, typer.Option("--context", help="Add rows from outside the audited articles (marked as context; never used in the results).")]
DollarsOption = Annotated[int | None, typer.Option("--dollars", metavar="YEAR", help="Show US dollars in constant dollars of YEAR (CPI-U); the default is nominal, as printed.")]


class Sim(NamedTuple):
    samples: int | None
    seed: int
    samples_out: Path | None


class Out(NamedTuple):
    format: Format
    output: Path | None
    force: bool
    svg: Path | None
    html: Path | None

