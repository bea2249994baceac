"""The README's sessions are the real commands' output: each ```text block that starts with
`$ nkru ...` is run (at 100 columns, no colour) and must print what the block shows. A line `…`
alone stands for any lines. Blocks run in order in one scratch folder, so `nkru init mywork`
and the YAML a block after `<!-- into FILE before "TEXT" -->` inserts carry over.

NKRU_UPDATE_README=1 rewrites the blocks with what the commands print now; read the diff."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru.cli import app

from .conftest import ROOT

README = ROOT / "README.md"
WIDTH = {"COLUMNS": "100", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb", "NKRU_DEBUG": ""}
BLOCK = re.compile(r"(<!-- into (?P<file>\S+) before \"(?P<before>[^\"]+)\" -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)


def _sessions(text: str) -> list[re.Match[str]]:
    return list(BLOCK.finditer(text))


def _run(command: str) -> str:
    args = shlex.split(command.removeprefix("$ "))[1:]
    result = CliRunner(env=WIDTH).invoke(app, args)
    # Rich pads lines to the width; the README keeps them as a reader copies them, unpadded.
    return "".join(line.rstrip() + "\n" for line in (result.stdout + result.stderr).rstrip().splitlines())


def _matches(expected: str, actual: str) -> bool:
    """Whether the output matches the block, `…` lines standing for any lines."""
    parts = [re.escape(part) for part in re.split(r"^…\n", expected, flags=re.M)]
    return re.fullmatch("(?:.*\n)*?".join(parts), actual, flags=re.S) is not None


def _elided(shown: str, actual: str) -> str:
    """The new output, elided where the block elides: as many lines before and after `…`."""
    if "\n…\n" not in f"\n{shown}":
        return actual
    before, _, after = f"\n{shown}".partition("\n…\n")
    head, tail = before.count("\n"), after.count("\n")
    lines = actual.splitlines(keepends=True)
    return "".join(lines[:head]) + "…\n" + ("".join(lines[-tail:]) if tail else "")


def _play(text: str, folder: Path) -> list[tuple[re.Match[str], str, str]]:
    """Every session block with what it shows and what the command prints now, in order."""
    out = []
    for block in _sessions(text):
        body = block["body"]
        if block["file"]:
            target = folder / block["file"]
            old = target.read_text(encoding="utf-8")
            assert block["before"] in old, f"README inserts before {block['before']!r}, which {block['file']} lacks"
            target.write_text(old.replace(block["before"], body + block["before"], 1), encoding="utf-8")
        elif block["lang"] == "text" and body.startswith("$ nkru "):
            command = body.partition("\n")[0]
            out.append((block, command, _run(command)))
    return out


def test_the_readme_shows_what_the_commands_print(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NKRU_CACHE_DIR", str(tmp_path / "cache"))
    text = README.read_text(encoding="utf-8")
    played = _play(text, tmp_path)
    assert played, "the README shows no session"
    if os.environ.get("NKRU_UPDATE_README"):
        for block, command, actual in reversed(played):
            start, end = block.span("body")
            text = text[:start] + f"{command}\n{_elided(block['body'].partition(chr(10))[2], actual)}" + text[end:]
        README.write_text(text, encoding="utf-8")
        pytest.skip("README sessions rewritten; read the diff")
    wrong = [command for block, command, actual in played if not _matches(block["body"].partition("\n")[2], actual)]
    assert wrong == [], "these README sessions no longer show what the command prints (NKRU_UPDATE_README=1 rewrites them)"


def test_the_quick_start_is_two_commands():
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick, re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert commands[0].endswith("nkru deal-value") and "pytest" in commands[1]
    assert "ruff check" in commands[1] and "mypy" in commands[1]
    assert all("compileall -q nkru" in c for c in commands), "an editable install gets no bytecode: compile it at install"


# ---------------------------------------------------------------------------- what the README states


def _prose(text: str) -> str:
    """The README with its lines joined, so a phrase wrapped over two lines is found."""
    return " ".join(text.split())


def test_every_text_block_is_a_session_that_is_run():
    text = README.read_text(encoding="utf-8")
    blocks = [block for block in _sessions(text) if block["lang"] == "text"]
    assert blocks and [block["body"].partition("\n")[0] for block in blocks if not block["body"].startswith("$ nkru ")] == []


def test_the_json_contract_names_only_keys_the_json_has():
    import json

    text = README.read_text(encoding="utf-8")
    (shown,) = [block["body"] for block in _sessions(text) if block["lang"] == "json"]
    real = json.loads(CliRunner(env=WIDTH).invoke(app, ["deal-value", "--format", "json"]).stdout)

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        return {k for v in value for k in keys(v)} if isinstance(value, list) else set()

    named = set(re.findall(r'"([a-z_]+)":', shown)) - set(real["assumptions"])
    assert named - keys(real) == set()


def _shipped_values() -> list[tuple[str, int, int]]:
    """(file, values, deepest nesting) of each shipped YAML file, counted as the reader counts:
    every scalar, key, list and mapping is a value; the top mapping is the first level."""
    import yaml

    from nkru.load import bundled_data_dir

    out = []
    for path in sorted(bundled_data_dir().rglob("*.yaml")):
        values = depth = deepest = 0
        for event in yaml.parse(path.read_text(encoding="utf-8")):
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                values += 1
                if not isinstance(event, yaml.ScalarEvent):
                    depth += 1
                    deepest = max(deepest, depth)
        out.append((path.name, values, deepest))
    return out


def test_the_counts_the_readme_states_are_the_shipped_datas():
    from nkru.load import DATA_FILES, bundled_data_dir, load_dataset

    text = _prose(README.read_text(encoding="utf-8"))
    measured = _shipped_values()
    assert f"the shipped files use at most {max(d for _, _, d in measured)})" in text
    assert f"the largest shipped file has {max(v for _, v, _ in measured):,})" in text, f"the README's limits table: {measured}"
    ds = load_dataset(None)
    words = {2: "two", 3: "three", 4: "four", 5: "five"}
    assert f"the {words[sum(s.kind == 'article' for s in ds.sources.values())]} audited articles" in text
    scenarios = sorted(path.stem for path in (bundled_data_dir() / "scenarios").glob("*.yaml"))
    listed = re.search(r"`nkru scenarios` lists them: (.*?)\. Apply", text)
    assert listed and sorted(re.findall(r"`([a-z0-9-]+)`", listed[1])) == scenarios
    assert [name for name in DATA_FILES if f"`data/{name}.yaml`" not in text] == []


def test_the_layout_paragraph_matches_the_code():
    text = _prose(README.read_text(encoding="utf-8"))
    layout = text.split("Layout — ", 1)[1].split(" Dependencies:", 1)[0]
    package = ROOT / "nkru"
    packages = sorted(p.name for p in package.iterdir() if (p / "__init__.py").exists())
    assert [name for name in packages if f"`{name}/`" not in layout and f"`nkru/{name}/`" not in layout] == []
    modules = sorted(p.name for p in package.glob("*.py") if not p.name.startswith("__"))
    assert [name for name in modules if f"`{name}`" not in layout] == []
    named = set(re.findall(r"`([a-z_]+\.py)`", layout))
    everywhere = {p.name for p in package.rglob("*.py")}
    assert sorted(named - everywhere) == []
