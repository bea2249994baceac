"""The `nkru` command: Typer wiring only. Parse options, load, calculate, render, print.

Heavy modules (pydantic, PyYAML, Rich) are imported inside the commands that use them, so
`nkru --version` and `--help` start fast.
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from nkru import __version__
from nkru.errors import NkruError, UsageError

EXIT_FINDINGS, EXIT_INPUT, EXIT_BUG = 1, 2, 70

# Plain help and usage errors: paragraphs rewrap to the terminal, and a usage mistake reads
# "Error: …" like every other nkru error.
PLAIN: dict[str, Any] = {"pretty_exceptions_enable": False, "rich_markup_mode": None}

app = typer.Typer(
    no_args_is_help=True,
    **PLAIN,
    help="Recompute the economics of North Korea's troop deployment to Russia from sourced figures.",
    epilog="Every number is computed from the YAML in data/, each figure with its source and a verbatim quote.",
)


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
    typer.Option("--set", metavar="NAME=VALUE", help="Override an assumption for this run: troops=12000 or troops=10000..12000. Repeatable; applied last."),
]
ScenarioOption = Annotated[
    list[str] | None,
    typer.Option("--scenario", metavar="NAME|FILE", help="Apply a scenario (see nkru scenarios) or a scenario file. Repeatable, in order."),
]
FormatOption = Annotated[Format, typer.Option("--format", help="table for people; json, csv or markdown for scripts and reports.")]
OutputOption = Annotated[Path | None, typer.Option("--output", metavar="FILE", help="Write the chosen format to FILE (atomically) instead of stdout.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Let --output, --svg and --html replace an existing file.")]
SvgOption = Annotated[Path | None, typer.Option("--svg", metavar="FILE", help="Also save the table as an SVG image.")]
HtmlOption = Annotated[Path | None, typer.Option("--html", metavar="FILE", help="Also save the table as an HTML page.")]


SimulateOption = Annotated[int | None, typer.Option("--simulate", metavar="N", help="Also draw N seeded Monte Carlo samples: percentiles, a histogram and probabilities.")]
SeedOption = Annotated[int, typer.Option("--seed", metavar="S", help="The random seed; the same seed gives the same samples.")]
SamplesOption = Annotated[Path | None, typer.Option("--samples-out", metavar="FILE", help="With --simulate, save the raw samples (.csv, or .npy for a numpy structured array).")]


ContextOption = Annotated[bool, typer.Option("--context", help="Add rows from outside the three articles (marked as context; never used in the results).")]
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


COMMANDS: dict[str, Callable[..., Any]] = {}


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

        COMMANDS[name] = run
        return app.command(name)(run)

    return register


# ---------------------------------------------------------------------------- output


def _write(path: Path, data: bytes, force: bool, option: str) -> None:
    from nkru.files import write_atomic

    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory")
    if path.exists() and not force:
        raise UsageError(f"{option} {path}: exists; add --force to replace it")
    try:
        write_atomic(path, data)
    except OSError as error:
        raise UsageError(f"{option} {path}: cannot be written: {error.strerror or error}") from None
    sys.stderr.write(f"wrote {path}\n")


def _emit(view: Any, out: Out) -> None:
    """Write a view in the chosen format to stdout or --output, and as --svg / --html."""
    from rich.console import Console

    from nkru import render

    table_to_file = out.format is Format.table and out.output
    if out.svg or out.html or table_to_file:
        from io import StringIO

        buffer = StringIO()  # one rendering at a fixed width serves the file and the exports
        recorder = Console(record=True, width=120, file=buffer, highlight=False)
        recorder.print(render.as_rich(view))
        if out.svg:
            _write(out.svg, recorder.export_svg(title="nkru", clear=False).encode(), out.force, "--svg")
        if out.html:
            _write(out.html, recorder.export_html(clear=False).encode(), out.force, "--html")
    if out.format is not Format.table:
        text = render.as_text(view, out.format.value)
    elif table_to_file:
        text = buffer.getvalue()
    else:
        Console(highlight=False).print(render.as_rich(view))
        return
    if out.output:
        _write(out.output, text.encode("utf-8"), out.force, "--output")
    else:
        sys.stdout.write(text)


def _rerun(command_name: str, data: Path | None, scenarios: list[str], sets: list[str], *args: str) -> str:
    words = ["nkru", command_name, *args] + (["--data", str(data)] if data else [])
    words += [w for s in scenarios for w in ("--scenario", s)] + [w for s in sets for w in ("--set", s)]
    return shlex.join(words)


def _setup(data: Path | None, scenarios: list[str] | None, sets: list[str] | None) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Load the data, apply scenarios in order and then --set: (dataset, inputs, run record)."""
    ds = _load_sourced(data)
    from nkru.load import parse_overrides

    set_overrides = parse_overrides(sets or [], ds)
    return (ds, *_apply(ds, data, scenarios or [], set_overrides))


