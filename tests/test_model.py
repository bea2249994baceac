"""The model in data: an analyst's own inputs, quantities, units, claims and correlations, with
no Python to edit; and no domain name left in the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nkru.load import bundled_data_dir, load_dataset

from .conftest import edit, run

ROOT = Path(__file__).resolve().parent.parent

AMMUNITION_INPUTS = """
  shell_price_usd:
    low: 800
    high: 1_500
    unit: USD/round
    note: An analyst's range for one 152mm shell; no article states a price.
  rounds_shipped:
    value: 6_000_000
    unit: rounds
    figures: [rounds_lowy]
"""
AMMUNITION_QUANTITY = """
  ammunition_value_usd:
    label: Value of the ammunition shipped
    formula: rounds_shipped * shell_price_usd
    unit: USD
"""


@pytest.fixture
def work(data_copy: Path, monkeypatch) -> Path:
    """The shipped data with the analyst's ammunition example added, as the README shows it."""
    monkeypatch.chdir(data_copy)
    edit(data_copy / "assumptions.yaml", "\ncorrelations: []", AMMUNITION_INPUTS + "\ncorrelations: []")
    edit(data_copy / "model.yaml", "\nbands:\n", AMMUNITION_QUANTITY + "\nbands:\n")
    return data_copy


def _json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_an_analysts_quantity_is_computed_and_cited(work: Path):
    out = _json("calc", "ammunition_value_usd", "--data", str(work))
    (row,) = out["results"]
    assert {k: row[k] for k in ("id", "label", "value", "low", "high", "unit", "sources", "bounds")} == {
        "id": "ammunition_value_usd", "label": "Value of the ammunition shipped", "value": None,
        "low": 4_800_000_000, "high": 9_000_000_000, "unit": "USD", "sources": ["lowy"], "bounds": "exact",
    }
    assert out["assumptions"]["shell_price_usd"]["note"] == "An analyst's range for one 152mm shell; no article states a price."
    table = run("calc", "ammunition_value_usd", "--data", str(work)).stdout
    assert "$4.80B – $9.00B" in table and "note (analyst)" in table
    assert "Note (analyst) — shell_price_usd: An analyst's range for one 152mm shell; no article states a price." in " ".join(table.split())


def test_explain_traces_it_to_the_quote_and_the_note(work: Path):
    text = run("explain", "ammunition_value_usd", "--data", str(work)).stdout
    assert "ammunition_value_usd = rounds_shipped × shell_price_usd" in text
    assert '"20,000 containers filled with over six million rounds of 152mm and 122mm ammunition"' in text
    assert "note (the analyst's own reasoning): An analyst's range for one 152mm shell" in text


def test_solve_for_the_shell_price(work: Path):
    out = _json("solve", "ammunition_value_usd=6e9", "--for", "shell_price_usd", "--data", str(work))
    assert out["value"] == pytest.approx(1_000)  # 6e9 / 6e6, by hand
    assert out["held"] == {"rounds_shipped": 6_000_000}


def test_sensitivity_and_simulation_work_on_it(work: Path):
    sens = _json("sensitivity", "ammunition_value_usd", "--data", str(work))
    assert [(i["name"], i["result_at_low"], i["result_at_high"]) for i in sens["inputs"]] == [("shell_price_usd", 4.8e9, 9e9)]
    sim = _json("calc", "ammunition_value_usd", "--data", str(work), "--simulate", "100000", "--seed", "1")["simulation"]
    assert sim["p50"] == pytest.approx(6.9e9, rel=0.01)  # uniform 800..1,500 times 6M: the median is 1,150 × 6M
    assert 4.8e9 <= sim["p5"] < sim["p95"] <= 9e9


