"""Money in comparable terms: constant dollars, currencies, bases, and context kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nkru import compute, money
from nkru.context import basis_flags, context_rows
from nkru.load import load_dataset
from nkru.model import Range

from .conftest import edit, run

CPI_2014, CPI_2017, CPI_2018, CPI_2024 = 236.736, 245.120, 251.107, 313.689


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def _results(*args: str) -> dict:
    out = json.loads(run("deal-value", "--format", "json", *args).stdout)
    return out | {"by_id": {r["id"]: r for r in out["results"]}}


def test_chinas_500m_of_2014_is_662m_of_2024(ds):
    china = money.money_of(ds, ds.figures["s400_price_china"])
    assert (china.year, china.basis) == (2014, "per regiment")
    assert money.in_dollars_of(china, 2024, money.cpi_index(ds)).amount.low == pytest.approx(500e6 * CPI_2024 / CPI_2014)  # $662.53M


def test_dollars_2024_restates_each_price_from_its_own_year():
    out = _results("--dollars", "2024")
    assert out["dollars"] == 2024
    by_id = out["by_id"]
    assert by_id["annual_value_usd"]["value"] == 286_000_000  # the pay figures are 2024 prices already
    assert by_id["ratio_to_s400_price_china"]["value"] == pytest.approx(286e6 / (500e6 * CPI_2024 / CPI_2014))
    assert by_id["shortfall_to_s400_price_turkey"]["value"] == pytest.approx(625e6 * CPI_2024 / CPI_2017 - 286e6)
    assert by_id["shortfall_to_s400_price_turkey"]["dollars"] == 2024
    assert by_id["shortfall_to_s400_price_india"]["value"] == pytest.approx(1.3e9 * CPI_2024 / CPI_2018 - 286e6)


def test_dollars_2014_deflates_the_annual_value():
    by_id = _results("--dollars", "2014")["by_id"]
    assert by_id["annual_value_usd"]["value"] == pytest.approx(286e6 * CPI_2014 / CPI_2024)
    assert by_id["ratio_to_s400_price_china"]["value"] == pytest.approx(286e6 * CPI_2014 / CPI_2024 / 500e6)


def test_an_amount_without_a_cpi_year_stays_nominal_and_says_so():
    out = _results("--dollars", "2024")
    assert out["by_id"]["share_of_total_deal"]["dollars"] == "nominal"
    assert "Lowy's total value of the deal left in nominal dollars, and every row using it: no CPI-U for 2025 (the data has 2014–2024)" in out["warnings"]


def test_the_default_stays_nominal():
    assert _results()["dollars"] is None


def test_a_year_with_no_cpi_is_refused():
    result = run("deal-value", "--dollars", "2030")
    assert (result.exit_code, result.stderr) == (2, "Error: --dollars 2030: no CPI-U for 2030 (the data has 2014–2024)\n")


def test_won_pay_in_dollars_at_its_dated_rate_and_the_rate_it_implies():
    out = json.loads(run("figures", "--quantity", "monthly_pay", "--format", "json").stdout)
    won = next(f for f in out["figures"] if f["id"] == "pay_krw_monthly")
    implied = next(c for c in won["in_usd"] if c["rate_figure"] == "krw_per_usd_implied")
    assert (implied["value"], implied["as_of"]) == (pytest.approx(2_750_000 / 1_375), "2024-10")
    press = next(c for c in won["in_usd"] if c["rate_figure"] == "krw_per_usd_press")
    assert (press["low"], press["high"]) == (pytest.approx(2_750_000 / 1_391), pytest.approx(2_750_000 / 1_375))
    rates = {r["against"]: r["per_usd"] for r in won["implied_rates"]}
    assert rates["pay_nis_monthly"] == {"value": 1375, "low": 1375, "high": 1375}
    # Against the mercenaries' $2,000-3,000 the won figure implies the whole range of rates, not its low end.
    assert rates["pay_mercenary_monthly"] == {"value": None, "low": pytest.approx(2_750_000 / 3_000), "high": 1375}
    assert "≈ $2,000 at 1,375 KRW/USD (2024-10) [krw_per_usd_implied]" in run("figures", "--quantity", "monthly_pay", "--format", "markdown").stdout


def test_mixing_bases_currencies_or_years_is_an_error(ds):
    china, turkey = (money.money_of(ds, ds.figures[f]) for f in ("s400_price_china", "s400_price_turkey"))
    with pytest.raises(money.MoneyError, match=r"cannot add USD per regiment, 2014 prices to USD per system unit unstated, 2017 prices: the price years differ"):
        money.add(china, turkey)
    with pytest.raises(money.MoneyError, match=r"cannot rank prices on different bases \(USD per regiment; USD per system unit unstated\): compare within one basis"):
        money.ranked([china, turkey])
    won = money.money_of(ds, ds.figures["pay_krw_monthly"])
    dollars = money.money_of(ds, ds.figures["pay_nis_monthly"])
    with pytest.raises(money.MoneyError, match="the currencies differ"):
        money.add(won, dollars)
    with pytest.raises(money.MoneyError, match="constant dollars apply to USD, not KRW: convert first"):
        money.in_dollars_of(won, 2024, money.cpi_index(ds))
    assert money.add(dollars, dollars).amount == Range(4000, 4000, 4000)


def test_prices_are_ranked_only_within_a_basis(ds):
    table = compute.comparison(ds, compute.env_for(ds, compute.inputs_for(ds, [])), "s400")
    groups = {basis: [m.figure.id for m in members] for basis, members in table.groups}
    assert groups == {"per regiment": ["s400_price_china"], "per system unit unstated": ["s400_price_turkey", "s400_price_india"]}


def test_contract_records_restate_prices_per_unit_as_context(ds):
    rows = {r.id: r for r in context_rows(ds, compute.env_for(ds, compute.inputs_for(ds, [])), "s400")}
    india = rows["context_s400_contract_india_per_unit"]
    assert (india.range.value, india.unit, india.basis, india.context) == (pytest.approx(5.43e9 / 5), "USD/regiment", "per regiment", True)  # $1.086B
    assert ("China's S-400 contract per battalion (approximately) puts China's S-400 price's amount per battalion, "
            "where the article says per regiment") in basis_flags(ds, list(rows.values()))


def test_the_articles_range_is_flagged_as_mixing_bases(ds):
    assert compute.range_flags(ds, ["s400_price_china", "s400_price_turkey", "s400_price_india"]) == [
        "Lowy's S-400 price range runs from China's S-400 price (per regiment) and India's S-400 price (per system unit unstated): it mixes bases",
    ]


def test_context_rows_are_marked_and_absent_without_the_flag():
    plain, marked = run("deal-value").stdout, run("deal-value", "--context").stdout
    assert "[context]" not in plain and "contract record" not in plain
    assert ("Context: figures from outside the audited articles (not used by the results above; "
            "the claim “Troop value, new weapons and the arms deliveries FNF estimated put the whole deal likely above $7B” "
            "is recomputed from some of them)") in " ".join(marked.split())
    assert "[context] DPRK arms deliveries since Feb 2022 (FNF)" in marked
    assert "context" not in json.loads(run("deal-value", "--format", "json").stdout)
    assert json.loads(run("deal-value", "--format", "json").stdout)["results"] == json.loads(run("deal-value", "--format", "json", "--context").stdout)["results"]


def test_the_rub_bonus_is_a_candidate_reading_of_314m_not_the_articles_method():
    out = json.loads(run("deal-value", "--context", "--format", "json").stdout)
    claim = next(c for c in out["claims"] if c["id"] == "lowy-annual-value")
    assert claim["status"] == "unexplained"  # the article's own inputs still do not give it
    (candidate,) = claim["candidates"]
    assert candidate["computed"]["value"] == pytest.approx(11_000 * (2_000 * 12 + 400_000 / 88))  # $314.0M
    assert (candidate["holds"], candidate["context"]) == (True, True)
    rows = {r["id"]: r for r in out["context"]}
    assert rows["context_unexplained_lowy-total-deal"]["value"] == pytest.approx(7e9 - 5.5e9 - 314e6)
    assert "context_casualty_rate_zelensky" not in rows  # model.yaml names casualties for it
    casualties = {r["id"]: r for r in json.loads(run("casualties", "--context", "--format", "json").stdout)["context"]}
    assert casualties["context_casualty_rate_zelensky"]["value"] == pytest.approx(3_800 / 12_000)
    assert "context_fnf_arms_deliveries" not in casualties and "context_unexplained_lowy-total-deal" not in casualties


def test_a_foreign_currency_input_needs_its_rate(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    edit(data_copy / "claims.yaml", "bonus_usd: {figure: ru_signon_bonus, per: rub_per_usd}", "bonus_usd: {figure: ru_signon_bonus}")
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].endswith(
        "claims[lowy-annual-value].candidates[0].inputs.bonus_usd: figure ru_signon_bonus is in RUB/soldier; bonus_usd is in USD/soldier (convert it with per: RATE)"
    )


def test_a_simulation_in_constant_dollars_matches_the_tables(tmp_path: Path):
    import numpy as np

    args = ("deal-value", "--simulate", "20000", "--seed", "5", "--set", "troops=15000..25000", "--format", "json")
    nominal = json.loads(run(*args).stdout)
    deflated = json.loads(run(*args, "--dollars", "2014").stdout)
    assert deflated["simulation"]["p50"] == pytest.approx(nominal["simulation"]["p50"] * CPI_2014 / CPI_2024)
    samples = tmp_path / "s.npy"
    restated = json.loads(run(*args, "--dollars", "2024", "--samples-out", str(samples)).stdout)
    annual = np.load(samples)["annual_value_usd"]  # the pay figures are 2024 prices: no change
    china = next(p for p in restated["probabilities"] if p["figure"] == "s400_price_china")
    assert china["probability"] == float((annual >= 500e6 * CPI_2024 / CPI_2014).mean())
    assert china["probability"] < next(p for p in nominal["probabilities"] if p["figure"] == "s400_price_china")["probability"]
