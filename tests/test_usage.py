"""Using the command line: mistakes answered in one line with a way forward, short options,
-h everywhere, and shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from nkru.cli import COMMANDS, app
from nkru.cli.options import (
    Format,
    complete_compare,
    complete_headlines,
    complete_inputs,
    complete_quantities,
    complete_scenarios,
    complete_set,
    complete_targets,
    parse_format,
    parse_samples,
    parse_seed,
    parse_year,
)
from nkru.load import bundled_data_dir, load_dataset

from .conftest import TERMINAL, run

KNOWN = "deal-value, casualties, calc, compare, explain, sensitivity, solve, figures, sources, scenarios, check, init, report"
INPUTS = {"troops": "soldiers", "monthly_pay_usd": "USD/soldier/month", "months": "months", "bonus_usd": "USD/soldier", "losses": "soldiers"}


def _nkru(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """nkru as a user runs it: a whole process through main()."""
    return subprocess.run([sys.executable, "-m", "nkru", *args], capture_output=True, text=True, env=os.environ | TERMINAL | (env or {}))


# ---------------------------------------------------------------------------- one-line mistakes

MISTAKES = [
    (["deal-value", "--sett", "troops=1"], "Error: No such option: --sett (did you mean --set?)\n"),
    (["casualties", "--formt", "json"], "Error: No such option: --formt (did you mean --format?)\n"),
    (["casualties", "--bogus"], "Error: No such option: --bogus\n"),
    (["deal-value", "-x"], "Error: No such option: -x\n"),
    (["--bogus"], "Error: No such option: --bogus\n"),
    (["deal-valu"], "Error: No such command: deal-valu (did you mean deal-value?)\n"),
    (["nosuch"], f"Error: No such command: nosuch (known: {KNOWN})\n"),
    (["explain"], "Error: Missing argument 'ID'.\n"),
    (["solve", "annual_value_usd=1"], "Error: Missing option '--for'.\n"),
    (["deal-value", "extra"], "Error: Got unexpected extra argument(s) (extra)\n"),
    (["deal-value", "--format"], "Error: Option '--format' requires an argument.\n"),
    (["deal-value", "--format", "xml"], "Error: --format xml: use table, json, csv or markdown (md)\n"),
    (["sources", "-f", "yaml"], "Error: --format yaml: use table, json, csv or markdown (md)\n"),
    (["sources", "--format", ""], "Error: --format '': use table, json, csv or markdown (md)\n"),
    (["deal-value", "--seed", "abc"], "Error: --seed abc: give a whole number (0 or more)\n"),
    (["deal-value", "--seed", "-3"], "Error: --seed -3: give a whole number (0 or more)\n"),
    (["casualties", "--seed", "1.5"], "Error: --seed 1.5: give a whole number (0 or more)\n"),
    (["deal-value", "--simulate", "abc"], "Error: --simulate abc: give a whole number of samples (1 or more), e.g. 10000\n"),
    (["deal-value", "--simulate", "1e12"], "Error: --simulate 1e12: give a whole number of samples (1 or more), e.g. 10000\n"),
    (["calc", "troops", "--simulate", "0"], "Error: --simulate 0: give a whole number of samples (1 or more), e.g. 10000\n"),
    (["deal-value", "--simulate", "١٠"], "Error: --simulate ١٠: give a whole number of samples (1 or more), e.g. 10000\n"),
    (["deal-value", "--dollars", "2024.5"], "Error: --dollars 2024.5: give a year, e.g. 2024\n"),
    (["casualties", "--dollars", "last year"], "Error: --dollars 'last year': give a year, e.g. 2024\n"),
    (["--debug", "deal-value", "--seed", "abc"], "Error: --seed abc: give a whole number (0 or more)\n"),
    (["--debug", "explain"], "Error: Missing argument 'ID'.\n"),
    (["--debug"], "Error: Missing command.\n"),
]


@pytest.mark.parametrize(("args", "stderr"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_a_usage_mistake_is_one_error_line_and_exit_2(args: list[str], stderr: str):
    result = run(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", stderr)


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (["deal-value", "--sett", "troops=1"], "Error: No such option: --sett (did you mean --set?)\n"),
        (["deal-value", "--seed", "abc"], "Error: --seed abc: give a whole number (0 or more)\n"),
        (["explain"], "Error: Missing argument 'ID'.\n"),
        (["deal-valu"], "Error: No such command: deal-valu (did you mean deal-value?)\n"),
    ],
)
def test_the_whole_process_paths_say_it_in_one_line_too(args: list[str], stderr: str):
    """main() builds the named command alone; its mistakes read the same."""
    done = _nkru(*args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", stderr)


def test_sensitivity_simulate_is_read_as_a_whole_number():
    """Its --simulate is the command's own option; a word there still gets a CLI answer."""
    result = run("sensitivity", "deal-value", "--simulate", "abc")
    assert result.exit_code == 2 and result.stderr.startswith("Error: --simulate abc: give a whole number")
    assert result.stderr.count("\n") == 1


