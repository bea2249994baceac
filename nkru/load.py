"""The one strict loader: YAML text -> validated model objects, with every problem located.

PyYAML's own constructors read `1e9` as a string, `no` as False and dates as `datetime.date`,
keep the last of duplicate keys and expand aliases. nkru builds values from the parser's events
instead, so all of that is decided here, once, and every value keeps its line and column.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import pickle
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple


from nkru import __version__
from nkru import model as model_module
from nkru.errors import DataError, Locator, Problem, UsageError, dotted, shown
from nkru.files import write_atomic
from nkru.model import (
    DATE_PATTERN,
    ID_PATTERN,
    URL_PATTERN,
    ASSUMPTION_UNITS,
    FORMULA_INPUTS,
    AssumptionsFile,
    ClaimInput,
    ClaimsFile,
    Dataset,
    FiguresFile,
    Override,
    ScenarioFile,
    Range,
    SourcesFile,
    assumption_problem,
    convertible,
    factor,
    plain,
)

# The data files, in the order they are read, with the schema of each.
DATA_FILES: dict[str, type] = {
    "sources": SourcesFile,
    "figures": FiguresFile,
    "context": FiguresFile,
    "claims": ClaimsFile,
    "assumptions": AssumptionsFile,
}
MAX_FILE_BYTES = 16 * 1024 * 1024


_NULL_WORDS = frozenset({"null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_NOT_FINITE = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")
_COMMA_NUMBER = re.compile(r"^[-+]?\$?[0-9][0-9,]*(\.[0-9]+)?$")

Path_ = tuple[str | int, ...]


def bundled_data_dir() -> Path:
    """The data nkru ships: inside the installed package, or the checkout's `data/`."""
    package = Path(__file__).resolve().parent
    installed = package / "data"
    return installed if installed.is_dir() else package.parent / "data"


