"""What the command line adds for one run: `--set` overrides and scenarios."""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from nkru.errors import DataError, Locator, UsageError, shown, suggest
from nkru.load.dataset import bundled_data_dir, display_name
from nkru.model import DISTRIBUTIONS, FLOOR_QUALIFIERS, Dataset, Input, Range, ScenarioFile, check_distribution, plain
from nkru.model.schema import basis_problem, outside_limits

# ASCII digits only, as in YAML: `--set` must not read ١٢ as 12 when the data files refuse it.
_OVERRIDE_NUMBER = re.compile(r"^[-+]?([0-9]{1,3}(,[0-9]{3})+|[0-9][0-9_]*)?(\.[0-9]+)?([eE][-+]?[0-9]+)?$", re.ASCII)


def _number(text: str, option: str) -> float:
    text = text.strip()
    if not text or not _OVERRIDE_NUMBER.match(text) or not any(c in "0123456789" for c in text):
        raise UsageError(f"{option}: '{text}' is not a number" if text else f"{option}: give a number after '='")
    value = float(text.replace(",", "").replace("_", ""))
    if not math.isfinite(value):
        raise UsageError(f"{option}: '{text}' is not a finite number")
    return value


def _known_input(ds: Dataset, name: str, option: str) -> None:
    if name in ds.inputs:
        return
    known = ", ".join(sorted(ds.inputs))
    if name in ds.quantities:
        raise UsageError(f"{option}: {name} is computed (model.yaml); set the inputs it uses instead")
    hint = suggest(name, ds.inputs)
    raise UsageError(f"{option}: unknown input '{name}'{hint}" + ("" if hint else f" (known: {known})"))


def parse_override(text: str, ds: Dataset) -> Input:
    """`NAME=12000`, `NAME=10000..12000` or `NAME=10000..12000:lognormal90` (or
    `:triangular@11000`) -> the Input it sets; UsageError naming the option."""
    text = shown(text)
    option = f"--set {text}"
    name, equals, spec = text.partition("=")
    spec, colon, reading = spec.partition(":")
    distribution, _, mode_text = reading.partition("@")
    name = name.strip()
    if not equals:
        raise UsageError(f"{option}: expected NAME=VALUE or NAME=LOW..HIGH")
    if not name:
        raise UsageError(f"{option}: give the input's name before '=' (one of: {', '.join(sorted(ds.inputs))})")
    _known_input(ds, name, option)
    parts = spec.split("..")
    if len(parts) > 2:
        raise UsageError(f"{option}: a range is LOW..HIGH, with one '..'")
    numbers = [_number(part, option) for part in parts]
    if len(numbers) == 2 and numbers[0] > numbers[1]:
        raise UsageError(f"{option}: low {plain(numbers[0])} is above high {plain(numbers[1])}")
    value = Range.point(numbers[0]) if len(numbers) == 1 else Range(None, numbers[0], numbers[1])
    spec_ = ds.inputs[name]
    limit = outside_limits(value, spec_.min, spec_.max)
    if limit:
        raise UsageError(f"{option}: {limit} (assumptions.yaml)")
    if colon and distribution not in DISTRIBUTIONS:
        raise UsageError(f"{option}: '{distribution}' is not a reading nkru knows (known: {', '.join(DISTRIBUTIONS)})")
    mode = _number(mode_text, option) if mode_text else None
    try:
        check_distribution(distribution or None, mode, value)
    except ValueError as error:
        raise UsageError(f"{option}: {error}") from None
    origin = f"--set {name}={spec.strip()}{':' + reading if colon else ''}"
    return Input(name, value, ds.inputs[name].unit, origin, (), None, distribution or None, mode)


def parse_overrides(texts: list[str], ds: Dataset) -> list[Input]:
    """All `--set` options, every mistake reported together."""
    overrides, problems = [], []
    for text in texts:
        try:
            overrides.append(parse_override(text, ds))
        except UsageError as error:
            problems.append(str(error))
    if problems:
        raise UsageError("\n".join(problems))
    return overrides


# ---------------------------------------------------------------------------- scenarios


class Scenario(NamedTuple):
    """A scenario file, read and resolved against a dataset into overrides."""

    name: str
    file: str  # as shown to the user
    note: str
    digest: str
    overrides: tuple[Input, ...]


def scenario_files(data_dir: Path | None) -> dict[str, Path]:
    """Every scenario by name: the shipped ones, and those in `data_dir/scenarios/` over them."""
    folders = [bundled_data_dir() / "scenarios"] + ([data_dir / "scenarios"] if data_dir else [])
    return {path.stem: path for folder in folders if folder.is_dir() for path in sorted(folder.glob("*.yaml"))}