def test_adding_rounds_to_dollars_per_round_is_a_located_error(work: Path):
    edit(work / "model.yaml", "formula: rounds_shipped * shell_price_usd", "formula: rounds_shipped + shell_price_usd")
    line = next(i for i, text in enumerate((work / "model.yaml").read_text().splitlines(), 1) if "rounds_shipped + shell_price_usd" in text)
    expected = (f"model.yaml:{line}:29: quantities.ammunition_value_usd.formula: cannot add rounds to USD/round; "
                "rounds_shipped is rounds (assumptions.yaml), shell_price_usd is USD/round (assumptions.yaml)")
    result = run("calc", "ammunition_value_usd", "--data", str(work))
    assert (result.exit_code, result.stderr) == (2, f"Error: {expected}\n")
    checked = run("check", "--data", str(work))
    assert checked.exit_code == 1 and checked.stdout.splitlines()[0] == expected


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("rounds_shiped * shell_price_usd", "unknown name 'rounds_shiped' (did you mean rounds_shipped?): not an input, quantity or figure id"),
        ("rounds_shipped.real", "attribute access (x.y) is not allowed"),
        ("open('x')", "calls to 'open' are not allowed (only min, max, abs)"),
        ("ammunition_value_usd * 2", "formulas form a cycle: ammunition_value_usd -> ammunition_value_usd"),
        ("rounds_shipped *", "syntax: the formula ends too early"),
    ],
)
def test_a_bad_formula_is_located(work: Path, formula: str, message: str):
    edit(work / "model.yaml", "formula: rounds_shipped * shell_price_usd", f"formula: {formula}")
    result = run("calc", "--data", str(work))
    assert result.exit_code == 2
    assert re.fullmatch(rf"Error: model\.yaml:\d+:\d+: quantities\.ammunition_value_usd\.formula: {re.escape(message)}\n", result.stderr)


def test_calc_without_a_quantity_lists_them():
    out = _json("calc")
    assert {q["id"]: q["unit"] for q in out["quantities"]} == {
        "annual_value_usd": "USD", "payroll_usd": "USD/month", "one_off_usd": "USD", "casualty_rate": "1", "monthly_loss_rate": "percent/month",
        "share_of_total_deal": "1"}


