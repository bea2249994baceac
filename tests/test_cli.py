"""The command line: exit codes, stdout/stderr, the JSON contract, help, golden tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nkru import __version__, compute
from nkru.cli import app

from .conftest import TERMINAL, edit, run

GOLDEN = Path(__file__).parent / "golden"
COMMANDS = ["deal-value", "casualties", "calc", "compare", "explain", "sensitivity", "solve", "figures", "sources", "scenarios", "check", "init", "report"]


@pytest.mark.parametrize("command", ["deal-value", "casualties"])
def test_golden_table(command: str):
    """The whole table at 120 columns, no colour. NKRU_UPDATE_GOLDEN=1 rewrites it after a deliberate change."""
    result = run(command)
    assert result.exit_code == 0, result.stderr
    golden = GOLDEN / f"{command}.txt"
    if os.environ.get("NKRU_UPDATE_GOLDEN"):
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_deal_value_json_contract():
    result = run("deal-value", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    out = json.loads(result.stdout)
    assert out["command"] == "deal-value"
    assert set(out["assumptions"]) == {"troops", "monthly_pay_usd", "months", "bonus_usd"}
    troops = out["assumptions"]["troops"]
    assert {k: troops[k] for k in ("value", "low", "high", "unit")} == {"value": 11000, "low": 11000, "high": 12000, "unit": "soldiers"}
    assert troops["source"] == "troops_lowy, troops_brief_kursk"
    annual = out["results"][0]
    assert {k: annual[k] for k in ("id", "value", "low", "high", "unit")} == {
        "id": "annual_value_usd", "value": 286000000, "low": 286000000, "high": 456000000, "unit": "USD",
    }
    # Years to equal China's $500M: the bonus is paid once, so 1 + (500 - 286) / 264 = 1.81 years,
    # not 500 / 286 = 1.75 (a bonus every year); the range ends at 12,000 on $3,000 and 11,000 on $2,000.
    years = {r["id"]: r for r in out["results"]}["years_to_equal_s400_price_china"]
    assert years["unit"] == "years" and round(years["value"], 2) == 1.81
    assert (round(years["low"], 3), round(years["high"], 3)) == (round((500 - 24) / 36 / 12, 3), round((500 - 22) / 22 / 12, 3))
    assert (annual["formula"], annual["bounds"]) == ("troops × (monthly_pay_usd × months + bonus_usd)", "exact")
    assert annual["sources"][:2] == ["lowy", "brief"]
    claims = {c["id"]: c for c in out["claims"]}
    assert {i: c["status"] for i, c in claims.items()} == {
        "lowy-annual-value": "unexplained", "brief-annual-value": "reproduces", "brief-annual-value-nis": "unexplained",
        "lowy-s400-far-short": "reproduces", "lowy-total-deal": "unexplained",
    }
    assert claims["lowy-annual-value"]["stated"]["value"] == 314000000
    assert claims["lowy-annual-value"]["computed"]["value"] == 286000000


def test_set_recomputes_everything_and_is_recorded():
    out = json.loads(run("deal-value", "--format", "json", "--set", "troops=12000").stdout)
    assert out["assumptions"]["troops"] == {
        "value": 12000, "low": 12000, "high": 12000, "unit": "soldiers", "source": "--set troops=12000",
        "figures": [], "origin": "--set", "note": None, "reading": "point",
    }
    annual = out["results"][0]
    assert (annual["value"], annual["low"], annual["high"]) == (312000000, 312000000, 456000000)
    assert annual["set_by"] == ["--set troops=12000"]


def test_set_a_range_leaves_value_null():
    out = json.loads(run("casualties", "--format", "json", "--set", "troops=10000..12000", "--set", "losses=1000..3800").stdout)
    rate = out["results"][0]
    assert rate["id"] == "casualty_rate" and rate["value"] is None
    assert rate["low"] == pytest.approx(1000 / 12000) and rate["high"] == pytest.approx(0.38)
    assert out["placements"]["high"]["band"] == "casualty_threshold_ineffective"


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (["deal-value", "--set", "troops=abc"], "Error: --set troops=abc: 'abc' is not a number; "
         "write it as 12000, 12,000, 12_000, 1.2e4 or 12k (k, M and B suffixes), and a range as LOW..HIGH\n"),
        (["casualties", "--set", "troops=5..1", "--set", "nosuch=1"],
         "Error: --set troops=5..1: low 5 is above high 1\n"
         "Error: --set nosuch=1: unknown input 'nosuch' (known: bonus_usd, losses, monthly_pay_usd, months, troops)\n"),
        (["deal-value", "--data", "/nonexistent/dir"], "Error: --data /nonexistent/dir: no such directory\n"),
        (["figures", "--source", "nope"], (
            "Error: --source nope: unknown source (known: lowy, isdp, brief, nis, inss-627, hankook-ilbo, bbc, global-defense-corp, fnf, "
            "zelensky-2025-01-05, ru-decree-2024-07-31, un-poe-2024, bloomberg-economics-2024, bls-cpi, domain-brief)\n")),
    ],
)
def test_input_errors_exit_2_on_stderr_only(args, stderr):
    result = run(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", stderr)


def test_data_dir_that_is_a_file(tmp_path: Path):
    path = tmp_path / "figures.yaml"
    path.write_text("figures: []\n")
    result = run("check", "--data", str(path))
    assert (result.exit_code, result.stderr) == (2, f"Error: --data {path}: is a file; give the directory that holds the YAML files\n")


def test_internal_error_is_a_bug_not_a_finding(monkeypatch):
    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(compute, "command", broken)
    result = run("deal-value")
    assert result.exit_code == 70
    assert result.stderr == (
        "nkru: internal error (a bug in nkru, not a problem in your data): RuntimeError: boom. "
        "Rerun as `nkru --debug COMMAND ...` (or with NKRU_DEBUG=1) for the traceback and report it.\n"
    )


def test_version():
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"nkru {__version__}\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "  Example:\n    nkru " in result.stdout


def test_commands_are_all_tested_for_help():
    from typer.main import get_command

    assert sorted(get_command(app).commands) == sorted(COMMANDS)


def test_figures_filter_and_json_contract():
    out = json.loads(run("figures", "--quantity", "troops_deployed", "--format", "json").stdout)
    assert [(f["id"], f["value"], f["source"]) for f in out["figures"]] == [
        ("troops_lowy", 11000, "lowy"), ("troops_brief_kursk", 12000, "brief"),
    ]
    assert set(out["figures"][0]) >= {"id", "quantity", "value", "low", "high", "unit", "qualifier", "as_of", "source", "quote"}
    with_context = json.loads(run("figures", "--quantity", "troops_deployed", "--context", "--format", "json").stdout)
    assert [f["id"] for f in with_context["figures"] if f["context"]] == ["troops_zelensky"]


def test_figures_table_shows_disagreements():
    out = run("figures").stdout
    assert "One quantity, different figures" in out
    assert "over 9,000,000 rounds" in out and "over 6,000,000 rounds" in out


def test_sources_json_keeps_unstated_as_unstated():
    sources = {s["id"]: s for s in json.loads(run("sources", "--format", "json").stdout)["sources"]}
    assert sources["lowy"]["author"] == "unstated"
    assert sources["isdp"]["published"] == "unstated"
    assert sources["inss-627"]["cited_by"] == ["brief"]


def test_user_text_is_not_read_as_markup(data_copy: Path):
    edit(data_copy / "sources.yaml", "label: Lowy Institute, The Interpreter (7 Jan 2025)", "label: Lowy [citation needed]")
    edit(data_copy / "claims.yaml", "text: far short of covering the cost of a single S-400 system}", 'text: "[bold]far short of covering the cost of a single S-400 system"}')
    out = run("deal-value", "--full", "--data", str(data_copy)).stdout
    assert "Lowy [citation needed]" in out
    assert '"[bold]far short' in out


def _nkru(*args: str) -> subprocess.CompletedProcess:
    """nkru as a user runs it: a whole process through main(), which builds one command."""
    return subprocess.run([sys.executable, "-m", "nkru", *args], capture_output=True, text=True, env=os.environ | TERMINAL)


def test_whole_process_paths_match_the_in_process_ones():
    single = _nkru("deal-value", "--format", "json")
    assert single.returncode == 0 and json.loads(single.stdout) == json.loads(run("deal-value", "--format", "json").stdout)
    bad = _nkru("deal-value", "--set", "troops=abc")
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        2, "", "Error: --set troops=abc: 'abc' is not a number; write it as 12000, 12,000, 12_000, 1.2e4 or 12k (k, M and B suffixes), and a range as LOW..HIGH\n")
    usage = _nkru("casualties", "--bogus")
    assert usage.returncode == 2 and usage.stderr.splitlines()[-1] == "Error: No such option: --bogus"
    assert "Usage: nkru casualties [OPTIONS]" in _nkru("casualties", "--help").stdout
    through_root = _nkru("--debug", "explain", "casualty_rate", "--format", "json")
    assert through_root.returncode == 0 and json.loads(through_root.stdout)["id"] == "casualty_rate"
    assert _nkru("--version").stdout == f"nkru {__version__}\n"


def test_version_is_answered_without_typer():
    code = "import sys; sys.argv = ['nkru', '--version']; from nkru.entry import main; main(); print('typer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == f"nkru {__version__}\nFalse\n"


@pytest.mark.parametrize(("args", "code"), [(["check"], 0), (["deal-value", "--set", "troops=abc"], 2), (["check", "--data", "/nonexistent"], 2)])
def test_the_program_exits_with_the_commands_code(args: list[str], code: int):
    """The process ends right after its output (no interpreter teardown), with the same code."""
    result = subprocess.run([sys.executable, "-m", "nkru", *args], capture_output=True, text=True)
    assert result.returncode == code
    assert (result.stdout if code == 0 else result.stderr).strip()
