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
from nkru.errors import DataError, Locator, Problem, UsageError
from nkru.files import write_atomic
from nkru.model import Dataset
from nkru.model.modelfile import ModelFile
from nkru.model.schema import AssumptionsFile, ClaimsFile, FiguresFile, SourcesFile

# The data files, in the order they are read, with the schema of each.
DATA_FILES: dict[str, type] = {
    "sources": SourcesFile,
    "figures": FiguresFile,
    "context": FiguresFile,
    "claims": ClaimsFile,
    "assumptions": AssumptionsFile,
    "model": ModelFile,
}
# The nkru package folder; the loader's code and model are part of the cache key.
PACKAGE = Path(__file__).resolve().parent.parent


def bundled_data_dir() -> Path:
    """The data nkru ships: inside the installed package, or the checkout's `data/`."""
    installed = PACKAGE / "data"
    return installed if installed.is_dir() else PACKAGE.parent / "data"


def display_name(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    # abspath, not resolve: a symlink is shown where the user put it (and a loop cannot raise).
    here, there = Path(os.path.abspath(Path.cwd())), Path(os.path.abspath(path))
    try:
        return str(there.relative_to(here))
    except ValueError:
        try:
            return str(there.relative_to(Path.cwd().resolve()))
        except (ValueError, OSError):
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
    # Only when the data has to be parsed: a run whose dataset is cached imports none of these.
    from nkru.load.crosscheck import cross_check, provenance_problems
    from nkru.load.reader import read_yaml, validate
    from nkru.load.upgrade import legacy_problem

    reads = {key: read_yaml(path, display_name(path)) for key, path in paths.items()}
    legacy = [p for key, read in reads.items() if (p := legacy_problem(key, read.name, read.data))]
    if legacy:
        raise DataError(legacy)
    models = {key: validate(read, DATA_FILES[key]) for key, read in reads.items()}
    problems = [p for read in reads.values() for p in read.problems]
    if problems:
        raise DataError(problems)
    locator = Locator()
    for key, read in reads.items():
        locator.add_file(key, read.name, read.data, read.marks)
    dataset, problems = assemble(models, tuple((reads[key].name, paths[key]) for key in reads), digests, locator)
    if not problems:  # references are checked once the model resolves, so each is reported once
        problems += cross_check(dataset)
    if not problems:
        dataset.unstated = tuple(provenance_problems(dataset))
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
    """The data files' names and digests, with nkru's own code and Python's version."""
    if digests is None:
        return None
    digest = hashlib.sha256(f"{sys.version}\0{__version__}\0".encode())
    # Every module of the package, by size and modification time: an edit to any of them (an
    # editable install) makes a new key, without reading each file on every run.
    for module in sorted(PACKAGE.rglob("*.py")):
        stat = module.stat()
        digest.update(f"{module.relative_to(PACKAGE)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
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
    """Index the validated files by id (a repeated id is a problem at its second place) and
    resolve the model: units, formulas, derived inputs."""
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
    from nkru.load.resolve import resolve

    context_ids = frozenset(f.id for f in models["context"].figures)
    inputs = models["assumptions"].assumptions
    resolved = resolve(models["model"], figures, context_ids, inputs, locator)
    dataset = Dataset(
        sources=sources,
        figures=figures,
        context_ids=context_ids,
        claims=tuple(claims.values()),
        inputs=inputs,
        derived=resolved.derived,
        correlations=tuple(models["assumptions"].correlations),
        model=models["model"],
        quantities=resolved.quantities,
        registry=resolved.registry,
        units=resolved.units,
        claim_units={},
        unstated=(),
        files=files,
        digests=digests,
        locator=locator,
    )
    return dataset, problems + resolved.problems