def test_an_input_derived_from_figures_cites_every_one(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    stated = "    value: 11_000\n    low: 11_000\n    high: 12_000\n    unit: soldiers\n    min: 1\n    figures: [troops_lowy, troops_brief_kursk]\n"
    edit(data_copy / "assumptions.yaml", stated, "    from: troops_lowy + troops_brief_kursk\n    unit: soldiers\n    min: 1\n")
    out = _json("deal-value", "--data", str(data_copy))
    troops = out["assumptions"]["troops"]
    assert (troops["value"], troops["from"], troops["figures"]) == (23_000, "troops_lowy + troops_brief_kursk", ["troops_lowy", "troops_brief_kursk"])
    assert {"lowy", "brief", "bbc"} <= set(out["results"][0]["sources"])


def test_an_edited_input_is_refused_until_a_figure_states_it(data_copy: Path, monkeypatch):
    """No table credits 15,000 troops to sources that state 10,000-12,000."""
    monkeypatch.chdir(data_copy)
    edit(data_copy / "assumptions.yaml", "value: 11_000", "value: 15_000")
    edit(data_copy / "assumptions.yaml", "high: 12_000", "high: 15_000")
    result = run("deal-value", "--data", str(data_copy))
    assert result.exit_code == 2
    assert re.match(r"Error: assumptions\.yaml:\d+:\d+: assumptions\.troops\.value: 15,000 is not stated by its figures", result.stderr)


def test_correlated_inputs_are_simulated_and_the_realised_correlation_reported(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    edit(data_copy / "assumptions.yaml", "correlations: []", "correlations:\n  - {between: [troops, losses], rank: 0.6, note: 'more troops, more losses'}")
    sim = _json("casualties", "--data", str(data_copy), "--simulate", "50000", "--seed", "3")["simulation"]
    (pair,) = sim["correlations"]
    assert (pair["between"], pair["rank"]) == (["troops", "losses"], 0.6)
    assert pair["realised"] == pytest.approx(0.6, abs=0.02)
    text = run("casualties", "--data", str(data_copy), "--simulate", "50000", "--seed", "3").stdout
    assert "Correlations: Troops deployed – Losses (killed and wounded) rank +0.60 (realised +0.60)" in " ".join(text.split())


def _with_claim(data_copy: Path, claim: str) -> list[str]:
    with (data_copy / "claims.yaml").open("a", encoding="utf-8") as stream:
        stream.write(claim)
    result = run("check", "--data", str(data_copy))
    return [re.sub(r":\d+:\d+:", ":", line) for line in result.stdout.splitlines()]


def test_barely_exceeds_sets_a_ceiling_as_well_as_a_floor(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    lines = _with_claim(data_copy, """
  - id: barely-ceiling
    source: lowy
    says: A $418M year would not "barely" exceed $314M.
    formula: annual_value_usd
    inputs: {troops: troops_lowy, monthly_pay_usd: {figure: pay_mercenary_monthly, take: high}, months: service_period_lowy, bonus_usd: lump_sum_enlistment}
    stated: annual_value_lowy
    ceiling: 1.1
    words: '"barely exceed" - at most a tenth above'
    round_to: 1e6
    expect: reproduces
""")
    assert any(line.startswith("claims.yaml: claims[barely-ceiling].stated: differs") for line in lines)


def test_a_two_sided_claim_holds_within_its_bounds(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    lines = _with_claim(data_copy, """
  - id: not-much-different
    source: brief
    says: The $320M is not much different from the $286M.
    formula: annual_value_usd
    inputs: {troops: troops_lowy, monthly_pay_usd: pay_nis_monthly, months: service_period_lowy, bonus_usd: lump_sum_enlistment}
    stated: annual_value_brief
    test: between
    within: [0.8, 1.25]
    words: '"not much different from"'
    expect: unexplained
""")
    # 286 / 320 = 0.89 lies within 0.8-1.25, so an `unexplained` expectation is now wrong.
    assert any("claims[not-much-different].expect: now reproduces" in line for line in lines)


def test_a_data_dir_from_the_previous_release_gets_one_message_per_file(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "figures.yaml").write_text(
        (bundled_data_dir() / "figures.yaml").read_text().replace("unit: USD/soldier/month\n", "unit: USD\n    basis: per soldier per month\n"))
    result = run("deal-value", "--data", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: figures.yaml:1:1: written for nkru 0.1: what one unit covers is now part of the unit "
        "(basis: per soldier per month -> unit: USD/soldier/month); `nkru init NEWDIR` writes the current layout to compare with\n"
    )


def test_a_later_figure_of_a_quantity_is_an_update_not_a_disagreement(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    with (data_copy / "figures.yaml").open("a", encoding="utf-8") as stream:
        stream.write("""
  - id: losses_later
    quantity: soldier_losses
    value: 4_000
    qualifier: exact
    unit: soldiers
    as_of: "2025-03"
    source: lowy
    quote: "4,000"
""")
    quote = "    quote: \"North Korean forces have reportedly suffered"
    edit(data_copy / "figures.yaml", quote, "    as_of: \"2025-01\"\n" + quote)
    out = _json("figures", "--disagreements", "--data", str(data_copy))["disagreements"]
    assert out["updates"]["soldier_losses"] == ["losses_lowy", "losses_later"]
    assert "soldier_losses" not in out["quantities"]


def test_no_domain_name_is_written_in_the_code():
    """Inputs, figures, quantities, claims and formulas live in data/; the code names
    only the two commands."""
    ds = load_dataset()
    names = set(ds.inputs) | set(ds.figures) | set(ds.quantities) | {c.id for c in ds.claims}
    names |= {q.formula.text for q in ds.quantities.values()}
    names = {n for n in names if not _builtin_unit(n)}  # "months" is an input and a unit nkru builds in
    found = []
    for path in sorted((ROOT / "nkru").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {name}" for name in names if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]
    assert found == []


def _builtin_unit(name: str) -> bool:
    from nkru.engine.units import Registry, UnitError

    try:
        Registry().parse(name)
    except UnitError:
        return False
    return True


def test_a_later_reports_figure_feeds_the_model_and_its_role_is_shown(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    with (data_copy / "sources.yaml").open("a", encoding="utf-8") as stream:
        stream.write("""
  - id: later-report
    kind: later
    label: A later report (2025)
    title: unstated
    publisher: unstated
    author: unstated
    published: "2025-03"
""")
    with (data_copy / "figures.yaml").open("a", encoding="utf-8") as stream:
        stream.write("""
  - id: troops_later
    quantity: troops_deployed
    value: 14_000
    qualifier: exact
    unit: soldiers
    as_of: "2025-03"
    source: later-report
    quote: "14,000 troops"
""")
    out = _json("calc", "casualty_rate", "--data", str(data_copy), "--set", "troops=14000")
    assert out["results"][0]["low"] == pytest.approx(1_000 / 14_000)
    edit(data_copy / "assumptions.yaml", "figures: [troops_lowy, troops_brief_kursk]",
         "figures: [troops_lowy, troops_brief_kursk, troops_later]")
    edit(data_copy / "assumptions.yaml", "high: 12_000", "high: 14_000")
    result = run("casualties", "--data", str(data_copy))
    assert result.exit_code == 0, result.stderr
    assert "A later report (2025) — later reporting" in result.stdout


def test_a_scenario_may_set_an_input_from_an_expression_over_figures(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    (data_copy / "scenarios" / "double.yaml").write_text(
        "note: twice the lump sum\nset:\n  bonus_usd: {from: 2 * lump_sum_enlistment, note: paid twice}\n", encoding="utf-8")
    out = _json("deal-value", "--data", str(data_copy), "--scenario", "double")
    assert out["assumptions"]["bonus_usd"]["value"] == 4_000
    assert out["assumptions"]["bonus_usd"]["figures"] == ["lump_sum_enlistment"]
    assert out["results"][0]["value"] == 11_000 * (2_000 * 12 + 4_000)


def test_claims_written_for_the_previous_release_say_what_to_write(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "claims.yaml").write_text(
        (bundled_data_dir() / "claims.yaml").read_text().replace("formula: part / whole", "formula: ratio"), encoding="utf-8")
    result = run("check", "--data", str(tmp_path))
    assert (result.exit_code, result.stdout.splitlines()[0]) == (1, (
        "claims.yaml:1:1: written for nkru 0.1: the built-in formulas are gone, write them out "
        "(formula: ratio -> formula: part / whole); `nkru init NEWDIR` writes the current layout to compare with"))


def test_an_inconsistent_set_of_correlations_fails_check(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    edit(data_copy / "assumptions.yaml", "correlations: []", """correlations:
  - {between: [troops, losses], rank: 0.9, note: a}
  - {between: [losses, monthly_pay_usd], rank: 0.9, note: b}
  - {between: [troops, monthly_pay_usd], rank: -0.9, note: c}""")
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1
    assert re.sub(r":\d+:\d+:", ":", result.stdout.splitlines()[0]) == (
        "assumptions.yaml: correlations[0]: the correlations given are inconsistent (the matrix is not positive definite); make them weaker or drop one")


def test_a_quantity_past_what_it_can_be_is_flagged():
    result = run("casualties", "--set", "losses=22000")
    assert result.exit_code == 0
    assert "Warning: Casualty rate (losses ÷ troops) reaches 2 (as a fraction), above the most it can be, 1: the inputs cannot all be right." in " ".join(result.stdout.split())


@pytest.mark.parametrize("rate", ["0", "1e-320"])
def test_an_exchange_rate_of_zero_is_refused_not_divided_by(data_copy: Path, monkeypatch, rate: str):
    monkeypatch.chdir(data_copy)
    edit(data_copy / "context.yaml", "    value: 88\n", f"    value: {rate}\n")
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1
    assert "per: rub_per_usd is an exchange rate of" in result.stdout and "it must be above 0" in result.stdout
