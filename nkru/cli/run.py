"""What every command does around its own work: load the data, apply scenarios and --set,
compute, and write the view in the chosen format to stdout or a file."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from nkru.cli.options import Format, Out, Sim
from nkru.errors import UsageError, shown


def write(path: Path, data: bytes, force: bool, option: str, reading: Collection[Path] | None = None) -> None:
    """Write a file the user named with `option`; what must not be written is a usage error.
    `reading` is the files the command read (by default, those its --data, --scenario and --texts name)."""
    from nkru.files import WriteError, write_output

    try:
        write_output(path, data, force, files_read() if reading is None else reading)
    except WriteError as error:
        raise UsageError(f"{option} {path}: {error.reason}") from None
    sys.stderr.write(f"wrote {shown(str(path))}\n")


def files_read() -> list[Path]:
    """The files the running command reads, found from its own options: the data files in the
    shipped data and --data, their scenarios, --scenario files and --texts files. An output
    that replaced one would destroy what it was computed from."""
    from nkru.load import DATA_FILES, bundled_data_dir
    from nkru.load.dataset import PARTS

    params = _command_params()
    folders = [bundled_data_dir(), *([params["data"]] if params.get("data") else [])]
    found = [folder / f"{name}.yaml" for folder in folders for name in DATA_FILES]
    found += [path for folder in folders for path in (folder / "scenarios").glob("*.yaml")]
    found += [path for folder in folders for pattern in ("*.yaml", "*.yml") for path in (folder / PARTS).glob(pattern)]  # dotfiles too: never overwrite one
    specs = params.get("scenario") or params.get("scenarios") or []
    found += [Path(spec) for spec in specs if spec.endswith((".yaml", ".yml")) or os.sep in spec]  # files, as scenario_path reads them
    if params.get("texts"):
        found += list(Path(params["texts"]).glob("*"))
    return found


def _command_params() -> dict[str, Any]:
    """The running command's parsed options, from Click's context (Typer vendors Click since 0.22)."""
    import importlib

    for module in ("typer._click.globals", "click.globals"):
        try:
            context = importlib.import_module(module).get_current_context(silent=True)
        except ImportError:
            continue
        return dict(context.params) if context else {}
    return {}


def emit(view: Any, out: Out, reading: Collection[Path] | None = None) -> None:
    """Write a view in the chosen format to stdout or --output, and as --svg / --html.
    `reading` is passed to `write`: the files the command read, which no output may replace."""
    from rich.console import Console

    from nkru import render

    check_targets(out)
    if out.output == Path("-"):
        out = out._replace(output=None)  # `--output -` is stdout
    elif out.output and out.format is Format.table and out.output.suffix.lower() in BY_SUFFIX:
        out = out._replace(format=BY_SUFFIX[out.output.suffix.lower()])  # -o out.json writes JSON, as its name says
    table_to_file = out.format is Format.table and out.output
    if out.svg or out.html or table_to_file:
        from io import StringIO

        buffer = StringIO()  # one rendering at a fixed width serves the file and the exports
        recorder = Console(record=True, width=120, file=buffer, highlight=False)
        recorder.print(render.as_rich(view))
        from nkru.render import exports

        if out.svg:
            write(out.svg, exports.svg(recorder).encode(), out.force, "--svg", reading)
        if out.html:
            write(out.html, exports.html(recorder).encode(), out.force, "--html", reading)
    if out.format is not Format.table:
        text = render.as_text(view, out.format.value)
    elif table_to_file:
        text = render.no_trailing_spaces(buffer.getvalue())
    else:
        sys.stdout.write(render.terminal_text(render.as_rich(view)))
        return
    emit_text(text, out, reading)


# The format a file's name asks for, where --format leaves the table: `-o results.csv` is CSV.
BY_SUFFIX = {".json": Format.json, ".csv": Format.csv, ".md": Format.markdown, ".markdown": Format.markdown}


def emit_text(text: str, out: Out, reading: Collection[Path] | None = None) -> None:
    """Write text as it is to --output, or to stdout (also for `--output -`)."""
    if out.output and out.output != Path("-"):
        write(out.output, text.encode("utf-8"), out.force, "--output", reading)
    else:
        sys.stdout.write(text)


# What each file option writes, and the endings that say so: a page saved as x.png would open as nothing.
KINDS = {"--svg": ("an SVG file", (".svg",)), "--html": ("an HTML file", (".html", ".htm")), "--samples-out": ("a samples file", (".csv", ".npy"))}


def check_target(option: str, path: Path | None, force: bool) -> None:
    """A usage error if `path`, given to `option`, does not end as its kind of file must (stdout
    is only for --output), or could not be written (a missing folder, an existing file without
    --force, a file the command reads): found before any file is written."""
    from nkru.files import WriteError, check_writable

    if path is None or (option == "--output" and path == Path("-")):
        return
    if option in KINDS:
        kind, endings = KINDS[option]
        if str(path) == "-":
            raise UsageError(f"{option} -: give a file ending in {' or '.join(endings)}; only --output writes to stdout")
        if path.suffix.lower() not in endings:
            raise UsageError(f"{option} {shown(str(path))}: {kind} must end in {' or '.join(endings)}")
    try:
        check_writable(path, force, files_read())
    except WriteError as error:
        raise UsageError(f"{option} {shown(str(path))}: {error.reason}") from None


def check_targets(out: Out, samples_out: Path | None = None) -> None:
    """Check every file option before anything is computed or written."""
    for option, path in (("--svg", out.svg), ("--html", out.html), ("--samples-out", samples_out), ("--output", out.output)):
        check_target(option, path, out.force)


def rerun(command_name: str, data: Path | None, scenarios: list[str], sets: list[str], *args: str) -> str:
    words = ["nkru", command_name, *args] + (["--data", str(data)] if data else [])
    words += [w for s in scenarios for w in ("--scenario", s)] + [w for s in sets for w in ("--set", s)]
    return shlex.join(words)


def setup(data: Path | None, scenarios: list[str] | None, sets: list[str] | None) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Load the data, apply scenarios in order and then --set: (dataset, inputs, run record)."""
    ds = load_sourced(data)
    from nkru.load import parse_overrides

    set_overrides = parse_overrides(sets or [], ds)
    return (ds, *apply(ds, data, scenarios or [], set_overrides))