def _load_sourced(data: Path | None) -> Any:
    """The dataset, refused if an input's numbers are not stated by the figures it cites: no
    table may credit a number to a source that does not state it."""
    from nkru.errors import DataError
    from nkru.load import load_dataset
    from nkru.load.crosscheck import provenance_problems

    ds = load_dataset(data)
    problems = provenance_problems(ds)
    if problems:
        raise DataError(problems)
    return ds


def _apply(ds: Any, data: Path | None, scenarios: list[str], set_overrides: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scenarios in order, then --set, over a loaded dataset: (inputs, run record)."""
    from nkru.compute import inputs_for
    from nkru.load import load_scenarios

    applied = load_scenarios(scenarios, data, ds)
    overrides = [o for s in applied for o in s.overrides] + set_overrides
    return inputs_for(ds, overrides), {"scenarios": applied, "overrides": overrides}


def _computing(which: str, data: Path | None, scenarios: list[str] | None, sets: list[str] | None, out: Out, sim: Sim,
               with_context: bool = False, dollars: int | None = None, quantities: list[str] | None = None) -> None:
    """A computing command: the model's `which` command, or `calc` of some quantities."""
    from nkru import compute, render

    if sim.samples_out and sim.samples is None:
        raise UsageError("--samples-out needs --simulate N")
    ds, inputs, run = _setup(data, scenarios, sets)
    extra = [] if sim.samples is None else ["--simulate", str(sim.samples), "--seed", str(sim.seed)]
    extra += (["--dollars", str(dollars)] if dollars else []) + (["--context"] if with_context else [])
    run["rerun"] = _rerun(which, data, scenarios or [], sets or [], *(quantities or []), *extra)
    if quantities is not None:
        from nkru.engine.sensitivity import check_quantity

        for qid in quantities:
            check_quantity(ds, qid, "calc")
        computed = compute.calc(ds, quantities, inputs, dollars)
    else:
        computed = compute.command(ds, which, inputs, dollars)
    env = compute.env_for(ds, inputs, dollars)
    if with_context:
        from nkru.context import with_context_rows

        computed = with_context_rows(ds, computed, env)
    if sim.samples is not None:
        from nkru import simulate

        computed = computed._replace(simulated=simulate.for_command(ds, computed, env.own, sim.samples, sim.seed))
        if sim.samples_out:
            data_bytes = simulate.samples_bytes(computed.simulated.simulation, sim.samples_out.suffix)
            _write(sim.samples_out, data_bytes, out.force, "--samples-out")
    _emit(render.computed_view(ds, computed, run), out)


# ---------------------------------------------------------------------------- commands


@command("deal-value")
def deal_value(
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
    simulate: SimulateOption = None, seed: SeedOption = 0, samples_out: SamplesOption = None,
    context: ContextOption = False, dollars: DollarsOption = None,
) -> None:
    """The annual value of the deployment, against S-400 prices and the whole deal.

    annual value = troops × (monthly_pay_usd × months + bonus_usd), carried as a range, and
    the articles' own claims recomputed beside it.

    With --dollars YEAR every US dollar amount is restated in dollars of YEAR (CPI-U), each
    from its own price year; --context adds clearly marked rows from outside the articles.

    Example: nkru deal-value --scenario lim-inss --set troops=12000 --format markdown
    """
    _computing("deal-value", data, scenario, set_, Out(format_, output, force, svg, html), Sim(simulate, seed, samples_out), context, dollars)


@command("casualties")
def casualties(
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
    simulate: SimulateOption = None, seed: SeedOption = 0, samples_out: SamplesOption = None,
    context: ContextOption = False, dollars: DollarsOption = None,
) -> None:
    """The casualty rate (losses ÷ troops) against the article's thresholds.

    The low end divides the fewest losses by the most troops, the high end the reverse; each
    end is placed in a band the article states, or said to fall where it gives no label.

    Example: nkru casualties --set troops=12000 --simulate 100000 --seed 7
    """
    _computing("casualties", data, scenario, set_, Out(format_, output, force, svg, html), Sim(simulate, seed, samples_out), context, dollars)


@command("calc")
def calc(
    quantities: Annotated[list[str] | None, typer.Argument(metavar="QUANTITY...", help="Quantity ids of model.yaml; none lists them.")] = None,
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
    simulate: SimulateOption = None, seed: SeedOption = 0, samples_out: SamplesOption = None, dollars: DollarsOption = None,
) -> None:
    """Compute any quantity of the model: its value, range, unit, formula and sources.

    With no QUANTITY, list the quantities model.yaml declares, with their labels and units.
    With --simulate, the first quantity is simulated.

    Example: nkru calc annual_value_usd casualty_rate --set troops=12000
    """
    out = Out(format_, output, force, svg, html)
    if not quantities:
        from nkru import render
        from nkru.load import load_dataset

        _emit(render.quantities_view(load_dataset(data)), out)
        return
    _computing("calc", data, scenario, set_, out, Sim(simulate, seed, samples_out), False, dollars, quantities)


@command("compare")
def compare(
    scenarios: Annotated[list[str], typer.Argument(metavar="SCENARIO...", help="Scenario names or files; baseline means none.")],
    data: DataOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
) -> None:
    """Scenarios side by side: a column each, differences against the first.

    Each --set applies to every column, after its scenario.

    Example: nkru compare baseline lim-inss high
    """
    from nkru import compute, render
    from nkru.load import parse_overrides

    ds = _load_sourced(data)
    set_overrides = parse_overrides(set_ or [], ds)
    columns, applied = [], []
    for name in scenarios:
        inputs, run = _apply(ds, data, [] if name == "baseline" else [name], set_overrides)
        applied += run["scenarios"]
        columns.append((name, [compute.command(ds, command_name, inputs) for command_name in ds.model.commands]))
    run = {"scenarios": applied, "overrides": set_overrides, "rerun": _rerun("compare", data, [], set_ or [], *scenarios)}
    _emit(render.compare_view(ds, columns, run), Out(format_, output, force, svg, html))


@command("explain")
def explain(
    result_id: Annotated[str, typer.Argument(metavar="ID", help="A quantity or result id, e.g. annual_value_usd or casualty_rate_on_troops_lowy.")],
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False,
) -> None:
    """Where one number comes from: its formula, each quantity in it down to its own formula,
    and each input traced to its figures, qualifiers, quotes and sources, to the analyst's
    note, or to the scenario or --set that overrode it.

    Example: nkru explain annual_value_usd --scenario lim-inss
    """
    from nkru import compute, render
    from nkru.errors import suggest

    ds, inputs, run = _setup(data, scenario, set_)
    rows = compute.all_rows(ds, inputs)
    if result_id not in rows:
        raise UsageError(f"explain {result_id}: unknown id{suggest(result_id, rows) or '; `nkru calc` lists the quantities'}")
    run["rerun"] = _rerun("explain", data, scenario or [], set_ or [], result_id)
    quantity_rows = {q: rows[q] for q in ds.quantities}
    _emit(render.explain_view(ds, rows[result_id], quantity_rows, inputs, run), Out(format_, output, force, None, None))


@command("sensitivity")
def sensitivity(
    which: Annotated[str, typer.Argument(metavar="QUANTITY", help="A quantity id, or deal-value / casualties for their headline.")],
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None,
    simulate: Annotated[int, typer.Option("--simulate", metavar="N", help="Samples for the rank correlations.")] = 10_000,
    seed: SeedOption = 0, format_: FormatOption = Format.table, output: OutputOption = None, force: ForceOption = False,
) -> None:
    """Which input moves a quantity most: a tornado of one-at-a-time swings, low to high,
    and each input's rank correlation with the result over a simulation.

    Example: nkru sensitivity annual_value_usd --set troops=10000..12000:lognormal90
    """
    from nkru import compute, render
    from nkru import simulate as sim
    from nkru.engine import sensitivity as sens

    ds, inputs, _ = _setup(data, scenario, set_)
    spec = ds.model.commands.get(which)
    qid = spec.headline if spec else which
    sens.check_quantity(ds, qid, "sensitivity")
    baseline, swings = sens.one_at_a_time(ds, qid, inputs)
    drawn = sim.run(ds, qid, inputs, compute.env_for(ds, inputs).own, simulate, seed)
    correlations = {name: sim.rank_correlation(values, drawn.result) if not isinstance(values, float) else None for name, values in drawn.inputs.items()}
    units = {name: item.unit for name, item in inputs.items()}
    _emit(render.sensitivity_view(qid, ds.quantities[qid].unit, baseline, swings, correlations, simulate, seed, units), Out(format_, output, force, None, None))


@command("solve")
def solve(
    goal: Annotated[str, typer.Argument(metavar="QUANTITY=TARGET", help="annual_value_usd=500000000 or casualty_rate=30%.")],
    for_: Annotated[str, typer.Option("--for", metavar="INPUT", help="The input to solve for, e.g. troops.")],
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None,
    format_: FormatOption = Format.table, output: OutputOption = None, force: ForceOption = False,
) -> None:
    """The value of one input that makes a quantity hit a target, the others held at their
    stated values: how many troops would one year need to equal $500M?

    Example: nkru solve annual_value_usd=500000000 --for troops
    """
    from nkru import render
    from nkru.engine.sensitivity import solve_for
    from nkru.load import parse_target

    result_id, target = parse_target(goal)
    ds, inputs, _ = _setup(data, scenario, set_)
    solution = solve_for(ds, result_id, target, for_, inputs)
    units = {name: item.unit for name, item in inputs.items()}
    _emit(render.solve_view(solution, ds.quantities[result_id].unit, units), Out(format_, output, force, None, None))


@command("figures")
def figures(
    source: Annotated[str | None, typer.Option("--source", help="Only figures quoted from, or citing, this source id.")] = None,
    quantity: Annotated[str | None, typer.Option("--quantity", help="Only figures of this quantity, e.g. troops_deployed.")] = None,
    context: Annotated[bool, typer.Option("--context", help="Include the figures from outside the three articles.")] = False,
    disagreements: Annotated[bool, typer.Option(
        "--disagreements", help="Only where sources state different figures for one quantity, or one number means different things.")] = False,
    data: DataOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
) -> None:
    """Every figure the articles state, with its qualifier, basis and source.

    Example: nkru figures --disagreements
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
    from nkru.figureset import figure_report

    _emit(render.figures_view(ds, figure_report(ds, chosen), disagreements), Out(format_, output, force, svg, html))


def _no_match(ds: Any, source: str | None, quantity: str | None) -> NkruError:
    if source and source not in ds.sources:
        return UsageError(f"--source {source}: unknown source (known: {', '.join(ds.sources)})")
    quantities = sorted({f.quantity for f in ds.figures.values()})
    if quantity and quantity not in quantities:
        return UsageError(f"--quantity {quantity}: unknown quantity (known: {', '.join(quantities)})")
    return UsageError("no figure matches both --source and --quantity")


@command("sources")
def sources(
    data: DataOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
) -> None:
    """The documents nkru's figures come from, and who cites whom.

    Example: nkru sources --format json
    """
    from nkru import render
    from nkru.load import load_dataset

    _emit(render.sources_view(load_dataset(data)), Out(format_, output, force, svg, html))


@command("scenarios")
def scenarios(data: DataOption = None, format_: FormatOption = Format.table, output: OutputOption = None, force: ForceOption = False) -> None:
    """The scenarios you can apply with --scenario, and what each sets.

    Example: nkru scenarios --data mywork
    """
    from nkru import render
    from nkru.load import load_dataset, load_scenario, scenario_files

    ds = load_dataset(data)
    found = [load_scenario(path, ds) for path in scenario_files(data).values()]
    _emit(render.scenarios_view(found), Out(format_, output, force, None, None))


@command("check")
def check(
    data: DataOption = None, format_: FormatOption = Format.table, output: OutputOption = None, force: ForceOption = False,
    texts: Annotated[Path | None, typer.Option(
        "--texts", metavar="DIR", help="Also verify every quote is verbatim in its source's text: DIR/<seed> or DIR/<source id>.txt.")] = None,
) -> None:
    """Validate the data and reconcile every claim; exit 1 on any finding (for CI).

    Checks each file's schema, every reference between files, every formula's names and
    units, that each quote contains its figure's numbers (and, with --texts or a source's
    text: file, is verbatim in its source), that inputs are numbers their figures state, that
    every claim marked `reproduces` still does, and every scenario. Claims known not to
    reproduce are listed, not failed.

    Example: nkru check --data mywork
    """
    from nkru import render
    from nkru.audit import audit
    from nkru.errors import DataError
    from nkru.load import load_dataset

    if texts is not None and not texts.is_dir():
        raise UsageError(f"--texts {texts}: no such directory")
    try:
        ds = load_dataset(data)
    except DataError as error:
        ds, report, problems = None, None, error.problems
    else:
        report, problems = audit(ds, data, texts), []
    rows = render.check_rows(report, problems, ds)
    findings = sum(kind == "finding" for kind, _ in rows)
    summary = render.check_summary(report, findings)
    if format_ is Format.table and not output:
        sys.stdout.write(render.check_lines(rows, summary))
    else:
        _emit(render.check_view(rows, summary), Out(format_, output, force, None, None))
    if findings:
        raise typer.Exit(EXIT_FINDINGS)


@command("init")
def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to put the editable copy.")] = Path("nkru-data"),
    force: Annotated[bool, typer.Option("--force", help="Replace files DIR already has (your edits are lost).")] = False,
) -> None:
    """Write an editable copy of the shipped data and scenarios to DIR.

    Files DIR already has are kept unless --force.

    Example: nkru init mywork && nkru deal-value --data mywork
    """
    from nkru.files import copy_tree
    from nkru.load import bundled_data_dir

    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: is a file; give a directory")
    written, kept = copy_tree(bundled_data_dir(), directory, force)
    sys.stdout.write(f"Wrote {len(written)} file{'s' if len(written) != 1 else ''} to {directory}")
    sys.stdout.write(f"; kept {len(kept)} you already had (--force replaces them).\n" if kept else ".\n")
    sys.stdout.write(f"Next: edit {directory / 'assumptions.yaml'}, then run: nkru deal-value --data {shlex.quote(str(directory))}\n")


def main() -> None:
    # `nkru --version` is run to check an install: answer before Typer builds every command.
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"nkru {__version__}\n")
        return
    # Typer converts every command's options on each run; when the first word names a command,
    # build only that one (the same function, so the same options, help and errors).
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name in COMMANDS:
        single = typer.Typer(add_completion=False, **PLAIN)
        single.command(name)(COMMANDS[name])
        single(args=sys.argv[2:], prog_name=f"nkru {name}")
        return
    app(prog_name="nkru")
