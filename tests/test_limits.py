"""The reader's documented limits: nesting, values and problems per file. Anything past them is
one located problem, reached in time linear in the file, never a crash (exit 70) or a hang."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from nkru.load import read_yaml, validate
from nkru.load.dataset import DATA_FILES
from nkru.load.reader import MAX_DEPTH, MAX_FILE_BYTES, MAX_PROBLEMS, MAX_VALUES

from .conftest import run

SECONDS = 5.0  # the most any file under the size cap may take to be answered

DEEP = f"is nested more than {MAX_DEPTH} levels deep; nkru reads at most {MAX_DEPTH}"
TOO_MANY = f"holds more than {MAX_VALUES:,} values; nkru reads at most {MAX_VALUES:,} in one file"
COMPLEX_KEY = "keys that are not plain text are not allowed"


def block_mapping(n: int) -> str:
    """`a:` inside `a:` n times, one space deeper each time (deep keys, block style)."""
    return "".join(" " * i + "a:\n" for i in range(n - 1)) + " " * (n - 1) + "a: 1\n"


# case -> (the figures.yaml text, what the first line nkru check prints must say)
CASES = {
    "block mapping 500": (lambda: block_mapping(500), DEEP),
    "block mapping 5000": (lambda: block_mapping(5000), DEEP),
    "block list 500": (lambda: "figures:\n" + "- " * 500 + "x\n", DEEP),
    "block list 5000": (lambda: "figures:\n" + "- " * 5000 + "x\n", DEEP),
    "flow list 500": (lambda: "figures: " + "[" * 500 + "]" * 500 + "\n", DEEP),
    "flow list 5000": (lambda: "figures: " + "[" * 5000 + "]" * 5000 + "\n", DEEP),
    "flow mapping 500": (lambda: "figures: " + "{a: " * 500 + "1" + "}" * 500 + "\n", DEEP),
    "flow mapping 5000": (lambda: "figures: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", DEEP),
    "flow key 500": (lambda: "figures:\n  " + "[" * 500 + "]" * 500 + ": 1\n", COMPLEX_KEY),
    "flow key 5000": (lambda: "figures:\n  " + "[" * 5000 + "]" * 5000 + ": 1\n", DEEP),  # libyaml meets its own limit (1,000) first
    "block key 500": (lambda: "figures:\n  ? " + "- " * 500 + "x\n  : 1\n", COMPLEX_KEY),
    "block key 5000": (lambda: "figures:\n  ? " + "- " * 5000 + "x\n  : 1\n", DEEP),  # libyaml meets its own limit (1,000) first
    "list of 1M": (lambda: "figures:\n" + "- 1\n" * 1_000_000, TOO_MANY),
    "flow list of 7M": (lambda: "figures: [" + "1," * 6_999_999 + "1]\n", TOO_MANY),
    "20k .nan": (lambda: "figures:\n" + "- .nan\n" * 20_000, ".nan is not a finite number; NaN and infinity are not allowed"),
    "100k .nan": (lambda: "figures:\n" + "- .nan\n" * 100_000, ".nan is not a finite number; NaN and infinity are not allowed"),
    "20k aliases": (lambda: "base: &a 1\nfigures:\n" + "- *a\n" * 20_000, "base: anchors (&a) are not allowed"),
    "100k aliases": (lambda: "base: &a 1\nfigures:\n" + "- *a\n" * 100_000, "base: anchors (&a) are not allowed"),
    "20k tags": (lambda: "figures:\n" + "- !!int 1\n" * 20_000, "tags such as !!int are not allowed"),
    "100k tags": (lambda: "figures:\n" + "- !!int 1\n" * 100_000, "tags such as !!int are not allowed"),
}


def _timed_check(folder: Path, *args: str) -> tuple[object, float]:
    start = time.perf_counter()
    result = run(*args, "--data", str(folder))
    return result, time.perf_counter() - start


@pytest.mark.parametrize("case", list(CASES))
def test_past_a_limit_check_answers_located_in_seconds(case: str, tmp_path: Path, monkeypatch):
    make, expected = CASES[case]
    text = make()
    assert len(text.encode()) <= MAX_FILE_BYTES
    (tmp_path / "figures.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    result, seconds = _timed_check(tmp_path, "check")
    assert result.exit_code == 1, result.output
    first = result.stdout.splitlines()[0]
    assert re.match(r"figures\.yaml:\d+:\d+: ", first) and expected in first
    assert len(result.stdout.splitlines()) <= MAX_PROBLEMS + 2  # the problems, the count of the rest, the summary
    assert seconds < SECONDS


@pytest.mark.parametrize("case", ["block list 5000", "list of 1M", "100k aliases"])
def test_past_a_limit_other_commands_exit_2(case: str, tmp_path: Path, monkeypatch):
    (tmp_path / "figures.yaml").write_text(CASES[case][0]())
    monkeypatch.chdir(tmp_path)
    result, seconds = _timed_check(tmp_path, "deal-value")
    assert result.exit_code == 2 and result.stdout == ""
    assert re.match(r"Error: figures\.yaml:\d+:\d+: ", result.stderr)
    assert seconds < SECONDS


def _read(tmp_path: Path, text: str):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    return read_yaml(path, "x.yaml")


def test_nesting_up_to_the_limit_is_read(tmp_path: Path):
    read = _read(tmp_path, "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH + "\n")
    assert read.problems == []
    node = read.data
    for _ in range(MAX_DEPTH - 1):
        (node,) = node
    assert node == [1]


def test_one_level_more_is_one_located_problem_and_the_rest_is_read(tmp_path: Path):
    deep = "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\nb: [*x]\n"
    read = _read(tmp_path, deep)
    assert [str(p) for p in read.problems] == [
        f"x.yaml:1:{MAX_DEPTH + 3}: a{'[0]' * (MAX_DEPTH - 1)}: {DEEP}",
        "x.yaml:2:5: b[0]: aliases (*x) are not allowed",
    ]


def test_a_deep_scenario_is_located_too(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    (data_copy / "scenarios" / "deep.yaml").write_text("set: " + "{a: " * 600 + "1" + "}" * 600 + "\n")
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1
    assert any(line.startswith("scenarios/deep.yaml:1:") and DEEP in line for line in result.stdout.splitlines())
    result = run("deal-value", "--data", str(data_copy), "--scenario", "scenarios/deep.yaml")
    assert result.exit_code == 2 and DEEP in result.stderr


def test_values_up_to_the_limit_are_read(tmp_path: Path):
    read = _read(tmp_path, "[" + "1," * (MAX_VALUES - 2) + "1]\n")  # the list and its items
    assert read.problems == [] and len(read.data) == MAX_VALUES - 1


def test_one_value_more_stops_the_read(tmp_path: Path):
    read = _read(tmp_path, "[" + "1," * (MAX_VALUES - 1) + "1]\n")
    assert read.data is None
    assert [str(p) for p in read.problems] == [f"x.yaml:1:{2 * MAX_VALUES}: {TOO_MANY}"]


def test_problems_past_the_limit_are_counted(tmp_path: Path):
    read = _read(tmp_path, "".join(f"k{i}: *a\n" for i in range(MAX_PROBLEMS + 50)))
    lines = [str(p) for p in read.problems]
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[0] == "x.yaml:1:5: k0: aliases (*a) are not allowed"
    assert lines[-1] == f"x.yaml:{MAX_PROBLEMS + 1}:7: ... and 50 more problems; nkru lists the first {MAX_PROBLEMS} of a file"
    assert validate(read, DATA_FILES["figures"]) is None and len(read.problems) == MAX_PROBLEMS + 1


def test_validation_problems_past_the_limit_are_counted(tmp_path: Path):
    read = _read(tmp_path, "figures:\n" + "- 1\n" * 30_000)
    start = time.perf_counter()
    assert validate(read, DATA_FILES["figures"]) is None
    assert time.perf_counter() - start < SECONDS
    lines = [str(p) for p in read.problems]
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[0] == "x.yaml:2:3: figures[0]: expected a mapping of keys to values, found '1'"
    assert lines[-1] == f"x.yaml:{MAX_PROBLEMS + 2}:3: ... and 29,900 more problems; nkru lists the first {MAX_PROBLEMS} of a file"


def test_refused_values_are_not_reported_again_by_validation(tmp_path: Path):
    read = _read(tmp_path, "figures:\n" + "- .nan\n" * 30 + "- 1\n")
    validate(read, DATA_FILES["figures"])
    lines = [str(p) for p in read.problems]
    assert len(lines) == 31 and lines[-1] == "x.yaml:32:3: figures[30]: expected a mapping of keys to values, found '1'"
