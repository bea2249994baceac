"""The dataset: which files to read, reading and validating them (or taking a cached copy),
and checking every reference between them."""

from __future__ import annotations

import errno
import functools
import gc
import hashlib
import os
import stat
import sys
from pathlib import Path
from typing import Any

from nkru import __version__
from nkru.errors import DataError, Locator, NkruError, Problem, UsageError, shown
from nkru.files import read_regular
from nkru.load.paths import PACKAGE, bundled_data_dir, display_name  # noqa: F401  - display_name: nkru.load exports it from here
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
# Figures may be split over several files: figures.yaml, then figures.d/*.yaml in name order,
# each in figures.yaml's layout (one file per article, or a generated data set past the reader's
# per-file limits). A part's key is "figures.d/<name>".
PARTS = "figures.d"
MAX_PARTS = 1_000


def kind(key: str) -> str:
    """The data file a key stands for: a part of figures.d is a figures file."""
    return "figures" if key.startswith(PARTS + "/") else key


def data_paths(data_dir: Path | None) -> dict[str, Path]:
    """Each data file's path: from `data_dir` where it holds the file, else the shipped one."""
    shipped = bundled_data_dir()
    paths = {name: shipped / f"{name}.yaml" for name in DATA_FILES}
    if data_dir is None:
        return _with_parts(paths, shipped)
    listed = _listing(data_dir, f"--data {_shown(data_dir)}")
    # lexists, not exists: a dangling symlink is the user's file, which the reader reports, not a gap to fill.
    found = {name: data_dir / f"{name}.yaml" for name in DATA_FILES if f"{name}.yaml" in listed or os.path.lexists(data_dir / f"{name}.yaml")}
    if not found and PARTS not in listed:
        names = ", ".join(f"{name}.yaml" for name in DATA_FILES)
        raise UsageError(f"--data {_shown(data_dir)}: holds none of {names}, nor a {PARTS}/ folder")
    # The figures' parts come from the folder that has them: --data's, else the shipped data's.
    return _with_parts(paths | found, data_dir if PARTS in listed else shipped)


def _with_parts(paths: dict[str, Path], folder: Path) -> dict[str, Path]:
    """`paths` with the figures' parts in `folder`/figures.d, after figures.yaml, in name order."""
    parts = folder / PARTS
    if not os.path.lexists(parts):
        return paths
    names = sorted(name for name in _listing(parts, _shown(parts)) if name.endswith((".yaml", ".yml")) and not name.startswith("."))
    if len(names) > MAX_PARTS:
        raise UsageError(f"{_shown(parts)}: holds {len(names):,} YAML files, more than {MAX_PARTS:,}; join some of them")
    at = list(paths).index("figures") + 1
    items = list(paths.items())
    return dict(items[:at] + [(f"{PARTS}/{name}", parts / name) for name in names] + items[at:])


def _shown(path: Path) -> str:
    """A path for a one-line message: bytes that are not UTF-8 as \\xNN, control characters escaped."""
    return shown(os.fsencode(path).decode("utf-8", "backslashreplace"))


def _listing(data_dir: Path, where: str) -> set[str]:
    """The names in a data directory (`where` names it in messages); UsageError saying why it cannot be used."""
    try:
        str(data_dir).encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes arrive as surrogates (surrogateescape)
        raise UsageError(f"{where}: the name is not UTF-8; rename the directory") from None
    try:
        info = os.stat(data_dir)
    except FileNotFoundError:
        if os.path.islink(data_dir):
            raise UsageError(f"{where}: is a dangling symlink (its target does not exist)") from None
        raise UsageError(f"{where}: no such directory") from None
    except NotADirectoryError:
        raise UsageError(f"{where}: no such directory") from None
    except PermissionError:
        raise UsageError(f"{where}: cannot be reached: permission denied on a directory above it") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UsageError(f"{where}: is a symlink loop") from None
        raise UsageError(f"{where}: cannot be read ({error.strerror or error})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{where}: is a file; give the directory that holds the YAML files")
    try:
        return set(os.listdir(data_dir))
    except PermissionError:
        raise UsageError(f"{where}: cannot be listed: permission denied") from None
    except OSError as error:
        raise UsageError(f"{where}: cannot be listed ({error.strerror or error})") from None


