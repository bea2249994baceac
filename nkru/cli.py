"""The `nkru` command: Typer wiring only. Parse options, load, calculate, render, print.

Heavy modules (pydantic, PyYAML, Rich) are imported inside the commands that use them, so
`nkru --version` and `--help` start fast.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable

import typer

from nkru import __version__
from nkru.errors import NkruError

EXIT_FINDINGS, EXIT_INPUT, EXIT_BUG = 1, 2, 70

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Recompute the economics of North Korea's troop deployment to Russia from sourced figures.",
    epilog="Every number is computed from the YAML in data/, each figure with its source and a verbatim quote.",
)


class Format(str, Enum):
    table = "table"
    json = "json"


DataOption = Annotated[
    Path | None,
    typer.Option("--data", metavar="DIR", help="Read the YAML files found in DIR instead of the shipped ones (others stay shipped)."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="NAME=VALUE", help="Override an assumption for this run: troops=12000 or troops=10000..12000. Repeatable."),
]
FormatOption = Annotated[Format, typer.Option("--format", help="table for people, json for scripts.")]


def _version(show: bool) -> None:
    if show:
        sys.stdout.write(f"nkru {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error (or set NKRU_DEBUG=1).")] = False,
) -> None:
    if debug:
        os.environ["NKRU_DEBUG"] = "1"


def _fail(lines: list[str], code: int) -> None:
    sys.stderr.write("".join(f"Error: {line}\n" for line in lines))
    raise typer.Exit(code)


def command(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command whose NkruErrors become `Error:` lines and exit 2, and whose bugs
    become one line and exit 70, so a bug never passes for a finding."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except NkruError as error:
                _fail(error.lines(), EXIT_INPUT)
            except (typer.Exit, typer.Abort, KeyboardInterrupt):
                raise
            except Exception as error:
                if os.environ.get("NKRU_DEBUG"):
                    raise
                sys.stderr.write(
                    f"nkru: internal error (a bug in nkru, not a problem in your data): {type(error).__name__}: {error}. "
                    "Rerun with --debug (or NKRU_DEBUG=1) for the traceback and report it.\n"
                )
                raise typer.Exit(EXIT_BUG) from None

        return app.command(name)(run)

    return register


def _print(renderable: Any) -> None:
    from rich.console import Console

    Console(highlight=False).print(renderable)


def _computing(which: str, data: Path | None, sets: list[str] | None, fmt: Format) -> None:
    from nkru import calc, render
    from nkru.load import load_dataset, parse_overrides

    overrides = parse_overrides(sets or [])
    ds = load_dataset(data)
    computed = getattr(calc, which)(ds, calc.inputs_for(ds, overrides))
    if fmt is Format.json:
        sys.stdout.write(render.computed_json(ds, computed))
    else:
        _print(render.computed_table(ds, computed))


@command("deal-value")
def deal_value(data: DataOption = None, set_: SetOption = None, format_: FormatOption = Format.table) -> None:
    """The annual value of the deployment, against S-400 prices and the whole deal.

    annual value = troops × (monthly_pay_usd × months + bonus_usd), carried as a range, and
    the articles' own claims recomputed beside it.

    Example: nkru deal-value --set troops=12000 --set monthly_pay_usd=2000..3000
    """
    _computing("deal_value", data, set_, format_)


@command("casualties")
def casualties(data: DataOption = None, set_: SetOption = None, format_: FormatOption = Format.table) -> None:
    """The casualty rate (losses ÷ troops) against the article's thresholds.

    The low end divides the fewest losses by the most troops, the high end the reverse; each
    end is placed in a band the article states, or said to fall where it gives no label.

    Example: nkru casualties --set troops=12000
    """
    _computing("casualties", data, set_, format_)


@command("figures")
def figures(
    source: Annotated[str | None, typer.Option("--source", help="Only figures quoted from this source id.")] = None,
    quantity: Annotated[str | None, typer.Option("--quantity", help="Only figures of this quantity, e.g. troops_deployed.")] = None,
    context: Annotated[bool, typer.Option("--context", help="Include the figures from outside the three articles.")] = False,
    data: DataOption = None,
    format_: FormatOption = Format.table,
) -> None:
    """Every figure the articles state, with its qualifier, basis and source.

    Shows where sources disagree on one quantity.

    Example: nkru figures --quantity troops_deployed
    """
    from nkru import render
    from nkru.load import load_dataset

    ds = load_dataset(data)
    chosen = [
        f for f in ds.figures.values()
        if (context or f.id not in ds.context_ids)
        and (source is None or source in (f.source, *f.cites))
        and (quantity is None or f.quantity == quantity)
    ]
    if not chosen:
        raise _no_match(ds, source, quantity)
    sys.stdout.write(render.figures_json(ds, chosen)) if format_ is Format.json else _print(render.figures_table(ds, chosen))


def _no_match(ds: Any, source: str | None, quantity: str | None) -> NkruError:
    from nkru.errors import UsageError

    if source and source not in ds.sources:
        return UsageError(f"--source {source}: unknown source (known: {', '.join(ds.sources)})")
    quantities = sorted({f.quantity for f in ds.figures.values()})
    if quantity and quantity not in quantities:
        return UsageError(f"--quantity {quantity}: unknown quantity (known: {', '.join(quantities)})")
    return UsageError("no figure matches both --source and --quantity")


@command("sources")
def sources(data: DataOption = None, format_: FormatOption = Format.table) -> None:
    """The documents nkru's figures come from, and who cites whom.

    Example: nkru sources --format json
    """
    from nkru import render
    from nkru.load import load_dataset

    ds = load_dataset(data)
    sys.stdout.write(render.sources_json(ds)) if format_ is Format.json else _print(render.sources_table(ds))


@command("check")
def check(data: DataOption = None) -> None:
    """Validate the data and reconcile every claim; exit 1 on any finding (for CI).

    Checks each file's schema, every reference between files, that each quote contains its
    figure's numbers, that assumptions are numbers their figures state, and that every claim
    marked `reproduces` still does. Claims known not to reproduce are listed, not failed.

    Example: nkru check --data mywork
    """
    from nkru import render
    from nkru.audit import audit
    from nkru.errors import DataError
    from nkru.load import load_dataset

    try:
        ds = load_dataset(data)
    except DataError as error:
        ds, report, problems = None, None, error.problems
    else:
        report, problems = audit(ds), []
    sys.stdout.write("".join(line + "\n" for line in render.check_lines(report, problems, ds)))
    if problems or report.findings:
        raise typer.Exit(EXIT_FINDINGS)


def main() -> None:
    # `nkru --version` is run to check an install: answer before Typer builds every command.
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"nkru {__version__}\n")
        return
    app(prog_name="nkru")
