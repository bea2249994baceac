"""Tweak, compare, trace and report: init, scenarios, compare, explain, formats, outputs."""

from __future__ import annotations

import csv
import io
import json
import shlex
from pathlib import Path

import pytest

from .conftest import ROOT, edit, run


def _json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _annual(out: dict) -> int:
    return next(r for r in out["results"] if r["id"] == "annual_value_usd")["value"]


# ---------------------------------------------------------------------------- init


def test_init_writes_an_editable_copy_and_never_overwrites_edits(tmp_path: Path):
    target = tmp_path / "mywork"
    first = run("init", str(target))
    assert first.exit_code == 0
    assert first.stdout.splitlines() == [
        f"Wrote 11 files to {target}.",
        f"Next: edit {target / 'assumptions.yaml'}, then run: nkru deal-value --data {target}",
    ]
    edit(target / "assumptions.yaml", "value: 11_000", "value: 12_000")
    again = run("init", str(target))
    assert again.stdout.splitlines()[0] == f"Wrote 0 files to {target}; kept 11 you already had (--force replaces them)."
    assert "value: 12_000" in (target / "assumptions.yaml").read_text()
    assert _annual(_json("deal-value", "--data", str(target))) == 12_000 * 26_000
    run("init", str(target), "--force")
    assert "value: 11_000" in (target / "assumptions.yaml").read_text()


def test_init_into_a_file_is_refused(tmp_path: Path):
    path = tmp_path / "f"
    path.write_text("mine")
    result = run("init", str(path))
    assert (result.exit_code, result.stderr) == (2, f"Error: {path}: is a file; give a directory\n")
    assert path.read_text() == "mine"


# ---------------------------------------------------------------------------- scenarios


@pytest.mark.parametrize(
    ("scenario", "annual"),
    [("lim-inss", 320_000_000), ("nis", 286_000_000), ("lowy", 286_000_000), ("high", 12_000 * 38_000), ("low", 11_000 * 26_000)],
)
def test_shipped_scenarios(scenario: str, annual: int):
    assert _annual(_json("deal-value", "--scenario", scenario)) == annual


def test_precedence_data_then_scenarios_in_order_then_set():
    out = _json("deal-value", "--scenario", "high", "--scenario", "lim-inss", "--set", "troops=12000")
    assumptions = out["assumptions"]
    assert (assumptions["troops"]["value"], assumptions["troops"]["origin"]) == (12_000, "--set")
    assert (assumptions["monthly_pay_usd"]["value"], assumptions["monthly_pay_usd"]["source"]) == (2_500, "scenario lim-inss")
    assert [s["name"] for s in out["scenarios"]] == ["high", "lim-inss"]
    assert _annual(out) == 12_000 * (2_500 * 12 + 2_000)


