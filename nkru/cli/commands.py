"""The commands. Each body parses its options, calls the core, and hands a view to `emit`."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from nkru.cli.app import EXIT_FINDINGS, command
from nkru.cli.options import (
    ContextOption,
    DataOption,
    DollarsOption,
    ForceOption,
    Format,
    FormatOption,
    FullOption,
    HtmlOption,
    Out,
    OutputOption,
    SamplesOption,
    ScenarioOption,
    SeedOption,
    SetOption,
    Sim,
    SimulateOption,
    SvgOption,
    complete_compare,
    complete_headlines,
    complete_inputs,
    complete_quantities,
    complete_targets,
    parse_samples,
)
from nkru.cli.run import apply, computing, emit, emit_text, load_sourced, rerun, setup
from nkru.errors import UsageError
from nkru.render.record import FilesRead, recorded


@command("deal-value", "What the deployment is worth, against the prices compared")
def deal_value(
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
    simulate: SimulateOption = None, seed: SeedOption = 0, samples_out: SamplesOption = None,
    context: ContextOption = False, dollars: DollarsOption = None, full: FullOption = False,
) -> None:
    """What the deployment is worth, against the prices it is compared with and the whole deal.

    Opens with the answer in a sentence, then computes what model.yaml declares for
    deal-value: its headline quantity on each stated count, its other results and
    comparisons, each carried as a range with its sources, and how many of the articles'
    claims reproduce; --full adds the claims audit and every comparison column. `nkru calc`
    lists the quantities and their formulas; `nkru explain ID` traces one.

    With --dollars YEAR every US dollar amount is restated in dollars of YEAR, each from its
    own price year; --context adds clearly marked rows from outside the articles.

    \b
    Example:
      nkru deal-value --scenario NAME --set INPUT=LOW..HIGH --format markdown
    """
    computing("deal-value", data, scenario, set_, Out(format_, output, force, svg, html), Sim(simulate, seed, samples_out), context, dollars, full=full)


@command("casualties", "The casualty rate against the article's thresholds")
def casualties(
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
    simulate: SimulateOption = None, seed: SeedOption = 0, samples_out: SamplesOption = None,
    context: ContextOption = False, dollars: DollarsOption = None, full: FullOption = False,
) -> None:
    """The casualty rate against the thresholds the article states.

    Opens with the answer in a sentence, then computes what model.yaml declares for
    casualties: its headline on each stated count, each end of its range placed in a band the
    article states, or said to fall where it gives no label; --full adds the article's own
    claim recomputed.

    \b
    Example:
      nkru casualties --set INPUT=VALUE --simulate 100000 --seed 7
    """
    computing("casualties", data, scenario, set_, Out(format_, output, force, svg, html), Sim(simulate, seed, samples_out), context, dollars, full=full)


@command("calc", "Any quantity of the model: value, range and sources")
def calc(
    quantities: Annotated[list[str] | None, typer.Argument(
        metavar="QUANTITY...", help="Quantity ids of model.yaml; none lists them.", autocompletion=complete_quantities)] = None,
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
    simulate: SimulateOption = None, seed: SeedOption = 0, samples_out: SamplesOption = None, dollars: DollarsOption = None,
) -> None:
    """Compute any quantity of the model: its value, range, unit, formula and sources.

    With no QUANTITY, list the quantities model.yaml declares, with their labels and units.
    With --simulate, the first quantity is simulated.

    \b
    Example:
      nkru calc QUANTITY QUANTITY --set INPUT=VALUE --format json
    """
    out = Out(format_, output, force, svg, html)
    if not quantities:
        from nkru import render
        from nkru.load import load_dataset

        ds = load_dataset(data)
        emit(recorded(render.quantities_view(ds), "calc", ds, {"rerun": rerun("calc", data, [], [])}), out)
        return
    computing("calc", data, scenario, set_, out, Sim(simulate, seed, samples_out), False, dollars, quantities)


@command("compare", "Scenarios side by side, differences against the first")
def compare(
    scenarios: Annotated[list[str], typer.Argument(
        metavar="SCENARIO...", help="Scenario names or files; baseline means none.", autocompletion=complete_compare)],
    data: DataOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
) -> None:
    """Scenarios side by side: a column each, differences against the first.

    Each --set applies to every column, after its scenario.

    \b
    Example:
      nkru compare baseline NAME NAME
      (nkru scenarios lists the names)
    """
    from nkru import render
    from nkru.compare import compare as side_by_side
    from nkru.compare import everything
    from nkru.load import parse_overrides

    ds = load_sourced(data)
    set_overrides = parse_overrides(set_ or [], ds)
    columns, applied = [], []
    for name in scenarios:
        inputs, run = apply(ds, data, [] if name == "baseline" else [name], set_overrides, option="compare SCENARIO")
        applied += run["scenarios"]
        columns.append(everything(ds, inputs))
    run = {"scenarios": applied, "overrides": set_overrides, "rerun": rerun("compare", data, [], set_ or [], *scenarios)}
    emit(render.compare_view(ds, scenarios, side_by_side(columns), run), Out(format_, output, force, svg, html))


@command("explain", "Where one number comes from, down to the quotes")
def explain(
    result_id: Annotated[str, typer.Argument(
        metavar="ID", help="A quantity id (nkru calc lists them), an input, or a result id from --format json.", autocompletion=complete_quantities)],
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False,
) -> None:
    """Where one number comes from: its formula, each quantity in it down to its own formula,
    and each input traced to its figures, qualifiers, quotes and sources, to the analyst's
    note, or to the scenario or --set that overrode it.

    \b
    Example:
      nkru explain QUANTITY --scenario NAME
    """
    from nkru import render
    from nkru.errors import suggest

    ds, inputs, run = setup(data, scenario, set_)
    from nkru.context import all_rows

    rows = all_rows(ds, inputs)
    if result_id not in rows:
        if result_id in ds.figures:
            raise UsageError(f"explain {result_id}: a figure, not a computed number; `nkru figures --format json` shows it with its quote")
        if any(c.id == result_id for c in ds.claims):
            raise UsageError(f"explain {result_id}: a claim; `nkru check` and the claims table show how it is recomputed")
        raise UsageError(f"explain {result_id}: unknown id{suggest(result_id, rows) or '; `nkru calc` lists the quantities'}")
    run["rerun"] = rerun("explain", data, scenario or [], set_ or [], result_id)
    quantity_rows = {q: rows[q] for q in ds.quantities}
    emit(render.explain_view(ds, rows[result_id], quantity_rows, inputs, run), Out(format_, output, force, None, None))


@command("sensitivity", "Which input moves a quantity most: a tornado")
def sensitivity(
    which: Annotated[str, typer.Argument(
        metavar="QUANTITY", help="A quantity id, or deal-value / casualties for their headline.", autocompletion=complete_headlines)],
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None,
    simulate: Annotated[int, typer.Option("--simulate", metavar="N", help="Samples for the rank correlations.", parser=parse_samples)] = 10_000,
    seed: SeedOption = 0, format_: FormatOption = Format.table, output: OutputOption = None, force: ForceOption = False,
) -> None:
    """Which input moves a quantity most: a tornado of one-at-a-time swings, low to high,
    and each input's rank correlation with the result over a simulation.

    \b
    Example:
      nkru sensitivity QUANTITY --set INPUT=LOW..HIGH:lognormal90
    """
    from nkru import compute, render
    from nkru import simulate as sim
    from nkru.engine import sensitivity as sens

    ds, inputs, run = setup(data, scenario, set_)
    run["rerun"] = rerun("sensitivity", data, scenario or [], set_ or [], which, "--simulate", str(simulate), "--seed", str(seed))
    spec = ds.model.commands.get(which)
    qid = spec.headline if spec else which
    sens.check_quantity(ds, qid, "sensitivity")
    baseline, swings = sens.one_at_a_time(ds, qid, inputs)
    drawn = sim.run(ds, qid, inputs, compute.env_for(ds, inputs).own, simulate, seed)
    correlations = {name: sim.rank_correlation(values, drawn.result) if not isinstance(values, float) else None for name, values in drawn.inputs.items()}
    units = {name: item.unit for name, item in inputs.items()}
    words = {name: render.named(ds, name) for name in [qid, *units]}
    view = render.sensitivity_view(qid, ds.quantities[qid].unit, baseline, swings, correlations, simulate, seed, units, words)
    emit(recorded(view, "sensitivity", ds, run), Out(format_, output, force, None, None))


@command("solve", "The input value that makes a quantity hit a target")
def solve(
    goal: Annotated[str, typer.Argument(
        metavar="QUANTITY=TARGET", help="A quantity and its target: NAME=500000000 or NAME=30%.", autocompletion=complete_targets)],
    for_: Annotated[str, typer.Option(
        "--for", metavar="INPUT", help="The input to solve for (one the quantity uses).", autocompletion=complete_inputs)],
    data: DataOption = None, scenario: ScenarioOption = None, set_: SetOption = None,
    format_: FormatOption = Format.table, output: OutputOption = None, force: ForceOption = False,
) -> None:
    """The value of one input that makes a quantity hit a target, the others held at their
    stated values: what must one input be for the quantity to reach a price?

    \b
    Example:
      nkru solve QUANTITY=500000000 --for INPUT
    """
    from nkru import render
    from nkru.engine.sensitivity import solve_for
    from nkru.load import parse_target
    from nkru.load.options import percent_hint

    result_id, target, percent = parse_target(goal)
    ds, inputs, run = setup(data, scenario, set_)
    run["rerun"] = rerun("solve", data, scenario or [], set_ or [], goal, "--for", for_)
    if percent and result_id in ds.quantities and ds.units[result_id].dims:
        raise UsageError(f"{goal}: a percentage is a fraction, and {result_id} is in {ds.quantities[result_id].unit}; give the target in that unit")
    hint = None if percent or result_id not in ds.quantities else percent_hint(target, ds.quantities[result_id].unit)
    if hint:
        sys.stderr.write(f"Warning: {goal}: {hint}\n")
    solution = solve_for(ds, result_id, target, for_, inputs)
    units = {name: item.unit for name, item in inputs.items()}
    words = {name: render.named(ds, name) for name in [result_id, *units]}
    view = render.solve_view(solution, ds.quantities[result_id].unit, units, words)
    emit(recorded(view, "solve", ds, run), Out(format_, output, force, None, None))


@command("figures", "Every figure the articles state, with its source")
def figures(
    source: Annotated[str | None, typer.Option("--source", metavar="SOURCE", help="Only figures quoted from, or citing, this source id.")] = None,
    quantity: Annotated[str | None, typer.Option("--quantity", metavar="QUANTITY", help="Only figures of this quantity (the figures' quantity: key).")] = None,
    context: Annotated[bool, typer.Option("--context", help="Include the figures from outside the audited articles.")] = False,
    disagreements: Annotated[bool, typer.Option(
        "--disagreements", help="Only where sources state different figures for one quantity, or one number means different things.")] = False,
    data: DataOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
) -> None:
    """Every figure the articles state, with its qualifier, basis and source.

    \b
    Example:
      nkru figures --disagreements
    """
    from nkru import render
    from nkru.figureset import figure_report, select
    from nkru.load import load_dataset

    ds = load_dataset(data)
    chosen = select(ds, source, quantity, context)
    flags = [*(["--source", source] if source else []), *(["--quantity", quantity] if quantity else []),
             *(["--context"] if context else []), *(["--disagreements"] if disagreements else [])]
    view = recorded(render.figures_view(ds, figure_report(ds, chosen), disagreements), "figures", ds, {"rerun": rerun("figures", data, [], [], *flags)})
    emit(view, Out(format_, output, force, svg, html))


@command("sources", "The documents the figures come from, numbered")
def sources(
    data: DataOption = None, format_: FormatOption = Format.table,
    output: OutputOption = None, force: ForceOption = False, svg: SvgOption = None, html: HtmlOption = None,
) -> None:
    """The documents nkru's figures come from, and who cites whom.

    \b
    Example:
      nkru sources --format json
    """
    from nkru import render
    from nkru.load import load_dataset

    ds = load_dataset(data)
    emit(recorded(render.sources_view(ds), "sources", ds, {"rerun": rerun("sources", data, [], [])}), Out(format_, output, force, svg, html))


@command("scenarios", "The scenarios --scenario applies, and what each sets")
def scenarios(data: DataOption = None, format_: FormatOption = Format.table, output: OutputOption = None, force: ForceOption = False) -> None:
    """The scenarios you can apply with --scenario, and what each sets.

    \b
    Example:
      nkru scenarios --data mywork
    """
    from nkru import render
    from nkru.load import load_dataset, load_scenario, scenario_files

    ds = load_dataset(data)
    found = [load_scenario(path, ds) for path in scenario_files(data).values()]
    emit(recorded(render.scenarios_view(found), "scenarios", ds, {"rerun": rerun("scenarios", data, [], [])}), Out(format_, output, force, None, None))


@command("check", "Validate the data and reconcile every claim")
def check(
    data: DataOption = None, format_: FormatOption = Format.table, output: OutputOption = None, force: ForceOption = False,
    texts: Annotated[Path | None, typer.Option(
        "--texts", metavar="DIR", help="Also verify every quote is verbatim in its source's text: the file in DIR its seed: names, or SOURCE_ID.txt.")] = None,
) -> None:
    """Validate the data and reconcile every claim; exit 1 on any finding (for CI).

    Checks each file's schema, every reference between files, every formula's names and
    units, that each quote contains its figure's numbers (and, with --texts or a source's
    text: file, is verbatim in its source), that inputs are numbers their figures state, that
    every claim marked `reproduces` still does, and every scenario. Claims known not to
    reproduce are listed, not failed.

    \b
    Example:
      nkru check --data mywork
    """
    from nkru import render
    from nkru.audit import check_data
    from nkru.load.dataset import readable_digests

    ds, report, problems = check_data(data, texts)
    rows = render.check_rows(report, problems, ds)
    findings = sum(kind == "finding" for kind, _ in rows)
    summary = render.check_summary(report, findings)
    if format_ is Format.table:  # the same lines on stdout and in a file
        emit_text(render.check_lines(rows, summary), Out(format_, output, force, None, None))
    else:
        run = {"rerun": rerun("check", data, [], [], *(["--texts", str(texts)] if texts else []))}
        emit(recorded(render.check_view(rows, summary), "check", ds or FilesRead(readable_digests(data)), run), Out(format_, output, force, None, None))
    if findings:
        raise typer.Exit(EXIT_FINDINGS)


@command("init", "Write an editable copy of the shipped data")
def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to put the editable copy.")] = Path("nkru-data"),
    force: Annotated[bool, typer.Option("--force", help="Replace files DIR already has (your edits are lost).")] = False,
) -> None:
    """Write an editable copy of the shipped data and scenarios to DIR.

    Files DIR already has are kept unless --force.

    \b
    Example:
      nkru init mywork && nkru deal-value --data mywork
    """
    from nkru.files import WriteError, copy_tree
    from nkru.load import bundled_data_dir

    if not str(directory).strip():
        raise UsageError("init: give the directory to write the copy to, e.g. nkru init mywork")
    try:
        written, kept = copy_tree(bundled_data_dir(), directory, force)  # all or nothing: a failure leaves no partial copy
    except WriteError as error:
        raise UsageError(f"{directory}: {error.reason}") from None
    except OSError as error:
        raise UsageError(f"{directory}: cannot be written: {error.strerror or error}") from None
    sys.stdout.write(f"Wrote {len(written)} file{'s' if len(written) != 1 else ''} to {directory}")
    sys.stdout.write(f"; kept {len(kept)} you already had (--force replaces them).\n" if kept else ".\n")
    sys.stdout.write(f"Next: edit {directory / 'assumptions.yaml'}, then run: nkru deal-value --data {shlex.quote(str(directory))}\n")