def load_sourced(data: Path | None) -> Any:
    """The dataset, refused if an input's numbers are not stated by the figures it cites: no
    table may credit a number to a source that does not state it."""
    from nkru.errors import DataError
    from nkru.load import load_dataset

    ds = load_dataset(data)
    if ds.unstated:
        raise DataError(list(ds.unstated))
    return ds


def apply(ds: Any, data: Path | None, scenarios: list[str], set_overrides: list[Any], option: str = "--scenario") -> tuple[dict[str, Any], dict[str, Any]]:
    """Scenarios in order, then --set, over a loaded dataset: (inputs, run record)."""
    from nkru.compute import inputs_for
    from nkru.load import load_scenarios

    applied = load_scenarios(scenarios, data, ds, option)
    overrides = [o for s in applied for o in s.overrides] + set_overrides
    return inputs_for(ds, overrides), {"scenarios": applied, "overrides": overrides}


def computing(which: str, data: Path | None, scenarios: list[str] | None, sets: list[str] | None, out: Out, sim: Sim,
               with_context: bool = False, dollars: int | None = None, quantities: list[str] | None = None, full: bool = False) -> None:
    """A computing command: the model's `which` command, or `calc` of some quantities; `full`
    shows in the tables everything the JSON holds."""
    from nkru import render

    check_targets(out, sim.samples_out)
    if sim.samples_out and sim.samples is None:
        raise UsageError("--samples-out needs --simulate N")
    ds, inputs, run = setup(data, scenarios, sets)
    run["rerun"] = rerun(which, data, scenarios or [], sets or [], *(quantities or []), *run_words(sim, dollars, with_context))
    computed = computed_for(ds, which, inputs, sim, with_context, dollars, quantities)
    unused = [o.name for o in run["overrides"] if o.origin.startswith("--set") and o.name not in computed.inputs]
    for name in dict.fromkeys(unused):  # a --set that changes nothing shown would pass for one that did
        sys.stderr.write(f"Warning: --set {name}: {' '.join([which, *(quantities or [])])} does not use {name}; nothing it shows changed\n")
    if sim.samples_out:
        from nkru.render.uncertainty import samples_bytes

        data_bytes = samples_bytes(computed.simulated.simulation, sim.samples_out.suffix.lower())
        write(sim.samples_out, data_bytes, out.force, "--samples-out")
    emit(render.computed_view(ds, computed, run, full), out)


def run_words(sim: Sim, dollars: int | None, with_context: bool = False) -> list[str]:
    """The options behind a computed output, as the rerun command repeats them."""
    words = [] if sim.samples is None else ["--simulate", str(sim.samples), "--seed", str(sim.seed)]
    return words + (["--dollars", str(dollars)] if dollars else []) + (["--context"] if with_context else [])


def computed_for(ds: Any, which: str, inputs: dict[str, Any], sim: Sim, with_context: bool = False, dollars: int | None = None,
                 quantities: list[str] | None = None) -> Any:
    """What a computing command shows for these inputs (nkru.compute.Computed): the model's
    `which` command or `calc` of some quantities, with --context rows and --simulate's samples."""
    from nkru import compute

    if quantities is not None:
        from nkru.engine.sensitivity import check_quantity

        for qid in quantities:
            check_quantity(ds, qid, "calc")
        computed = compute.calc(ds, quantities, inputs, dollars)
    else:
        computed = compute.command(ds, which, inputs, dollars)
    env = computed.env
    assert env is not None
    if with_context:
        from nkru.context import with_context_rows

        computed = with_context_rows(ds, computed, env)
    if sim.samples is not None:
        from nkru import simulate

        simulated = simulate.for_command(ds, computed, env.own, sim.samples, sim.seed, keep=sim.samples_out is not None)
        computed = computed._replace(simulated=simulated)
    return computed