def test_a_scenario_file_of_ones_own(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    path.write_text("note: a test\nset:\n  troops: {value: 15000, note: my estimate}\n")
    out = _json("deal-value", "--scenario", str(path))
    assert out["assumptions"]["troops"]["note"] == "my estimate"
    assert _annual(out) == 15_000 * 26_000


def test_every_setting_says_why(tmp_path: Path):
    path = tmp_path / "terse.yaml"
    path.write_text("note: a test\nset:\n  troops: {figure: troops_lowy}\n")
    result = run("deal-value", "--scenario", str(path))
    assert result.exit_code == 2
    assert result.stderr.endswith("terse.yaml:3:3: set.troops: every setting needs a note saying why (and where its numbers come from)\n")


def test_unknown_scenario():
    result = run("deal-value", "--scenario", "nope")
    assert (result.exit_code, result.stderr) == (2, "Error: --scenario nope: unknown scenario (known: high, lim-inss, low, lowy, nis; or give a .yaml file)\n")


def test_a_broken_scenario_is_located_and_fails_check(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    (data_copy / "scenarios" / "bad.yaml").write_text("note: n\nset:\n  troops: {figure: troops_nowhere, note: x}\n  bonus: {value: 1, note: x}\n")
    result = run("deal-value", "--data", str(data_copy), "--scenario", "bad")
    assert (result.exit_code, result.stderr) == (2, (
        "Error: scenarios/bad.yaml:3:12: set.troops.figure: unknown figure 'troops_nowhere' (did you mean troops_lowy?)\n"
        "Error: scenarios/bad.yaml:4:3: set.bonus: unknown input 'bonus' (did you mean bonus_usd?)\n"
    ))
    edit(data_copy / "scenarios" / "bad.yaml", "  bonus: {value: 1, note: x}\n", "")
    checked = run("check", "--data", str(data_copy))
    assert checked.exit_code == 1
    assert "scenarios/bad.yaml:3:12: set.troops.figure: unknown figure 'troops_nowhere' (did you mean troops_lowy?)" in checked.stdout.splitlines()


def test_scenarios_lists_the_shipped_readings():
    out = _json("scenarios")
    assert [s["name"] for s in out["scenarios"]] == ["high", "lim-inss", "low", "lowy", "nis"]
    lim = next(s for s in out["scenarios"] if s["name"] == "lim-inss")
    assert lim["set"]["monthly_pay_usd"] == {
        "value": 2500, "low": 2500, "high": 2500, "figures": ["pay_mercenary_monthly"],
        "note": "the midpoint of the foreign mercenaries' $2,000-3,000",
    }


# ---------------------------------------------------------------------------- compare, explain


def test_compare_puts_scenarios_side_by_side_with_differences():
    out = _json("compare", "baseline", "lim-inss", "high")
    assert out["columns"] == ["baseline", "lim-inss", "high"]
    row = next(r for r in out["rows"] if r["id"] == "annual_value_usd")
    assert [c["value"] for c in row["columns"]] == [286_000_000, 320_000_000, 456_000_000]
    assert [c["difference"] and c["difference"]["value"] for c in row["columns"]] == [None, 34_000_000, 170_000_000]
    assert "Scenarios compared" in run("compare", "baseline", "lim-inss").stdout


def test_explain_traces_every_input_to_its_quote():
    out = _json("explain", "annual_value_usd", "--scenario", "lim-inss")
    assert out["formula"] == "troops × (monthly_pay_usd × months + bonus_usd)"
    inputs = {i["name"]: i for i in out["inputs"]}
    assert inputs["troops"]["origin"] == "scenario lim-inss"
    assert inputs["troops"]["figures"][0]["quote"] == "by sending 10,000 people as mercenaries each year"
    assert inputs["months"]["note"] == '"$320 million annually" - a year of pay'
    table = run("explain", "ratio_to_s400_price_china").stdout
    assert "s400_price_china: $500M — Lowy Institute" in table and '"China, for example, paid $500 million per regiment in 2014"' in table


def test_explain_an_unknown_id_suggests_the_closest():
    assert run("explain", "annual_value_usdd").stderr == "Error: explain annual_value_usdd: unknown id (did you mean annual_value_usd?)\n"
    result = run("explain", "nope")
    assert (result.exit_code, result.stderr) == (2, "Error: explain nope: unknown id; `nkru calc` lists the quantities\n")


# ---------------------------------------------------------------------------- formats and files


@pytest.mark.parametrize("command", ["deal-value", "casualties", "figures", "sources", "scenarios", "check", "compare baseline nis", "explain casualty_rate"])
def test_every_format_of_every_command(command: str):
    words = shlex.split(command)
    assert json.loads(run(*words, "--format", "json").stdout)
    rows = list(csv.reader(io.StringIO(run(*words, "--format", "csv").stdout)))
    assert len(rows) >= 2 and len({len(r) for r in rows}) == 1
    markdown = run(*words, "--format", "markdown").stdout
    answer_first = command in ("deal-value", "casualties")  # a paragraph, then the tables
    assert not markdown.startswith(("#", "|")) and "\n\n### Assumptions\n" in markdown if answer_first else markdown.startswith("### ")


def test_csv_of_results_has_the_documented_columns():
    rows = list(csv.DictReader(io.StringIO(run("deal-value", "--format", "csv").stdout)))
    assert list(rows[0]) == ["id", "label", "value", "low", "high", "unit", "sources", "bounds", "dollars", "kind"]
    assert "CSV has a row per result: `id,label,value,low,high,unit,sources,bounds,dollars,kind`" in " ".join((ROOT / "README.md").read_text().split())
    assert (rows[0]["id"], rows[0]["value"], rows[0]["sources"]) == ("annual_value_usd", "286000000", "lowy;brief;bbc;nis;hankook-ilbo;inss-627")


def test_markdown_is_a_table_with_a_sources_list():
    markdown = run("deal-value", "--format", "markdown").stdout
    assert "| Result | Value | Range | Sources |\n|---|---:|---:|---|\n| Value of the months served (bonus paid once) | $286M | $286M – $456M |" in markdown
    # A numbered list keeping sources.yaml's numbers: where they skip (no [2]), a comment starts a new list at 3.
    assert "### Sources\n\n1. Lowy Institute, The Interpreter (7 Jan 2025)" in markdown
    assert "audited article\n\n<!-- -->\n\n3. Brief on Russia-DPRK alignment (5 Dec 2024) — audited article\n4. National Intelligence Service" in markdown


def test_output_is_written_whole_and_never_replaces_a_file_without_force(tmp_path: Path):
    target = tmp_path / "report.md"
    first = run("deal-value", "--format", "markdown", "--output", str(target))
    assert (first.exit_code, first.stdout, first.stderr) == (0, "", f"wrote {target}\n")
    target.write_text("my edits")
    again = run("deal-value", "--format", "markdown", "--output", str(target))
    assert (again.exit_code, again.stderr) == (2, f"Error: --output {target}: exists; add --force to replace it\n")
    assert target.read_text() == "my edits"
    assert run("deal-value", "--format", "markdown", "--output", str(target), "--force").exit_code == 0
    assert target.read_text().startswith("11,000 soldiers serving 12 months are worth")
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_svg_and_html_exports(tmp_path: Path):
    result = run("deal-value", "--svg", str(tmp_path / "t.svg"), "--html", str(tmp_path / "t.html"))
    assert result.exit_code == 0
    assert (tmp_path / "t.svg").read_text().startswith("<svg")
    assert "Value of the months served" in (tmp_path / "t.html").read_text()


# ---------------------------------------------------------------------------- reproducibility


def test_json_records_what_reproduces_it_and_is_byte_identical():
    args = ("deal-value", "--scenario", "lim-inss", "--set", "troops=12000", "--format", "json")
    first, second = run(*args).stdout, run(*args).stdout
    assert first == second
    out = json.loads(first)
    assert out["nkru_version"] and len(out["data_digest"]) == 64
    assert [f["file"].rsplit("/", 1)[-1] for f in out["data_files"]] == ["sources.yaml", "figures.yaml", "context.yaml", "claims.yaml", "assumptions.yaml", "model.yaml"]
    assert out["scenarios"][0]["name"] == "lim-inss" and len(out["scenarios"][0]["sha256"]) == 64
    assert [(o["name"], o["value"], o["origin"]) for o in out["overrides"]][-1] == ("troops", 12000, "--set troops=12000")
    assert out["rerun"] == "nkru deal-value --scenario lim-inss --set troops=12000"
    rerun = json.loads(run(*shlex.split(out["rerun"])[1:], "--format", "json").stdout)
    assert rerun["results"] == out["results"]


# ---------------------------------------------------------------------------- disagreements


def test_disagreements_show_troops_rounds_and_the_three_2000s():
    out = _json("figures", "--disagreements")["disagreements"]
    assert out["quantities"]["troops_deployed"] == ["troops_lowy", "troops_brief_kursk"]  # INSS's 10,000 a year is a hypothetical, not a third count
    assert out["quantities"]["artillery_rounds"] == ["rounds_lowy", "shells_isdp"]
    assert out["numbers"]["$2,000"] == ["pay_isdp", "lump_sum_enlistment", "pay_nis_monthly"]
