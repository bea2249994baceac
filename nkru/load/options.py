"""What the command line adds for one run: `--set` overrides and scenarios."""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from nkru.errors import DataError, Locator, UsageError, shown
from nkru.load.dataset import bundled_data_dir, display_name
from nkru.model import (
    ASSUMPTION_UNITS,
    DISTRIBUTIONS,
    FLOOR_QUALIFIERS,
    Dataset,
    Override,
    Range,
    ScenarioFile,
    assumption_problem,
    check_distribution,
    convertible,
    factor,
    plain,
)


_OVERRIDE_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d[\d_]*)?(\.\d+)?([eE][-+]?\d+)?$")


def _number(text: str, option: str) -> float:
    text = text.strip()
    if not text or not _OVERRIDE_NUMBER.match(text) or not any(c.isdigit() for c in text):
        raise UsageError(f"{option}: '{text}' is not a number" if text else f"{option}: give a number after '='")
    value = float(text.replace(",", "").replace("_", ""))
    if not math.isfinite(value):
        raise UsageError(f"{option}: '{text}' is not a finite number")
    return value


def parse_override(text: str) -> Override:
    """`troops=12000`, `troops=10000..12000` or `troops=10000..12000:lognormal90` (or
    `:triangular@11000`) -> Override; UsageError naming the option."""
    text = shown(text)
    option = f"--set {text}"
    name, equals, spec = text.partition("=")
    spec, colon, reading = spec.partition(":")
    distribution, _, mode_text = reading.partition("@")
    name = name.strip()
    known = ", ".join(sorted(ASSUMPTION_UNITS))
    if not equals:
        raise UsageError(f"{option}: expected NAME=VALUE or NAME=LOW..HIGH")
    if not name:
        raise UsageError(f"{option}: give the assumption's name before '=' (one of: {known})")
    if name not in ASSUMPTION_UNITS:
        raise UsageError(f"{option}: unknown assumption '{name}' (known: {known})")
    parts = spec.split("..")
    if len(parts) > 2:
        raise UsageError(f"{option}: a range is LOW..HIGH, with one '..'")
    numbers = [_number(part, option) for part in parts]
    if len(numbers) == 2 and numbers[0] > numbers[1]:
        raise UsageError(f"{option}: low {plain(numbers[0])} is above high {plain(numbers[1])}")
    value = Range.point(numbers[0]) if len(numbers) == 1 else Range(None, numbers[0], numbers[1])
    problem = "cannot be negative" if value.low < 0 else assumption_problem(name, value)
    if problem:
        raise UsageError(f"{option}: {problem if problem.startswith(name) else f'{name} {problem}'}")
    if colon and distribution not in DISTRIBUTIONS:
        raise UsageError(f"{option}: '{distribution}' is not a reading nkru knows (known: {', '.join(DISTRIBUTIONS)})")
    mode = _number(mode_text, option) if mode_text else None
    try:
        check_distribution(distribution or None, mode, value)
    except ValueError as error:
        raise UsageError(f"{option}: {error}") from None
    return Override(name, value, f"--set {name}={spec.strip()}{':' + reading if colon else ''}", distribution=distribution or None, mode=mode)


def parse_overrides(texts: list[str]) -> list[Override]:
    """All `--set` options, every mistake reported together."""
    overrides, problems = [], []
    for text in texts:
        try:
            overrides.append(parse_override(text))
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
    overrides: tuple[Override, ...]


def scenario_files(data_dir: Path | None) -> dict[str, Path]:
    """Every scenario by name: the shipped ones, and those in `data_dir/scenarios/` over them."""
    folders = [bundled_data_dir() / "scenarios"] + ([data_dir / "scenarios"] if data_dir else [])
    return {path.stem: path for folder in folders if folder.is_dir() for path in sorted(folder.glob("*.yaml"))}


def scenario_path(spec: str, data_dir: Path | None) -> Path:
    """A scenario named `spec`, or the file `spec` when it looks like a path."""
    if spec.endswith((".yaml", ".yml")) or os.sep in spec:
        path = Path(spec)
        if not path.is_file():
            raise UsageError(f"--scenario {shown(spec)}: no such file")
        return path
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
    name = path.stem
    for assumption, setting in parsed.set.items():
        try:
            overrides.append(_setting_override(ds, name, assumption, setting))
        except ValueError as error:
            problems.append(locator.problem("scenario", assumption, ("figure",) if setting.figure else (), str(error)))
    if problems:
        raise DataError(problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Scenario(name, read.name, parsed.note, digest, tuple(overrides))


def _setting_override(ds: Dataset, scenario: str, name: str, setting: Any) -> Override:
    unit = ASSUMPTION_UNITS[name]
    if setting.figure is None:
        value = Range.of(setting.value, setting.low, setting.high)
        figures: tuple[str, ...] = ()
    else:
        figure = ds.figures.get(setting.figure)
        if figure is None:
            raise ValueError(f"unknown figure '{setting.figure}'")
        if not convertible(figure.unit, unit):
            raise ValueError(f"figure {figure.id} is in {figure.unit}; {name} is in {unit}")
        whole = figure.range
        value = {
            None: whole, "value": whole, "range": Range(None, whole.low, whole.high),
            "low": Range.point(whole.low), "high": Range.point(whole.high), "midpoint": Range.point(whole.midpoint),
        }[setting.take].scaled(factor(figure.unit, unit))
        figures = (figure.id,)
    problem = assumption_problem(name, value)
    if problem:
        raise ValueError(problem)
    check_distribution(setting.distribution, setting.mode, value)
    floor = setting.figure is not None and value.is_point and ds.figures[setting.figure].qualifier in FLOOR_QUALIFIERS
    return Override(name, value, f"scenario {scenario}", figures, setting.note, setting.distribution, setting.mode, floor)


def load_scenarios(specs: list[str], data_dir: Path | None, ds: Dataset) -> list[Scenario]:
    return [load_scenario(scenario_path(spec, data_dir), ds) for spec in specs]


def parse_target(text: str) -> tuple[str, float]:
    """`annual_value_usd=500000000` or `casualty_rate=30%` -> (result id, target)."""
    name, equals, spec = shown(text).partition("=")
    if not equals or not name.strip():
        raise UsageError(f"{shown(text)}: expected RESULT=TARGET, e.g. annual_value_usd=500000000")
    spec = spec.strip()
    if spec.endswith("%"):
        return name.strip(), _number(spec[:-1], shown(text)) / 100
    return name.strip(), _number(spec, shown(text))