def scenario_path(spec: str, data_dir: Path | None) -> Path:
    """A scenario named `spec`, or the file `spec` when it looks like a path."""
    if spec.endswith((".yaml", ".yml")) or os.sep in spec:
        path = Path(spec)
        if not (path.exists() or path.is_symlink()):
            raise UsageError(f"--scenario {shown(spec)}: no such file")
        return path  # anything else wrong with it (a directory, a device, a loop) the reader says, located
    known = scenario_files(data_dir)
    if spec not in known:
        raise UsageError(f"--scenario {shown(spec)}: unknown scenario (known: {', '.join(sorted(known))}; or give a .yaml file)")
    return known[spec]


def load_scenario(path: Path, ds: Dataset) -> Scenario:
    """Read a scenario strictly and resolve each setting against the dataset's figures."""
    from nkru.load.reader import read_yaml, validate

    read = read_yaml(path, display_name(path))
    parsed = validate(read, ScenarioFile)
    if read.problems:
        raise DataError(read.problems)
    locator = Locator()
    locator.add_file("scenario", read.name, read.data, read.marks)
    problems, overrides = [], []
    scenario_name = path.stem
    for name, setting in parsed.set.items():
        if name not in ds.inputs:
            problems.append(locator.problem("scenario", name, (), f"unknown input '{name}'{suggest(name, ds.inputs)}"))
            continue
        try:
            overrides.append(_setting_override(ds, scenario_name, name, setting))
        except ValueError as error:
            key = ("figure",) if setting.figure else ("from",) if setting.from_ else ()
            problems.append(locator.problem("scenario", name, key, str(error)))
    if problems:
        raise DataError(problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Scenario(scenario_name, read.name, parsed.note, digest, tuple(overrides))


def _setting_override(ds: Dataset, scenario: str, name: str, setting: Any) -> Input:
    """A scenario's setting of one input, resolved against the figures; ValueError if it cannot be."""
    from nkru.engine import expr, intervals, unitcheck, units

    target = ds.units[name]
    figures: tuple[str, ...] = ()
    if setting.from_ is not None:
        try:
            c = expr.compile_expr(setting.from_)
        except expr.ExprError as error:
            raise ValueError(str(error)) from None
        bad = [n for n in c.names if n not in ds.figures]
        if bad:
            raise ValueError(f"unknown figure '{bad[0]}'{suggest(bad[0], ds.figures)}: from: is an expression over figure ids")
        try:
            derived = unitcheck.derive(c.tree, c.text, ds.units, ds.registry)
            unitcheck.check(derived, target, ds.registry)
            value, _ = intervals.bounds(c, {n: ds.figures[n].range.scaled(ds.units[n].scale) for n in c.names})
        except (units.UnitError, expr.ExprError) as error:
            raise ValueError(str(error)) from None
        value, figures = value.scaled(1 / target.scale), c.names
    elif setting.figure is None:
        value = Range.of(setting.value, setting.low, setting.high)
    else:
        figure = ds.figures.get(setting.figure)
        if figure is None:
            raise ValueError(f"unknown figure '{setting.figure}'{suggest(setting.figure, ds.figures)}")
        if not units.same_dimension(ds.units[figure.id], target):
            raise ValueError(f"figure {figure.id} is in {figure.unit}; {name} is in {ds.inputs[name].unit}")
        value = figure.range.take(setting.take).scaled(units.factor(ds.units[figure.id], target))
        figures = (figure.id,)
    check_distribution(setting.distribution, setting.mode, value)
    for fid in figures:
        mismatch = basis_problem(name, ds.inputs[name].basis, ds.figures[fid])
        if mismatch:
            raise ValueError(mismatch)
    limit = outside_limits(value, ds.inputs[name].min, ds.inputs[name].max)
    if limit:
        raise ValueError(limit)
    floor = setting.figure is not None and value.is_point and ds.figures[setting.figure].qualifier in FLOOR_QUALIFIERS
    return Input(name, value, ds.inputs[name].unit, f"scenario {scenario}", figures, setting.note, setting.distribution, setting.mode, floor, setting.from_)


def load_scenarios(specs: list[str], data_dir: Path | None, ds: Dataset) -> list[Scenario]:
    """The scenarios named or given as files, in order, each resolved against the dataset."""
    return [load_scenario(scenario_path(spec, data_dir), ds) for spec in specs]


def parse_target(text: str) -> tuple[str, float, bool]:
    """`QUANTITY=500000000` or `QUANTITY=30%` -> (quantity id, target, given as a percentage)."""
    name, equals, spec = shown(text).partition("=")
    if not equals or not name.strip():
        raise UsageError(f"{shown(text)}: expected QUANTITY=TARGET, e.g. {name.strip() or 'QUANTITY'}=500000000")
    spec = spec.strip()
    if spec.endswith("%"):
        return name.strip(), _number(spec[:-1], shown(text)) / 100, True
    return name.strip(), _number(spec, shown(text)), False
