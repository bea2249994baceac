"""The dataset: which files to read, reading and validating them (or taking a cached copy),
and checking every reference between them."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from nkru import __version__
from nkru import model as model_module
from nkru.errors import DataError, Locator, Problem, UsageError
from nkru.files import write_atomic
from nkru.model import (
    FORMULA_INPUTS,
    AssumptionsFile,
    ClaimInput,
    ClaimsFile,
    Dataset,
    FiguresFile,
    SourcesFile,
    convertible,
)

# The data files, in the order they are read, with the schema of each.
DATA_FILES: dict[str, type] = {
    "sources": SourcesFile,
    "figures": FiguresFile,
    "context": FiguresFile,
    "claims": ClaimsFile,
    "assumptions": AssumptionsFile,
}
# The nkru package folder; the loader's code and model are part of the cache key.
PACKAGE = Path(__file__).resolve().parent.parent


def bundled_data_dir() -> Path:
    """The data nkru ships: inside the installed package, or the checkout's `data/`."""
    installed = PACKAGE / "data"
    return installed if installed.is_dir() else PACKAGE.parent / "data"


def display_name(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def data_paths(data_dir: Path | None) -> dict[str, Path]:
    """Each data file's path: from `data_dir` where it holds the file, else the shipped one."""
    shipped = bundled_data_dir()
    paths = {name: shipped / f"{name}.yaml" for name in DATA_FILES}
    if data_dir is None:
        return paths
    if not data_dir.exists():
        raise UsageError(f"--data {data_dir}: no such directory")
    if not data_dir.is_dir():
        raise UsageError(f"--data {data_dir}: is a file; give the directory that holds the YAML files")
    found = {name: data_dir / f"{name}.yaml" for name in DATA_FILES if (data_dir / f"{name}.yaml").exists()}
    if not found:
        names = ", ".join(f"{name}.yaml" for name in DATA_FILES)
        raise UsageError(f"--data {data_dir}: holds none of {names}")
    return paths | found


def load_dataset(data_dir: Path | None = None) -> Dataset:
    """Read, validate and cross-check every data file; raise DataError listing all problems.

    A dataset that passed is cached under a digest of the files' bytes and names and of the
    loader's own code, so an unchanged dataset is not parsed or validated again."""
    paths = data_paths(data_dir)
    digests = _digests(paths)
    key = _cache_key(digests)
    cached = _cache_get(key)
    if cached is not None:
        return cached
    dataset = _load_fresh(paths, tuple(digests or ()))
    _cache_put(key, dataset)
    return dataset


def _digests(paths: dict[str, Path]) -> list[tuple[str, str]] | None:
    """(name as shown, sha256) of each data file; None if one cannot be read (the fresh load
    then reports it, located)."""
    try:
        return [(display_name(path), hashlib.sha256(path.read_bytes()).hexdigest()) for path in paths.values()]
    except OSError:
        return None


def _load_fresh(paths: dict[str, Path], digests: tuple[tuple[str, str], ...]) -> Dataset:
    from nkru.load.reader import read_yaml, validate  # only when the data has to be parsed

    reads = {key: read_yaml(path, display_name(path)) for key, path in paths.items()}
    models = {key: validate(read, DATA_FILES[key]) for key, read in reads.items()}
    problems = [p for read in reads.values() for p in read.problems]
    if problems:
        raise DataError(problems)
    locator = Locator()
    for key, read in reads.items():
        locator.add_file(key, read.name, read.data, read.marks)
    dataset, problems = assemble(models, tuple((reads[key].name, paths[key]) for key in reads), digests, locator)
    problems += cross_check(dataset)
    if problems:
        raise DataError(problems)
    return dataset


def cache_dir() -> Path | None:
    """Where validated datasets are kept: $NKRU_CACHE_DIR, else the user's cache directory;
    None when NKRU_NO_CACHE is set."""
    if os.environ.get("NKRU_NO_CACHE"):
        return None
    if os.environ.get("NKRU_CACHE_DIR"):
        return Path(os.environ["NKRU_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nkru"


def _cache_key(digests: list[tuple[str, str]] | None) -> str | None:
    """The data files' names and digests, with the loader's own code and Python's version."""
    if digests is None:
        return None
    digest = hashlib.sha256(f"{sys.version}\0{__version__}\0".encode())
    for module in [*sorted((PACKAGE / "load").glob("*.py")), Path(model_module.__file__)]:
        digest.update(module.read_bytes())
    for name, file_digest in digests:
        digest.update(f"\0{name}\0{file_digest}".encode())
    return digest.hexdigest()


def _cache_get(key: str | None) -> Dataset | None:
    folder = cache_dir()
    if key is None or folder is None:
        return None
    try:
        with open(folder / f"{key}.pickle", "rb") as stream:
            dataset = pickle.load(stream)
    except FileNotFoundError:
        return None
    # A damaged or foreign cache file is only a miss: the data is loaded and validated afresh.
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return dataset if isinstance(dataset, Dataset) else None


def _cache_put(key: str | None, dataset: Dataset) -> None:
    folder = cache_dir()
    if key is None or folder is None:
        return
    try:
        write_atomic(folder / f"{key}.pickle", pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(folder)
    except OSError:
        pass  # a read-only or full cache directory costs speed, never the result


CACHE_ENTRIES = 32


def _prune(folder: Path) -> None:
    """Keep the most recently written entries: each edit of the data or of nkru makes a new one."""
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[CACHE_ENTRIES:]:
        stale.unlink(missing_ok=True)


def assemble(models: dict[str, Any], files: tuple, digests: tuple, locator: Locator) -> tuple[Dataset, list[Problem]]:
    """Index the validated files by id; a repeated id is a problem at its second place."""
    problems: list[Problem] = []

    def index(section: str, items: tuple, into: dict) -> None:
        for position, item in enumerate(items):
            if item.id in into:
                problems.append(locator.problem(section, position, ("id",), f"id '{item.id}' is used twice"))
            into[item.id] = item

    sources: dict[str, Any] = {}
    figures: dict[str, Any] = {}
    claims: dict[str, Any] = {}
    index("sources", models["sources"].sources, sources)
    index("figures", models["figures"].figures, figures)
    index("context", models["context"].figures, figures)
    index("claims", models["claims"].claims, claims)
    assumptions = models["assumptions"]
    dataset = Dataset(
        sources=sources,
        figures=figures,
        context_ids=frozenset(f.id for f in models["context"].figures),
        claims=tuple(claims.values()),
        assumptions=assumptions.assumptions,
        bands=assumptions.casualty_bands,
        compare_with=assumptions.compare_with,
        files=files,
        digests=digests,
        locator=locator,
    )
    return dataset, problems


def cross_check(ds: Dataset) -> list[Problem]:
    """Every reference between files must resolve and every claim input must fit its formula."""
    at = ds.locator.problem
    problems: list[Problem] = []
    for source in ds.sources.values():
        problems += [at("sources", source.id, ("cited_by",), f"unknown source '{ref}'") for ref in source.cited_by if ref not in ds.sources]
    for figure in ds.figures.values():
        section = "context" if figure.id in ds.context_ids else "figures"
        source = ds.sources.get(figure.source)
        if source is None:
            problems.append(at(section, figure.id, ("source",), f"unknown source '{figure.source}'"))
        elif (section == "figures") != (source.kind == "article"):
            want = "one of the three articles" if section == "figures" else "a context source or the domain brief"
            problems.append(at(section, figure.id, ("source",), f"'{figure.source}' is a {source.kind} source; figures in {section}.yaml quote {want}"))
        problems += [at(section, figure.id, ("cites",), f"unknown source '{ref}'") for ref in figure.cites if ref not in ds.sources]
    for claim in ds.claims:
        problems += _claim_problems(ds, claim)
    problems += _assumption_problems(ds)
    return problems


def _claim_problems(ds: Dataset, claim: Any) -> list[Problem]:
    at = ds.locator.problem
    problems: list[Problem] = []
    if claim.source not in ds.sources:
        problems.append(at("claims", claim.id, ("source",), f"unknown source '{claim.source}'"))
    params = FORMULA_INPUTS[claim.formula]
    missing = [name for name in params if name not in claim.inputs]
    if missing:
        problems.append(at("claims", claim.id, ("inputs",), f"{claim.formula} needs {', '.join(missing)}"))
    places = [(("inputs",), claim.inputs)] + [(("candidates", i, "inputs"), c.inputs) for i, c in enumerate(claim.candidates)]
    for where, inputs in places:
        for name, spec in inputs.items():
            problem = _input_problem(ds, claim.formula, name, spec)
            if problem:
                problems.append(at("claims", claim.id, where + (name,), problem))
    if isinstance(claim.stated, str) and claim.stated not in ds.figures:
        problems.append(at("claims", claim.id, ("stated",), f"unknown figure '{claim.stated}'"))
    problems += [at("claims", claim.id, ("solve_for",), f"'{name}' is not an input of this claim") for name in claim.solve_for if name not in claim.inputs]
    return problems


def _input_problem(ds: Dataset, formula: str, name: str, spec: Any) -> str | None:
    """Why one claim input cannot feed its formula, or None."""
    params = FORMULA_INPUTS[formula]
    if name not in params:
        return f"{formula} takes no input '{name}' (it takes {', '.join(params)})"
    spec = spec if isinstance(spec, ClaimInput) else ClaimInput(figure=spec)
    unit, basis = params[name]
    if spec.figure is None:
        return None if convertible(spec.unit, unit) else f"{name} is in {unit}, not {spec.unit}"
    figure = ds.figures.get(spec.figure)
    if figure is None:
        return f"unknown figure '{spec.figure}'"
    from_unit = figure.unit
    if spec.per is not None:
        rate = ds.figures.get(spec.per)
        if rate is None or rate.unit != f"{figure.unit} per USD":
            return f"per: '{spec.per}' is not a figure in {figure.unit} per USD"
        from_unit = "USD"
    if not convertible(from_unit, unit):
        return f"figure {figure.id} is in {figure.unit}; {name} is in {unit}" + ("" if spec.per else " (convert it with per: RATE)")
    if basis is not None and figure.basis != basis:
        return f"figure {figure.id} is {figure.basis}; {name} must be {basis}"
    return None


def _assumption_problems(ds: Dataset) -> list[Problem]:
    at = ds.locator.problem
    problems: list[Problem] = []
    for name, assumption in ds.assumption_items():
        problems += [at("assumptions", name, ("figures",), f"unknown figure '{ref}'") for ref in assumption.figures if ref not in ds.figures]
    for index, band in enumerate(ds.bands):
        figure = ds.figures.get(band.figure)
        if figure is None or figure.quantity != "casualty_threshold":
            what = "unknown figure" if figure is None else f"figure of quantity {figure.quantity}, not casualty_threshold:"
            problems.append(at("casualty_bands", index, ("figure",), f"{what} '{band.figure}'"))
    compare = ds.compare_with
    for index, ref in enumerate(compare.s400_prices):
        if ref not in ds.figures or ds.figures[ref].unit != "USD":
            problems.append(at("compare_with", "s400_prices", (index,), f"'{ref}' is not a figure in USD"))
    if compare.total_deal not in ds.figures or ds.figures[compare.total_deal].unit != "USD":
        problems.append(at("compare_with", "total_deal", (), f"'{compare.total_deal}' is not a figure in USD"))
    return problems




