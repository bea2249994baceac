"""What the command line adds for one run: `--set` overrides and scenarios."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from nkru.errors import DataError, Locator, UsageError, shown, suggest
from nkru.load.paths import bundled_data_dir, display_name
from nkru.model import DISTRIBUTIONS, FLOOR_QUALIFIERS, Dataset, Input, Range, ScenarioFile, check_distribution, plain
from nkru.model.schema import basis_problem, outside_limits
from nkru.numbers import NumberError, parse_number

_SUFFIXES = {"k": 3, "m": 6, "b": 9}  # the suffixes nkru prints: 12k, $500M, $1.3B
_FRACTIONS = ("1", "fraction")  # units whose values nkru prints as percentages
_FORMS = "12000, 12,000, 12_000, 1.2e4 or 12k (k, M and B suffixes)"
_SUFFIXED = re.compile(r"^[0-9.,_eE+-]*[0-9.][kKmMbB]$", re.ASCII)


def _number(text: str, option: str, unit: str | None = None, ranges: bool = True) -> float:
    """One number of `--set` (where `ranges` may be given) or of a target, by nkru's grammar
    (nkru.numbers) and the forms nkru prints; `unit` is the input's, None when not known."""
    text = text.strip()
    if not text:
        raise UsageError(f"{option}: give a number after '='")
    try:
        return _value_of(text, option, unit)
    except NumberError as error:
        raise UsageError(_explained(text, error, option, ranges)) from None


def _value_of(text: str, option: str, unit: str | None) -> float:
    """The number `text` writes in `unit`; NumberError, or UsageError for a mark the unit refuses."""
    sign, body = ("-", text[1:]) if text[:1] in ("-", "\u2212") else ("+", text[1:]) if text[:1] == "+" else ("", text)
    body, power = _unit_marks(body, text, option, unit)
    return float(parse_number(sign + body, commas=True, power=power))


def _unit_marks(body: str, text: str, option: str, unit: str | None) -> tuple[str, int]:
    """The number without a leading `$` or a trailing `%`, k, M or B, and the power of ten they add."""
    if body.startswith("$"):
        if unit is not None and not unit.startswith("USD"):
            raise UsageError(f"{option}: '{text}' is in dollars, but the input is in {unit}; write it without '$'")
        body = body[1:]
    if body.endswith("%"):
        if unit is not None and unit not in _FRACTIONS and unit != "percent":
            raise UsageError(f"{option}: '{text}' is a percentage, but the input is in {unit}, not a fraction; write the number in {unit}")
        return body[:-1], 0 if unit == "percent" else -2
    if _SUFFIXED.match(body):
        return body[:-1], _SUFFIXES[body[-1].lower()]
    return body, 0


def _explained(text: str, error: NumberError, option: str, ranges: bool) -> str:
    """The message for a text that is not a number: why, and what to write instead."""
    if error.reason != "is not a number":
        return f"{option}: '{text}' {error.reason}"
    dashes = [at for at, char in enumerate(text) if at and char in "-\u2013\u2014" and text[at - 1] not in "eE"]
    for at in dashes[:2] if ranges else []:  # `10000-12000`, `-5-10`: a range written with a dash
        low, high = text[:at].strip(), text[at + 1 :].strip()
        if _parses(low) and _parses(high):
            return f"{option}: '{text}' is not a number; use {low}..{high} for a range"
    return f"{option}: '{text}' is not a number; write it as {_FORMS}" + (", and a range as LOW..HIGH" if ranges else "")


def _parses(text: str) -> bool:
    """Whether `text` is one number (in any unit's forms)."""
    try:
        _value_of(text, "", None)
    except (NumberError, UsageError):
        return False
    return True


def percent_hint(value: float, unit: str) -> str | None:
    """For a target in a fraction given as a plain number above 1: 'did you mean 30%?'."""
    if unit not in _FRACTIONS or value <= 1:
        return None
    return f"{plain(value)} means {plain(value * 100)}% here; did you mean {plain(value)}%?"


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
    unit = ds.inputs[name].unit
    numbers = [_number(part, option, unit) for part in parts]
    if len(numbers) == 2 and numbers[0] > numbers[1]:
        raise UsageError(f"{option}: low {plain(numbers[0])} is above high {plain(numbers[1])}")
    value = Range.point(numbers[0]) if len(numbers) == 1 else Range(None, numbers[0], numbers[1])
    spec_ = ds.inputs[name]
    limit = outside_limits(value, spec_.min, spec_.max)
    if limit:
        raise UsageError(f"{option}: {limit} (assumptions.yaml)")
    if colon and distribution not in DISTRIBUTIONS:
        raise UsageError(f"{option}: '{distribution}' is not a reading nkru knows (known: {', '.join(DISTRIBUTIONS)})")
    mode = _number(mode_text, option, unit) if mode_text else None
    try:
        check_distribution(distribution or None, mode, value)
    except ValueError as error:
        raise UsageError(f"{option}: {error}") from None
    origin = f"--set {name}={spec.strip()}{':' + reading if colon else ''}"
    return Input(name, value, unit, origin, (), None, distribution or None, mode)


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
    """Every scenario by name: the shipped ones, and those in `data_dir/scenarios/` over them.
    Every `*.yaml` entry is listed, a dangling symlink too, so that the reader reports it."""
    folders = [bundled_data_dir() / "scenarios"] + ([data_dir / "scenarios"] if data_dir else [])
    return {Path(name).stem: folder / name for folder in folders for name in _yaml_names(folder)}