def test_no_arguments_still_shows_the_help():
    result = run()
    assert result.exit_code == 2 and result.stderr.startswith("Usage: ") and "[OPTIONS] COMMAND [ARGS]...\n" in result.stderr


# ---------------------------------------------------------------------------- --format, -f, -o


@pytest.mark.parametrize("spelling", ["JSON", "Json", " json "])
def test_format_is_read_in_any_case(spelling: str):
    assert json.loads(run("sources", "--format", spelling).stdout) == json.loads(run("sources", "--format", "json").stdout)


@pytest.mark.parametrize("spelling", ["md", "MD", "Markdown"])
def test_md_is_markdown(spelling: str):
    result = run("sources", "-f", spelling)
    assert result.exit_code == 0 and result.stdout == run("sources", "--format", "markdown").stdout


def test_short_options_for_format_and_output(tmp_path: Path):
    target = tmp_path / "casualties.json"
    result = run("casualties", "-f", "json", "-o", str(target))
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads(target.read_text(encoding="utf-8"))["command"] == "casualties"


def test_the_parsers_take_defaults_and_digits():
    assert parse_format(Format.csv) is Format.csv and parse_format("CSV") is Format.csv and parse_format("md") is Format.markdown
    assert (parse_seed(0), parse_seed("7"), parse_seed("1_000"), parse_seed("12,000")) == (0, 7, 1000, 12000)
    assert (parse_samples("10000"), parse_samples(" 20000 ")) == (10000, 20000)
    assert parse_year("2014") == 2014


def test_a_good_seed_simulate_and_dollars_still_run():
    result = run("deal-value", "--simulate", "2000", "--seed", "3", "--dollars", "2024", "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["simulation"]["seed"] == 3 and out["simulation"]["samples"] == 2000


# ---------------------------------------------------------------------------- -h


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)], ids=["nkru", *COMMANDS])
def test_every_help_is_reachable_with_h(command: list[str]):
    short, long = run(*command, "-h"), run(*command, "--help")
    assert (short.exit_code, short.stderr) == (0, "")
    assert short.stdout == long.stdout
    assert "-h, --help" in short.stdout


def test_h_works_on_the_single_command_path():
    done = _nkru("explain", "-h")
    assert done.returncode == 0 and done.stdout.startswith("Usage: nkru explain [OPTIONS]") and "-h, --help" in done.stdout


def test_the_app_offers_completion_installation():
    out = run("--help").stdout
    assert "--install-completion" in out and "--show-completion" in out


# ---------------------------------------------------------------------------- completion


def _ctx(data: Path | None = None) -> SimpleNamespace:
    return SimpleNamespace(params={"data": data})


def _values(candidates: list[tuple[str, str]]) -> list[str]:
    return [value for value, _ in candidates]


SHIPPED_SCENARIOS = sorted(path.stem for path in (bundled_data_dir() / "scenarios").glob("*.yaml"))


def test_scenario_completion_offers_the_names():
    assert _values(complete_scenarios(_ctx(), "")) == SHIPPED_SCENARIOS
    assert _values(complete_scenarios(_ctx(), "lo")) == [name for name in SHIPPED_SCENARIOS if name.startswith("lo")]
    assert "low" in SHIPPED_SCENARIOS and "lowy" in SHIPPED_SCENARIOS


def test_scenario_completion_reads_the_data_folder(data_copy: Path):
    (data_copy / "scenarios" / "mine.yaml").write_text("note: mine\nset: {troops: 12000}\n", encoding="utf-8")
    assert "mine" in _values(complete_scenarios(_ctx(data_copy), ""))
    assert _values(complete_compare(_ctx(data_copy), "")) == ["baseline", *sorted({*SHIPPED_SCENARIOS, "mine"})]
    assert _values(complete_compare(_ctx(), "ba")) == ["baseline"]


