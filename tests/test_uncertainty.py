"""Uncertainty: readings of ranges, seeded simulation against closed forms, probabilities,
sensitivity and solving."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import edit, run

N = "100000"


def _sim(*args: str) -> dict:
    result = run("deal-value", "--simulate", N, "--seed", "1", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_product_of_uniforms_matches_the_exact_percentiles():
    # uniform(10k, 12k) × uniform(2000, 3000) × 12: exact p5 $264.4M, p50 $329.1M, p95 $400.2M
    out = _sim("--set", "troops=10000..12000", "--set", "monthly_pay_usd=2000..3000", "--set", "bonus_usd=0")["simulation"]
    for key, exact in (("p5", 264.4e6), ("p50", 329.1e6), ("p95", 400.2e6)):
        assert out[key] == pytest.approx(exact, rel=0.01), key
    assert out["samples"] == 100_000 and out["seed"] == 1


@pytest.mark.parametrize("reading", ["lognormal90", "normal90"])
def test_a_90_percent_reading_puts_low_and_high_at_p5_and_p95(reading: str):
    # Squiggle's `10000 to 12000` (lognormal) and Guesstimate's normal 90% interval; pay and bonus held.
    out = _sim("--set", f"troops=10000..12000:{reading}", "--set", "monthly_pay_usd=2000")["simulation"]
    assert out["p5"] == pytest.approx(10_000 * 26_000, rel=0.01)
    assert out["p95"] == pytest.approx(12_000 * 26_000, rel=0.01)
    assert out["readings"]["troops"] == reading


def test_triangular_median_matches_its_closed_form():
    # triangular(a=10000, c=10500, b=12000): c < midpoint, so median = b - sqrt((b-a)(b-c)/2)
    out = _sim("--set", "troops=10000..12000:triangular@10500", "--set", "monthly_pay_usd=2000")["simulation"]
    assert out["p50"] == pytest.approx((12_000 - math.sqrt(2_000 * 1_500 / 2)) * 26_000, rel=0.01)


def test_the_same_seed_gives_the_same_output_and_another_seed_does_not():
    args = ("deal-value", "--simulate", "20000", "--format", "json")
    first, second = run(*args, "--seed", "3").stdout, run(*args, "--seed", "3").stdout
    assert first == second
    assert json.loads(run(*args, "--seed", "4").stdout)["simulation"]["p50"] != json.loads(first)["simulation"]["p50"]


def test_json_states_the_reading_of_every_input():
    out = _sim("--set", "troops=10000..12000:triangular@11000")
    assert {n: a["reading"] for n, a in out["assumptions"].items()} == {
        "troops": "triangular", "monthly_pay_usd": "uniform", "months": "point", "bonus_usd": "point",
    }
    assert out["assumptions"]["troops"]["mode"] == 11_000


def test_casualty_band_probabilities_cover_every_sample():
    result = run("casualties", "--simulate", N, "--seed", "7", "--format", "json")
    probabilities = {p["id"]: p["probability"] for p in json.loads(result.stdout)["probabilities"]}
    assert list(probabilities) == [
        "p_gap_before_casualty_threshold_cohesion", "p_in_casualty_threshold_cohesion",
        "p_gap_before_casualty_threshold_ineffective", "p_in_casualty_threshold_ineffective",
    ]
    assert sum(probabilities.values()) == pytest.approx(1.0)
    # losses uniform(1000, 3800) over troops uniform(11000, 12000): 30% of troops runs 3,300-3,600,
    # so P(rate > 30%) = mean of (3800 - x) / 2800 over that = 350 / 2800 = 12.5%
    assert probabilities["p_in_casualty_threshold_ineffective"] == pytest.approx(0.125, abs=0.01)


def test_price_probabilities_match_the_samples(tmp_path: Path):
    samples = tmp_path / "s.npy"
    out = _sim("--set", "troops=15000..20000", "--samples-out", str(samples))
    drawn = np.load(samples)
    share = float((drawn["annual_value_usd"] >= 500e6).mean())
    assert next(p["probability"] for p in out["probabilities"] if p["figure"] == "s400_price_china") == share
    assert 0 < share < 1


def test_samples_out_csv_holds_inputs_and_result(tmp_path: Path):
    path = tmp_path / "samples.csv"
    result = run("deal-value", "--simulate", "500", "--samples-out", str(path))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 500 and list(rows[0]) == ["troops", "monthly_pay_usd", "months", "bonus_usd", "annual_value_usd"]
    row = {k: float(v) for k, v in rows[0].items()}
    assert row["annual_value_usd"] == pytest.approx(row["troops"] * (row["monthly_pay_usd"] * row["months"] + row["bonus_usd"]))
    again = run("deal-value", "--simulate", "500", "--samples-out", str(path))
    assert (again.exit_code, again.stderr) == (2, f"Error: --samples-out {path}: exists; add --force to replace it\n")


def test_samples_out_needs_simulate(tmp_path: Path):
    result = run("deal-value", "--samples-out", str(tmp_path / "x.csv"))
    assert (result.exit_code, result.stderr) == (2, "Error: --samples-out needs --simulate N\n")


def test_a_floor_with_no_upper_bound_cannot_be_sampled(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    edit(data_copy / "figures.yaml", "    value: 11_000\n    qualifier: exact", "    value: 11_000\n    qualifier: at least")
    out = json.loads(run("deal-value", "--data", str(data_copy), "--scenario", "lowy", "--format", "json").stdout)
    assert out["assumptions"]["troops"]["reading"] == "at least (no upper bound stated)"
    result = run("deal-value", "--data", str(data_copy), "--scenario", "lowy", "--simulate", "100")
    assert (result.exit_code, result.stderr) == (
        2, "Error: troops is stated only as a floor (scenario lowy), with no upper bound: give --set troops=LOW..HIGH to simulate it\n",
    )


def test_simulation_shows_in_the_table():
    out = run("casualties", "--simulate", "2000", "--seed", "2").stdout
    out = " ".join(out.split())
    assert "Simulation of Casualty rate (losses ÷ troops): 2,000 samples, seed 2" in out
    assert "over 30%: often combat-ineffective" in out


def test_numpy_is_loaded_only_to_simulate():
    code = (
        "import sys\nfrom nkru.cli import main\nsys.argv = ['nkru', 'deal-value', '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nsys.stderr.write(str('numpy' in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == "False"


# ---------------------------------------------------------------------------- sensitivity, solve


def test_sensitivity_ranks_inputs_by_swing():
    out = json.loads(run("sensitivity", "deal-value", "--format", "json").stdout)
    assert out["baseline"] == 286_000_000
    # pay $2,000-3,000 on 11,000 troops: 11,000 x 12,000 = $132M; troops 11,000-12,000 on $26,000: $26M
    assert [(i["name"], i["swing"]) for i in out["inputs"]] == [("monthly_pay_usd", 132_000_000), ("troops", 26_000_000)]
    correlations = [i["rank_correlation"] for i in out["inputs"]]
    assert correlations[0] > correlations[1] > 0
    table = " ".join(run("sensitivity", "casualties").stdout.split())
    assert "Sensitivity of Casualty rate (losses ÷ troops)" in table and "Losses (killed" in table and "losses_" not in table


def test_solve_how_many_troops_for_500m():
    out = json.loads(run("solve", "annual_value_usd=500000000", "--for", "troops", "--format", "json").stdout)
    assert out["value"] == pytest.approx(500e6 / 26_000)  # ≈ 19,231
    assert out["held"] == {"monthly_pay_usd": 2000, "months": 12, "bonus_usd": 2000}
    assert "Troops deployed: 19,200 soldiers" in run("solve", "annual_value_usd=500000000", "--for", "troops").stdout


def test_solve_a_percentage_target():
    out = json.loads(run("solve", "casualty_rate=30%", "--for", "losses", "--format", "json").stdout)
    assert out["value"] == pytest.approx(3_300)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["annual_value_usd=5e8", "--for", "losses"], "Error: --for losses: annual_value_usd depends on troops, monthly_pay_usd, months, bonus_usd\n"),
        (["casualty_rate=0.3", "--for", "troops"], "Error: losses has only a range here; give it a value to hold it at (--set losses=VALUE)\n"),
        (["deal=5", "--for", "troops"],
         "Error: solve deal: unknown quantity 'deal' (known: annual_value_usd, payroll_usd, one_off_usd, casualty_rate, monthly_loss_rate, "
         "share_of_total_deal); `nkru calc` lists them\n"),
        (["annual_value_us=5", "--for", "troops"], "Error: solve annual_value_us: unknown quantity 'annual_value_us' (did you mean annual_value_usd?); `nkru calc` lists them\n"),
        (["annual_value_usd", "--for", "troops"], "Error: annual_value_usd: expected QUANTITY=TARGET, e.g. annual_value_usd=500000000\n"),
    ],
)
def test_solve_errors(args, message):
    result = run("solve", *args)
    assert (result.exit_code, result.stderr) == (2, message)