def _yaml_names(folder: Path) -> list[str]:
    """The names ending in .yaml in a scenarios folder, sorted; none when there is no folder.
    UsageError naming the folder when it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entry.name for entry in entries if entry.name.endswith(".yaml"))
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        if os.path.lexists(folder) and not os.path.exists(folder):
            raise UsageError(f"{display_name(folder)}: is a dangling symlink; scenarios/ must be a folder of scenario files") from None
        raise UsageError(f"{display_name(folder)}: is a file; scenarios/ must be a folder of scenario files") from None
    except OSError as error:
        raise UsageError(f"{display_name(folder)}: the scenarios folder cannot be listed ({error.strerror or error})") from None


def scenario_path(spec: str, data_dir: Path | None, option: str = "--scenario") -> Path:
    """A scenario named `spec`, or the file `spec` when it looks like a path; `option` is how
    the user gave it, for messages (`--scenario`, `compare SCENARIO`)."""
    where = f"{option} {shown(spec)}"
    if spec.endswith((".yaml", ".yml")) or os.sep in spec:
        path = Path(spec)
        if _missing(path):
            hint = "" if os.sep in spec else _scenario_hint(Path(spec).stem, data_dir, listed=False)
            raise UsageError(f"{where}: no such file{hint}")
        return path  # anything else wrong with it (a directory, a device, a loop, no permission) the reader says, located
    known = scenario_files(data_dir)
    if spec not in known:
        raise UsageError(f"{where}: unknown scenario{_scenario_hint(spec, data_dir, listed=True)}")
    return known[spec]


def _missing(path: Path) -> bool:
    """Whether nothing is at `path`, not even a dangling symlink; an error other than 'no such
    file' (a folder above it cannot be searched) is left for the reader to report."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _scenario_hint(name: str, data_dir: Path | None, listed: bool) -> str:
    """' (did you mean NAME?)' for the scenario `name` most likely means, case-insensitively;
    else, when `listed`, the known names."""
    known = scenario_files(data_dir)
    same = [k for k in known if k.casefold() == name.casefold()]
    hint = f" (did you mean {same[0]}?)" if same else suggest(name.casefold(), known)
    if hint or not listed:
        return hint
    return f" (known: {', '.join(sorted(known))}; or give a .yaml file)"


def load_scenario(path: Path, ds: Dataset) -> Scenario:
    """Read a scenario strictly and resolve each setting against the dataset's figures."""
    from nkru.load.reader import read_yaml
    from nkru.load.validation import validate

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
    return Scenario(scenario_name, read.name, parsed.note, read.sha256, tuple(overrides))


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


def load_scenarios(specs: list[str], data_dir: Path | None, ds: Dataset, option: str = "--scenario") -> list[Scenario]:
    """The scenarios named or given as files, in order, each resolved against the dataset."""
    return [load_scenario(scenario_path(spec, data_dir, option), ds) for spec in specs]


class Target(NamedTuple):
    """A `solve` goal: the quantity, its target, and whether it was given as NN% (a fraction). The
    caller, which knows the quantity's unit, refuses a % for one that is not a fraction and asks
    percent_hint() about a plain number for one that is."""

    quantity: str
    value: float
    percent: bool


def parse_target(text: str) -> Target:
    """`QUANTITY=500000000`, `QUANTITY=$500M` or `QUANTITY=30%` -> the Target."""
    name, equals, spec = shown(text).partition("=")
    if not equals or not name.strip():
        raise UsageError(f"{shown(text)}: expected QUANTITY=TARGET, e.g. {name.strip() or 'QUANTITY'}=500000000")
    spec = spec.strip()
    return Target(name.strip(), _number(spec, shown(text), ranges=False), spec.endswith("%"))