def display_name(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass
class _Read:
    """A file's data as plain Python values, the line and column of each path, and problems."""

    name: str
    data: Any
    marks: dict[Path_, tuple[int, int]]
    problems: list[Problem]
    refused: frozenset[Path_] = frozenset()  # paths the builder already reported


class _Builder:
    """Turns parser events into dicts, lists and scalars, refusing what nkru does not accept."""

    def __init__(self, name: str, yaml: Any):
        self.yaml = yaml
        self.name = name
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.found: list[tuple[int, int, Path_, str]] = []
        self.refused: set[Path_] = set()

    def problem(self, mark: Any, path: Path_, message: str) -> None:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        self.found.append((line, col, path, message))
        self.refused.add(path)

    def problems(self, data: Any) -> list[Problem]:
        """The problems found, their paths named by item id now that the data is built."""
        return [Problem(self.name, line, col, dotted(path, data), message) for line, col, path, message in self.found]

    def node(self, events: Iterator[Any], event: Any, path: Path_) -> Any:
        if isinstance(event, self.yaml.AliasEvent):
            self.problem(event.start_mark, path, f"aliases (*{event.anchor}) are not allowed")
            return None
        if event.anchor is not None:
            self.problem(event.start_mark, path, f"anchors (&{event.anchor}) are not allowed")
        if event.tag is not None:
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(event.start_mark, path, f"tags such as {tag} are not allowed")
        if isinstance(event, self.yaml.ScalarEvent):
            return self.scalar(event, path)
        if isinstance(event, self.yaml.SequenceStartEvent):
            return self.sequence(events, path)
        return self.mapping(events, event, path)

    def sequence(self, events: Iterator[Any], path: Path_) -> list[Any]:
        items: list[Any] = []
        for event in events:
            if isinstance(event, self.yaml.SequenceEndEvent):
                return items
            item_path = path + (len(items),)
            self.marks[item_path] = (event.start_mark.line + 1, event.start_mark.column + 1)
            items.append(self.node(events, event, item_path))
        return items

    def mapping(self, events: Iterator[Any], start: Any, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_event in events:
            if isinstance(key_event, self.yaml.MappingEndEvent):
                return result
            key = self.node(events, key_event, path)
            value_event = next(events)
            if not isinstance(key, str) or (key == "<<" and not key_event.style):
                what = "merge keys (<<)" if key == "<<" else "keys that are not plain text"
                self.problem(key_event.start_mark, path, f"{what} are not allowed")
                self.node(events, value_event, path)
                continue
            child = path + (key,)
            if key in result:
                first = self.marks[child][0]
                self.problem(key_event.start_mark, child, f"duplicate key (first given on line {first})")
                self.node(events, value_event, child)
                continue
            self.marks[child] = (key_event.start_mark.line + 1, key_event.start_mark.column + 1)
            result[key] = self.node(events, value_event, child)
        return result

    def scalar(self, event: Any, path: Path_) -> Any:
        text = event.value
        if event.style:  # quoted or block text is always a string (plain is None, or '' from libyaml)
            return text
        first = text[:1]
        if first.isalpha() or first == "_":  # most scalars (keys, words): decide without a regex
            if text in _BOOL:
                return _BOOL[text]
            return None if text in _NULL_WORDS else text
        if not text or text == "~":
            return None
        if _INT.match(text):
            return int(text.replace("_", ""))
        if _FLOAT.match(text) and any(c.isdigit() for c in text):
            number = float(text.replace("_", ""))
            if math.isfinite(number):
                return number
        if _NOT_FINITE.match(text) or _FLOAT.match(text):
            self.problem(event.start_mark, path, f"{text} is not a finite number; NaN and infinity are not allowed")
            return None
        return text


def read_yaml(path: Path, name: str) -> _Read:
    """Parse one YAML file strictly; syntax problems end the read, others are all collected."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _Read(name, None, {}, [Problem(name, 1, 1, "", f"file is {size:,} bytes; nkru reads data files of at most {MAX_FILE_BYTES:,}")])
        raw = path.read_bytes()
    except IsADirectoryError:
        return _Read(name, None, {}, [Problem(name, 1, 1, "", "is a directory, not a YAML file")])
    except OSError as error:
        return _Read(name, None, {}, [Problem(name, 1, 1, "", f"cannot be read: {error.strerror or error}")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        col = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return _Read(name, None, {}, [Problem(name, line, col, "", f"is not UTF-8 text (byte 0x{raw[error.start]:02x})")])
    import yaml  # only when a file has to be parsed

    builder = _Builder(name, yaml)
    data: Any = None
    try:
        events = iter(yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    builder.problem(event.start_mark, (), "holds more than one YAML document")
                    break
                data = builder.node(events, next(events), ())
    except yaml.MarkedYAMLError as error:
        return _Read(name, None, builder.marks, [_syntax_problem(name, text, error)])
    except yaml.YAMLError as error:
        return _Read(name, None, builder.marks, [Problem(name, 1, 1, "", f"YAML syntax: {error}")])
    problems = builder.problems(data)
    if data is None and not problems:
        problems.append(Problem(name, 1, 1, "", "is empty; it must hold a mapping (see the comment at the top of the shipped file)"))
    return _Read(name, data, builder.marks, problems, frozenset(builder.refused))


def _syntax_problem(name: str, text: str, error: Any) -> Problem:
    """A parser error as one line: where it was noticed, and where the construct began."""
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    if mark and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
        return Problem(name, line, col, "", "YAML syntax: a tab character; YAML indents with spaces only")
    message = str(error.problem or "cannot be parsed")
    start = error.context_mark
    if error.context and start and (start.line, start.column) != (mark.line, mark.column):
        message += f" ({error.context} that began at line {start.line + 1}, column {start.column + 1})"
    elif error.context:
        message += f" ({error.context})"
    return Problem(name, line, col, "", f"YAML syntax: {message}")


def _locate(read: _Read, loc: tuple[Any, ...]) -> tuple[Path_, tuple[int, int]]:
    """Map a pydantic error location onto the data: skip union member names, find the line."""
    path: Path_ = ()
    node = read.data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part[:1].islower():
            path += (part,)  # a missing or unknown key: name it, locate it at its mapping
            break
        else:
            continue
        path += (part,)
    for length in range(len(path), -1, -1):
        if path[:length] in read.marks:
            return path, read.marks[path[:length]]
    return path, (1, 1)


def _message(error: dict[str, Any]) -> str:
    kind, value = error["type"], error.get("input")
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return "unknown key"
    if kind == "string_pattern_mismatch":
        return _PATTERN_HELP.get(error.get("ctx", {}).get("pattern"), message_of(error))
    if kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type", "dataclass_exact_type"):
        return f"expected a mapping of keys to values, found {_kind_of(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, found {_kind_of(value)}"
    if kind == "greater_than_equal" and error.get("ctx", {}).get("ge") == 0:
        return "cannot be negative"
    if kind in ("missing", "missing_argument"):
        return "missing"
    if kind in ("float_type", "int_type") and isinstance(value, bool):
        return f"{str(value).lower()} is a boolean, not a number"
    if kind in ("float_type", "int_type") and isinstance(value, str) and _COMMA_NUMBER.match(value):
        return f"write numbers without commas or currency signs (11_000, 1.3e9), not '{value}'"
    if kind in ("float_type", "int_type") and isinstance(value, str):
        return f"'{value}' is not a number"
    message = message_of(error)
    if kind == "literal_error":
        return f"'{value}' is not one of: {message.removeprefix('input should be ')}"
    return message


def message_of(error: dict[str, Any]) -> str:
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else f"'{value}'"


def _under(path: Path_, refused: frozenset[Path_]) -> bool:
    """Whether a path is at, above or below one the builder already reported."""
    return any(path[: len(r)] == r or r[: len(path)] == path for r in refused)


_PATTERN_HELP = {
    ID_PATTERN: "an id is lowercase letters, digits, '-' and '_', starting with a letter or digit",
    DATE_PATTERN: "write a date as quoted text: \"YYYY-MM-DD\", \"YYYY-MM\", \"YYYY\" or \"unstated\"",
    URL_PATTERN: "a URL starts with http:// or https:// and has no spaces",
}


@functools.cache
def _adapter(schema: type) -> Any:
    from pydantic import TypeAdapter  # only when data has to be validated

    return TypeAdapter(schema)


def validate(read: _Read, schema: type) -> Any:
    """Validate a file's data against its schema; add one located problem per error."""
    from pydantic import ValidationError

    if read.data is None:
        return None
    try:
        return _adapter(schema).validate_python(read.data)
    except ValidationError as error:
        seen: set[tuple[Path_, str]] = set()
        errors = error.errors()
        for item in errors:
            # A `figure id | {mapping}` union reports both members; keep the mapping's errors.
            if item["type"] == "string_type" and isinstance(item.get("input"), dict):
                continue
            path, (line, col) = _locate(read, item["loc"])
            message = _message(item)
            if (path, message) in seen or _under(path, read.refused):
                continue
            seen.add((path, message))
            read.problems.append(Problem(read.name, line, col, dotted(path, read.data), message))
        return None


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
    for module in (Path(__file__), Path(model_module.__file__)):
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
    except OSError:
        pass  # a read-only or full cache directory costs speed, never the result


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
    for name, spec in claim.inputs.items():
        where = ("inputs", name)
        if name not in params:
            problems.append(at("claims", claim.id, where, f"{claim.formula} takes no input '{name}' (it takes {', '.join(params)})"))
            continue
        spec = spec if isinstance(spec, ClaimInput) else ClaimInput(figure=spec)
        unit, basis = params[name]
        if spec.figure is None:
            if not convertible(spec.unit, unit):
                problems.append(at("claims", claim.id, where, f"{name} is in {unit}, not {spec.unit}"))
            continue
        figure = ds.figures.get(spec.figure)
        if figure is None:
            problems.append(at("claims", claim.id, where, f"unknown figure '{spec.figure}'"))
        elif not convertible(figure.unit, unit):
            problems.append(at("claims", claim.id, where, f"figure {figure.id} is in {figure.unit}; {name} is in {unit}"))
        elif basis is not None and figure.basis != basis:
            problems.append(at("claims", claim.id, where, f"figure {figure.id} is {figure.basis}; {name} must be {basis}"))
    if isinstance(claim.stated, str) and claim.stated not in ds.figures:
        problems.append(at("claims", claim.id, ("stated",), f"unknown figure '{claim.stated}'"))
    problems += [at("claims", claim.id, ("solve_for",), f"'{name}' is not an input of this claim") for name in claim.solve_for if name not in claim.inputs]
    return problems


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
    """`troops=12000` or `troops=10000..12000` -> Override; UsageError naming the option."""
    text = shown(text)
    option = f"--set {text}"
    name, equals, spec = text.partition("=")
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
    return Override(name, value, f"--set {name}={spec.strip()}")


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
    return Override(name, value, f"scenario {scenario}", figures, setting.note)


def load_scenarios(specs: list[str], data_dir: Path | None, ds: Dataset) -> list[Scenario]:
    return [load_scenario(scenario_path(spec, data_dir), ds) for spec in specs]
