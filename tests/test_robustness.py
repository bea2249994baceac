"""Bad input never crashes, nothing is half-written, start-up stays lean, the cache is safe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nkru import load
from nkru.errors import DataError, UsageError
from nkru.files import write_atomic
from nkru.load import DATA_FILES, MAX_FILE_BYTES, load_dataset, parse_overrides, read_yaml, validate

from .conftest import edit, run

FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_and_validate(text: bytes) -> None:
    """Every schema over one file's bytes: problems are collected, nothing is raised."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.yaml"
        path.write_bytes(text)
        read = read_yaml(path, "x.yaml")
        for schema in DATA_FILES.values():
            validate(read, schema)
        assert all(p.file == "x.yaml" and p.line >= 1 and p.col >= 1 for p in read.problems)
        assert all("\n" not in str(p) for p in read.problems), "a problem must print as one line"


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_loader_with_bytes(data: bytes):
    _parse_and_validate(data)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`,?\n\t 0123.eE_+~\\u00e9")), max_size=200))
def test_fuzz_loader_with_yaml_punctuation(text: str):
    _parse_and_validate(text.encode("utf-8"))


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
keys = st.sampled_from(["figures", "sources", "claims", "assumptions", "id", "value", "low", "high", "unit", "quote", "troops", "x"])
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=25)


@FUZZ
@given(documents)
def test_fuzz_loader_with_structured_yaml(document):
    _parse_and_validate(yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


SHIPPED = load_dataset()


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=3))
def test_fuzz_set_parser(texts: list[str]):
    try:
        overrides = parse_overrides(texts, SHIPPED)
    except UsageError as error:
        assert all(line.startswith("--set ") for line in error.lines())
    else:
        assert all(o.range.low <= o.range.high for o in overrides)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_fuzz_whole_load_ends_in_a_dataset_or_a_data_error(text: str):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "claims.yaml").write_text(text, encoding="utf-8")
        try:
            load_dataset(Path(folder))
        except DataError:
            pass


def test_huge_file_is_refused_without_reading_it(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open(tmp_path / "figures.yaml", "wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)
    result = run("deal-value", "--data", str(tmp_path))
    assert (result.exit_code, result.stderr) == (2, "Error: figures.yaml:1:1: is 16,777,217 bytes; nkru reads at most 16,777,216\n")


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "claims.yaml").write_text("claims: []\n")
    import nkru.files

    real = os.open

    def denied(path: object, *args: object) -> int:
        if str(path).endswith("claims.yaml"):
            raise PermissionError(13, "Permission denied")
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(nkru.files.os, "open", denied)
    result = run("check", "--data", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "claims.yaml:1:1: cannot be read (Permission denied)"


@pytest.mark.parametrize("kind", ["fifo", "device", "loop"])
def test_a_data_or_scenario_file_that_is_no_regular_file_is_refused_at_once(data_copy: Path, monkeypatch, kind: str):
    """A FIFO would block for ever, /dev/zero would fill the memory, a symlink loop crashed."""
    monkeypatch.chdir(data_copy)
    target = data_copy / "scenarios" / "odd.yaml"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        target.symlink_to("/dev/zero")
    else:
        target.symlink_to(target)
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1
    reason = {"fifo": "is not a regular file (a device, pipe or socket)", "device": "is not a regular file (a device, pipe or socket)",
              "loop": "cannot be read (Too many levels of symbolic links)"}[kind]
    assert f"scenarios/odd.yaml:1:1: {reason}" in result.stdout.splitlines()


def test_a_data_file_that_is_a_directory(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "figures.yaml").mkdir()
    result = run("deal-value", "--data", str(tmp_path))
    assert (result.exit_code, result.stderr) == (2, "Error: figures.yaml:1:1: is a directory, not a YAML file\n")


def test_importing_the_cli_loads_nothing_heavy():
    code = "import sys, nkru.cli; print(sorted(m for m in ('numpy', 'pydantic', 'yaml', 'rich', 'nkru.load') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_warm_run_does_not_validate_again(tmp_path: Path):
    env = os.environ | {"NKRU_CACHE_DIR": str(tmp_path)}
    code = "import sys; from nkru.load import load_dataset; load_dataset(); print('pydantic' in sys.modules, 'yaml' in sys.modules)"
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert (first.strip(), second.strip()) == ("True True", "False False")


def test_editing_data_invalidates_the_cache(data_copy: Path):
    assert load_dataset(data_copy).inputs["troops"].value == 11_000
    edit(data_copy / "assumptions.yaml", "value: 11_000", "value: 12_000")
    assert load_dataset(data_copy).inputs["troops"].value == 12_000


def test_a_damaged_cache_file_is_only_a_miss(data_copy: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NKRU_CACHE_DIR", str(tmp_path / "cache"))
    load_dataset(data_copy)
    (cached,) = (tmp_path / "cache").glob("nkru-*.json")
    cached.write_bytes(b"not an entry")
    assert load_dataset(data_copy).inputs["troops"].value == 11_000


def test_an_unwritable_cache_costs_speed_not_the_result(data_copy: Path, tmp_path: Path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NKRU_CACHE_DIR", str(blocker / "cache"))
    assert load_dataset(data_copy).inputs["troops"].value == 11_000


def test_an_interrupted_write_leaves_the_old_file_and_no_partial_one(tmp_path: Path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("the user's file")

    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new contents")
    assert target.read_text() == "the user's file"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_debug_shows_the_traceback(monkeypatch):
    from nkru import compute

    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(compute, "command", broken)
    result = run("--debug", "deal-value")
    assert isinstance(result.exception, RuntimeError)


def test_nkru_errors_never_escape_as_tracebacks():
    """In a real process (the in-process runner would catch a traceback before anyone saw it):
    every bad --set gets its own Error: line on stderr, and nothing else is printed."""
    done = subprocess.run([sys.executable, "-m", "nkru", "deal-value", "--set", "troops=1..2..3", "--set", "=5"],
                          capture_output=True, text=True, env={**os.environ, "NKRU_NO_CACHE": "1", "NKRU_DEBUG": ""})
    assert (done.returncode, done.stdout) == (2, "")
    assert [line.split(":")[0:2] for line in done.stderr.splitlines()] == [["Error", " --set troops=1..2..3"], ["Error", " --set =5"]]
    assert load.MAX_FILE_BYTES == MAX_FILE_BYTES


def test_the_cache_keeps_only_recent_entries(data_copy: Path, tmp_path: Path, monkeypatch):
    folder = tmp_path / "cache"
    folder.mkdir()
    for n in range(40):
        stale = folder / f"nkru-{n:064x}.json"
        stale.write_bytes(b"old")
        os.utime(stale, (1_000_000 + n, 1_000_000 + n))
    monkeypatch.setenv("NKRU_CACHE_DIR", str(folder))
    load_dataset(data_copy)
    remaining = sorted(p.name for p in folder.glob("nkru-*.json"))
    assert len(remaining) == load.dataset.CACHE_ENTRIES
    assert f"nkru-{0:064x}.json" not in remaining  # the oldest went first


def test_a_mapping_where_text_is_expected_is_a_located_problem(data_copy: Path, monkeypatch):
    """It crashed with AttributeError: the validator dropped the error."""
    monkeypatch.chdir(data_copy)
    edit(data_copy / "assumptions.yaml", "figures: [service_period_lowy]", "figures: [service_period_lowy: x]")
    edit(data_copy / "sources.yaml", "title: The message North Korea sends by rotating its troops in Russia", "title: {a: b}")
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1
    lines = [re.sub(r":\d+:\d+:", ":", line) for line in result.stdout.splitlines()]
    assert "sources.yaml: sources[lowy].title: expected text, found a mapping" in lines
    assert "assumptions.yaml: assumptions.months.figures[0]: expected text, found a mapping" in lines


def test_an_unknown_quantity_suggests_the_one_it_starts():
    assert run("figures", "--quantity", "troops").stderr == "Error: --quantity troops: unknown quantity (did you mean troops_deployed?)\n"


def test_a_warm_check_validates_no_scenario_again_but_an_edited_one(data_copy: Path, tmp_path: Path):
    env = os.environ | {"NKRU_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import sys; from pathlib import Path; from nkru.audit import check_data; "
            f"ds, report, _ = check_data(Path({str(data_copy)!r}), None); print(len(report.findings), 'pydantic' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout for _ in range(2)]
    assert runs == ["0 True\n", "0 False\n"]
    edit(data_copy / "scenarios" / "nis.yaml", "figure: pay_nis_monthly", "figure: pay_nis_monthlyy")
    edited = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert edited == "1 True\n"


def test_a_control_character_is_placed_from_the_text_whichever_parser_read_it():
    from nkru.load.reader import _character_problem

    class PurePythonError:  # PyYAML's own reader counts characters, libyaml counts bytes: neither is used
        position, character = 99, 7

    problem = _character_problem("x.yaml", "é: 1\né: 2\nab: \x07\n", PurePythonError())
    assert (problem.line, problem.col) == (3, 5) and "U+0007" in problem.message


def test_a_failed_load_leaves_the_collector_alone(data_copy: Path):
    import gc

    edit(data_copy / "figures.yaml", "  - id: losses_lowy", "  - id: troops_lowy")
    before = gc.get_freeze_count()
    with pytest.raises(DataError):
        load_dataset(data_copy)
    assert gc.get_freeze_count() <= before  # a freeze would add every object alive; frozen ones may have been freed since


def test_only_context_figures_matching_both_filters_earn_the_context_hint():
    assert run("figures", "--source", "fnf").stderr == "Error: only context figures match; add --context to list them\n"
    assert run("figures", "--source", "fnf", "--quantity", "casualty_rate").stderr == "Error: no figure matches both --source and --quantity\n"
