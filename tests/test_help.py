"""Help that stays true at 80 columns: metavars in words, examples whole on one line, -h as
--help everywhere, and a top-level help that works for a pip-installed copy."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from nkru.cli import app
from nkru.cli.app import COMMANDS

from .conftest import ROOT

NARROW = {"COLUMNS": "80", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb", "NKRU_DEBUG": ""}
# What Typer shows when a parameter has no metavar in words: a Python type, a braced argument.
NOISE = re.compile(r"<[^>]*>|\{[A-Z_.=]+\}|\[default: None\]|\b(?:TEXT|INTEGER|PATH|FLOAT|BOOLEAN)\b")


def _help(*args: str) -> str:
    result = CliRunner(env=NARROW).invoke(app, [*args, "--help"])
    assert (result.exit_code, result.stderr) == (0, "")
    return result.stdout


def _examples(command: str) -> list[str]:
    """The example command lines of a command's docstring (the `nkru …` lines after Example:)."""
    doc = COMMANDS[command].__doc__ or ""
    block = doc.split("Example:", 1)[1]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("nkru ")]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_names_every_value_in_words(command: str):
    text = _help(command)
    assert NOISE.findall(text) == []
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_example_is_whole_on_one_line_at_80_columns(command: str):
    examples = _examples(command)
    assert examples, f"{command} --help has no example"
    lines = [line.strip() for line in _help(command).splitlines()]
    assert [example for example in examples if example not in lines] == []


@pytest.mark.parametrize("command", ["", *sorted(COMMANDS)])
def test_h_is_help(command: str):
    words = [command] if command else []
    short = CliRunner(env=NARROW).invoke(app, [*words, "-h"])
    assert (short.exit_code, short.stdout) == (0, _help(*words))


def test_the_top_level_help_has_examples_and_no_data_folder():
    text = _help()
    assert NOISE.findall(text) == []
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.startswith("nkru deal-value ") for line in lines)
    assert any(line.startswith("nkru explain QUANTITY ") for line in lines)
    assert any(line.startswith("nkru init ") for line in lines)
    assert "data/" not in text  # a pip-installed copy has none in the working directory
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_installed_entry_point_shows_arguments_in_words():
    """`nkru calc -h` builds the command alone (see app.main): the same help."""
    result = subprocess.run([sys.executable, "-m", "nkru", "calc", "-h"], cwd=ROOT, capture_output=True, text=True, env={**NARROW, "PATH": ""}, check=False)
    assert result.returncode == 0 and result.stdout.startswith("Usage: nkru calc [OPTIONS] [QUANTITY...]\n")
    assert "QUANTITY...  Quantity ids" in result.stdout and NOISE.findall(result.stdout) == []