def load_dataset(data_dir: Path | None = None) -> Dataset:
    """Read, validate and cross-check every data file; raise DataError listing all problems.

    A dataset that passed is cached under a digest of the files' bytes and real paths and of
    nkru's own code, so an unchanged dataset is not parsed or validated again.

    Python's cycle collector is paused meanwhile, and a dataset that loaded is then frozen out of
    its reach: it is millions of objects and no cycles, and at 100,000 figures the collector's
    passes over them took 40% of a warm load and half of `check`'s audit after it. Frozen objects
    are still freed by reference counting; only cyclic garbage made during the load would stay,
    and the load makes none that matters. A failed load freezes nothing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        dataset = _load(data_dir)
        gc.freeze()
        return dataset
    finally:
        if collecting:
            gc.enable()


def _load(data_dir: Path | None) -> Dataset:
    paths = data_paths(data_dir)
    contents = _contents(paths)
    digests = [(display_name(path), digest) for path, digest in zip(paths.values(), contents or ())]
    key = _cache_key(paths, contents)
    cached = _cache_get(key)
    if cached is not None:
        return _relabel(cached, paths, digests)
    dataset = _load_fresh(paths, tuple(digests))
    dataset.clean_scenarios = _clean_scenarios(dataset, data_dir)
    if _contents(paths) == contents:  # a file edited while it was read must not be cached under its old digest
        _cache_put(key, dataset)
    return dataset


def scenario_digest(path: Path) -> tuple[str, str] | None:
    """A scenario file's real path and content digest; None if it cannot be read."""
    from nkru.files import ReadError, read_regular
    from nkru.load.reader import MAX_FILE_BYTES

    try:
        return str(path.resolve()), hashlib.sha256(read_regular(path, MAX_FILE_BYTES)).hexdigest()
    except (ReadError, OSError, RuntimeError):
        return None


def _clean_scenarios(dataset: Dataset, data_dir: Path | None) -> frozenset[tuple[str, str]]:
    """The scenario files that resolve against this dataset without a problem, by real path and
    digest: `check` skips them on a warm run instead of validating each again (a scenario edited
    since, or a new one, is not in the set and is checked)."""
    from nkru.load.options import load_scenario, scenario_files

    clean = set()
    try:
        found = scenario_files(data_dir)
    except NkruError:
        return frozenset()
    for path in found.values():
        try:
            clean.add((str(path.resolve()), load_scenario(path, dataset).digest))
        except (NkruError, OSError, RuntimeError):
            continue
    return frozenset(clean)


def _cache_get(key: str | None) -> Dataset | None:
    folder = cache_dir()
    if key is None or folder is None:
        return None
    from nkru.load import cache

    return cache.read(folder, key)


def _cache_put(key: str | None, dataset: Dataset) -> None:
    folder = cache_dir()
    if key is None or folder is None:
        return
    from nkru.load import cache

    cache.write(folder, key, dataset, CACHE_ENTRIES)


# At most what the reader reads: a larger file is not cached, and the fresh load reports it.
MAX_DIGEST_BYTES = 16 * 1024 * 1024


def _digest(path: Path) -> str:
    # read_regular: a FIFO or device named like a data file must not block or run on here.
    return hashlib.sha256(read_regular(path, MAX_DIGEST_BYTES)).hexdigest()


def _contents(paths: dict[str, Path]) -> list[str] | None:
    """The sha256 of each data file; None if one cannot be read (the fresh load then reports it, located)."""
    try:
        return [_digest(path) for path in paths.values()]
    except ValueError:  # ReadError
        return None


def readable_digests(data_dir: Path | None) -> tuple[tuple[str, str], ...]:
    """Each data file's name as shown and its sha256, leaving out one that cannot be read: the
    record of a `check` whose data did not load (check reports the unreadable one, located)."""
    out = []
    for path in data_paths(data_dir).values():
        try:
            out.append((display_name(path), _digest(path)))
        except ValueError:  # ReadError
            continue
    return tuple(out)