def test_set_and_input_completion_offer_the_inputs():
    assert dict(complete_set(_ctx(), "")) == {f"{name}=": unit for name, unit in INPUTS.items()}
    assert complete_set(_ctx(), "tr") == [("troops=", "soldiers")]
    assert dict(complete_inputs(_ctx(), "")) == INPUTS
    assert complete_inputs(_ctx(), "mo") == [("monthly_pay_usd", "USD/soldier/month"), ("months", "months")]


def test_quantity_completion_offers_the_quantity_ids():
    ds = load_dataset()
    ids = list(ds.quantities)
    assert {"annual_value_usd", "casualty_rate"} <= set(ids)
    assert _values(complete_quantities(_ctx(), "")) == ids
    assert dict(complete_quantities(_ctx(), "casualty_r")) == {"casualty_rate": ds.quantities["casualty_rate"].label}
    assert _values(complete_targets(_ctx(), "casualty_r")) == ["casualty_rate="]
    assert _values(complete_headlines(_ctx(), "")) == ["deal-value", "casualties", *ids]


@pytest.mark.parametrize(
    "complete", [complete_scenarios, complete_compare, complete_set, complete_inputs, complete_quantities, complete_headlines, complete_targets],
)
def test_completion_survives_a_broken_data_folder(complete, data_copy: Path, tmp_path: Path):
    (data_copy / "figures.yaml").write_text("figures: [\n", encoding="utf-8")
    for ctx in (_ctx(data_copy), _ctx(tmp_path / "nonexistent"), _ctx(data_copy / "model.yaml"), None, SimpleNamespace()):
        candidates = complete(ctx, "")
        assert isinstance(candidates, list)
    if complete not in (complete_scenarios, complete_compare):  # these list files and never read them
        assert complete(_ctx(data_copy), "") == []


def test_completion_through_the_shell_protocol():
    """What bash runs: nkru with no arguments, the words in the environment, through the whole app."""
    words = {"_NKRU_COMPLETE": "complete_bash", "COMP_WORDS": "nkru deal-value --set tr", "COMP_CWORD": "3"}
    done = _nkru(env=words)
    assert (done.returncode, done.stdout, done.stderr) == (0, "troops=\n", "")
    result = CliRunner(env=TERMINAL | words | {"COMP_WORDS": "nkru casualties --scenario lo"}).invoke(app, [], prog_name="nkru")
    assert (result.exit_code, result.stdout.split()) == (0, [name for name in SHIPPED_SCENARIOS if name.startswith("lo")])


def test_the_argument_completions_fit_typer():
    """The functions commands.py attaches to its arguments: Typer takes their signature and filters by the word."""
    probe = typer.Typer()

    @probe.command()
    def _probe(
        which: Annotated[str, typer.Argument(autocompletion=complete_quantities)],
        for_: Annotated[str, typer.Option("--for", autocompletion=complete_inputs)],
    ) -> None:
        pass

    words = {"_PROBE_COMPLETE": "complete_bash", "COMP_WORDS": "probe casualty_r", "COMP_CWORD": "1"}
    assert CliRunner(env=TERMINAL | words).invoke(probe, [], prog_name="probe").stdout == "casualty_rate\n"
    words |= {"COMP_WORDS": "probe x --for los", "COMP_CWORD": "3"}
    assert CliRunner(env=TERMINAL | words).invoke(probe, [], prog_name="probe").stdout == "losses\n"


# ---------------------------------------------------------------------------- start-up


def test_a_command_reads_its_options_without_pydantic_adapters():
    """Typer would build a pydantic adapter per option on every run; nkru reads its options itself."""
    code = (
        "import sys\n"
        "from nkru.cli import main\n"
        "sys.argv = ['nkru', 'deal-value', '-f', 'json', '--seed', '4', '--set', 'troops=12000', '--data', sys.argv[1], '-o', sys.argv[2]]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print(sorted(m for m in sys.modules if m.startswith('typer._adapters')))\n"
    )
    with_root = code.replace("'deal-value'", "'--debug', 'deal-value'")
    for program in (code, with_root):
        out = Path(os.environ["NKRU_CACHE_DIR"]) / "startup-probe.json"
        out.unlink(missing_ok=True)
        done = subprocess.run([sys.executable, "-c", program, str(bundled_data_dir()), str(out)], capture_output=True, text=True, env=os.environ | TERMINAL)
        assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr
        assert json.loads(out.read_text(encoding="utf-8"))["command"] == "deal-value"