def _relabel(dataset: Dataset, paths: dict[str, Path], digests: list[tuple[str, str]]) -> Dataset:
    """A cached dataset with the file names as shown from this working directory: every
    directory shares one entry, and names in messages and JSON are relative to where nkru runs."""
    names = {key: display_name(path) for key, path in paths.items()}
    renamed: dict[str, str] = {}
    locator = Locator()
    for key, name, data, marks, unread in dataset.locator.files():
        renamed[name] = names.get(key, name)
        if unread and key in paths:
            locator.add_unread(key, renamed[name], functools.partial(_reread, paths[key], renamed[name]))
        else:
            locator.add_file(key, renamed[name], data, marks)
    dataset.locator = locator
    dataset.files = tuple((names[key], path) for key, path in paths.items())
    dataset.digests = tuple(digests)
    dataset.unstated, dataset.unquoted = (tuple(p._replace(file=renamed.get(p.file, p.file)) for p in found) for found in (dataset.unstated, dataset.unquoted))
    return dataset


def _reread(path: Path, name: str) -> tuple[object, dict]:
    """A data file's values and marks, read again to place a problem found in it."""
    from nkru.load.reader import read_yaml

    read = read_yaml(path, name)
    return read.data, read.marks


def _load_fresh(paths: dict[str, Path], digests: tuple[tuple[str, str], ...]) -> Dataset:
    # Only when the data has to be parsed: a run whose dataset is cached imports none of these.
    from nkru.load.crosscheck import cross_check, provenance_problems
    from nkru.load.reader import read_yaml
    from nkru.load.upgrade import legacy_problem
    from nkru.load.validation import validate
    from nkru.quotes import quote_findings

    reads = {key: read_yaml(path, display_name(path)) for key, path in paths.items()}
    legacy = [p for key, read in reads.items() if (p := legacy_problem(kind(key), read.name, read.data))]
    if legacy:
        raise DataError(legacy)
    models = {key: validate(read, DATA_FILES[kind(key)]) for key, read in reads.items()}
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
        dataset.unquoted = tuple(quote_findings(dataset))  # a function of the data alone: found once, cached with it
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


CACHE_ENTRIES = 32
CACHE_FORMAT = "json-1"


def _cache_key(paths: dict[str, Path], contents: list[str] | None) -> str | None:
    """Each data file's real path and digest, with nkru's own code and Python's version; the
    working directory plays no part. None when a file or module cannot be read."""
    if contents is None:
        return None
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version}\0{__version__}\0".encode())
    try:
        # Every module of the package, by size and modification time: an edit to any of them (an
        # editable install) makes a new key, without reading each file on every run.
        for module in sorted(PACKAGE.rglob("*.py")):
            info = module.stat()
            digest.update(f"{module.relative_to(PACKAGE)}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
        for path, file_digest in zip(paths.values(), contents):
            # realpath, not resolve: a symlink loop must not raise here. fsencode: any name is bytes.
            digest.update(b"\0" + os.fsencode(os.path.realpath(path)) + f"\0{file_digest}".encode())
    except (OSError, UnicodeEncodeError):
        return None
    return digest.hexdigest()


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
    for key in models:
        if kind(key) == "figures":
            index(key, models[key].figures, figures)
    index("context", models["context"].figures, figures)
    index("claims", models["claims"].claims, claims)
    from nkru.load.resolve import resolve

    names = {key: name for key, name, *_ in locator.files()}
    problems += [Problem(names.get(key, key), 1, 1, "left_out", "left_out belongs in figures.yaml, beside the figures of the articles it lists")
                 for key, file in models.items() if kind(key) in ("figures", "context") and key != "figures" and file.left_out]
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
        unquoted=(),
        left_out=tuple(models["figures"].left_out),
        clean_scenarios=frozenset(),
        files=files,
        digests=digests,
        locator=locator,
    )
    return dataset, problems + resolved.problems
