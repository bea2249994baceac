"""Calculations over the model in data: hand-checked values from the articles, and invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nkru import compute
from nkru.engine import graph
from nkru.engine.bands import place, stated_bands
from nkru.engine.claims import reconcile
from nkru.load import load_dataset
from nkru.model import Input, Range


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def _set(name, value, origin):
    """An input as --set gives it."""
    return Input(name, value, load_dataset().inputs[name].unit, origin, (), None)


def _row(ds, qid, overrides=()):
    return compute.quantity_row(ds, compute.env_for(ds, compute.inputs_for(ds, list(overrides))), qid)


def test_annual_value_default_is_11000_soldiers_at_26000_a_year(ds):
    row = _row(ds, "annual_value_usd")
    # 11,000 × (2,000 × 12 + 2,000); low the same (INSS's 10,000 is a hypothetical, not a
    # deployment: not in the troops range); high 12,000 × (3,000 × 12 + 2,000)
    assert row.range == Range(286_000_000, 286_000_000, 456_000_000)
    assert row.exact
    assert row.inputs == ("troops", "monthly_pay_usd", "months", "bonus_usd")


def test_override_recomputes_and_ranges_drop_the_central_value(ds):
    row = _row(ds, "annual_value_usd", [_set("troops", Range.point(12_000), "--set troops=12000")])
    assert row.range == Range(312_000_000, 312_000_000, 456_000_000)
    assert row.set_by == ("--set troops=12000",)
    assert _row(ds, "annual_value_usd", [_set("troops", Range(None, 10_000, 12_000), "--set troops=10000..12000")]).range.value is None


def test_an_overridden_input_is_credited_to_the_override_not_its_figures(ds):
    row = _row(ds, "casualty_rate", [_set("troops", Range.point(15_000), "--set troops=15000")])
    assert row.sources == ("lowy",)  # losses_lowy only: no troop figure states 15,000


def test_casualty_rate_low_end_divides_fewest_losses_by_most_troops(ds):
    computed = compute.command(ds, "casualties", compute.inputs_for(ds, []))
    rate = computed.results[0]
    assert rate.range.low == pytest.approx(1_000 / 12_000)
    assert rate.range.high == pytest.approx(3_800 / 11_000)
    assert rate.range.value is None  # the article gives losses only as a range
    low_end, high_end = computed.placements
    assert low_end.band is None and low_end.above.figure.id == "casualty_threshold_cohesion"
    assert high_end.band.figure.id == "casualty_threshold_ineffective"


def test_variants_recompute_on_each_stated_troop_count(ds):
    computed = compute.command(ds, "deal-value", compute.inputs_for(ds, []))
    by_id = {r.id: r for r in computed.results}
    assert by_id["annual_value_usd_on_troops_lowy"].range == Range(286e6, 286e6, 418e6)
    assert by_id["annual_value_usd_on_troops_brief_kursk"].label == "Value on 12,000 troops"
    assert by_id["annual_value_usd_on_troops_brief_hypothetical"].label == "Value on INSS's hypothetical 10,000 a year (not a deployment)"
    assert by_id["annual_value_usd_on_troops_brief_kursk"].formula == "troops_brief_kursk * (monthly_pay_usd * months + bonus_usd)"


@pytest.mark.parametrize(
    ("rate", "band", "below", "above"),
    [
        (0.05, None, None, "casualty_threshold_cohesion"),
        (0.10, "casualty_threshold_cohesion", None, None),
        (0.15, "casualty_threshold_cohesion", None, None),
        (0.20, None, "casualty_threshold_cohesion", "casualty_threshold_ineffective"),
        (0.30, None, "casualty_threshold_cohesion", "casualty_threshold_ineffective"),  # "exceeding 30%"
        (0.31, "casualty_threshold_ineffective", None, None),
    ],
)
def test_a_rate_between_bands_gets_no_label(ds, rate, band, below, above):
    placement = place(rate, stated_bands(ds, "casualty_rate"))

    def ident(b):
        return b.figure.id if b else None

    assert (ident(placement.band), ident(placement.below), ident(placement.above)) == (band, below, above)


def test_price_comparison_against_lowys_314m(ds):
    inputs = compute.inputs_for(ds, [])
    env = compute.env_for(ds, inputs)
    env = env._replace(ranges=env.ranges | {"troops": Range.point(11_000), "monthly_pay_usd": Range.point(314e6 / 11_000 / 12), "bonus_usd": Range.point(0)})
    table = compute.comparison(ds, env, "s400")
    china = next(m for _, members in table.groups for m in members if m.figure.id == "s400_price_china")
    ratio, shortfall, years, lowy_ratio, lowy_years = china.rows
    assert ratio.range.value == pytest.approx(0.628)
    assert shortfall.range.value == pytest.approx(186_000_000)
    assert years.range.value == pytest.approx(500 / 314)  # no bonus here: every year is alike
    assert years.unit == "years"
    # Lowy's own comparison beside it: $314M is 62.8% of $500M; with its bonus paid once and later
    # years at this pay ($314M, no bonus) it is again 1 + 186 / 314 years.
    assert lowy_ratio.range.value == pytest.approx(0.628)
    assert lowy_years.range.value == pytest.approx(1 + 186 / 314)
    assert table.warnings[0] == (
        "the prices are on different bases (per regiment; per system unit unstated): "
        "a comparison across them is not like for like"
    )


def test_years_to_equal_does_not_change_with_the_period_counted(ds):
    """24 months of pay double the value and the years needed halve, times two years: the same."""
    one = compute.command(ds, "deal-value", compute.inputs_for(ds, [_set("bonus_usd", Range.point(0), "x")]))
    two = compute.command(ds, "deal-value", compute.inputs_for(ds, [_set("bonus_usd", Range.point(0), "x"), _set("months", Range.point(24), "y")]))
    pick = {r.id: r for r in one.results}, {r.id: r for r in two.results}
    assert pick[0]["years_to_equal_s400_price_china"].range.value == pytest.approx(pick[1]["years_to_equal_s400_price_china"].range.value)


def _outcome(ds, claim_id):
    return reconcile(ds, next(c for c in ds.claims if c.id == claim_id))


def test_lowy_casualty_rate_reproduces_by_rounding(ds):
    outcome = _outcome(ds, "lowy-casualty-rate")
    assert outcome.status == "reproduces"
    assert outcome.computed.low == pytest.approx(100 / 11)  # 9.09 %
    assert outcome.computed.high == pytest.approx(3_800 / 110)  # 34.55 %


def test_lowy_314m_does_not_reproduce_and_shows_what_it_needs(ds):
    outcome = _outcome(ds, "lowy-annual-value")
    assert outcome.status == "unexplained"
    assert outcome.computed.value == 286_000_000
    implied = {i.name: i.value for i in outcome.implied}
    assert implied["bonus_usd"] == pytest.approx(314_000_000 / 11_000 - 24_000)  # 4,545.45
    assert implied["monthly_pay_usd"] == pytest.approx((314_000_000 / 11_000 - 2_000) / 12)  # 2,212.12


def test_brief_320m_reproduces_with_lim_inputs_not_nis(ds):
    assert _outcome(ds, "brief-annual-value").computed.value == 320_000_000
    nis = _outcome(ds, "brief-annual-value-nis")
    assert (nis.status, nis.computed.value) == ("unexplained", 260_000_000)
    assert nis.implied[0].value == pytest.approx(2_500)


def test_total_deal_leaves_1186m_unexplained(ds):
    outcome = _outcome(ds, "lowy-total-deal")
    assert outcome.computed.value == 5_814_000_000
    assert outcome.implied[0].value == pytest.approx(1_186_000_000)


def test_far_short_claim_holds(ds):
    outcome = _outcome(ds, "lowy-s400-far-short")
    assert (outcome.status, outcome.computed.value) == ("reproduces", pytest.approx(0.628))


def test_the_candidate_reading_of_314m_reproduces_it(ds):
    candidate = _outcome(ds, "lowy-annual-value").candidates[0]
    assert candidate.computed.value == pytest.approx(11_000 * (2_000 * 12 + 400_000 / 88))
    assert candidate.holds


positive = st.floats(min_value=1, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def ranges(draw):
    a, b = sorted((draw(positive), draw(positive)))
    centre = draw(st.one_of(st.none(), st.floats(min_value=a, max_value=b)))
    return Range(centre, a, b)


@given(ranges(), ranges(), ranges(), ranges())
def test_annual_value_bounds_hold_the_centre(troops, pay, months, bonus):
    ds = load_dataset()
    env = {"troops": troops, "monthly_pay_usd": pay, "months": months, "bonus_usd": bonus}
    r, exact = graph.bounds(ds, ["annual_value_usd"], env)["annual_value_usd"]
    assert exact and r.low <= r.high
    if r.value is not None:
        assert r.low * (1 - 1e-12) <= r.value <= r.high * (1 + 1e-12)
    assert r.low == pytest.approx(troops.low * (pay.low * months.low + bonus.low))


@given(positive, positive, positive, positive, st.floats(min_value=1.01, max_value=10))
def test_annual_value_grows_with_every_input(troops, pay, months, bonus, factor):
    ds = load_dataset()
    base = {"troops": troops, "monthly_pay_usd": pay, "months": months, "bonus_usd": bonus}
    value = graph.at(ds, "annual_value_usd", base)
    for name in base:
        assert graph.at(ds, "annual_value_usd", base | {name: base[name] * factor}) > value


@given(positive, positive, positive, positive, st.sampled_from(["troops", "monthly_pay_usd", "months", "bonus_usd"]))
def test_solve_inverts_the_formula(troops, pay, months, bonus, name):
    ds = load_dataset()
    inputs = {"troops": troops, "monthly_pay_usd": pay, "months": months, "bonus_usd": bonus}
    target = graph.at(ds, "annual_value_usd", inputs)
    solved = graph.solve(ds, "annual_value_usd", inputs, name, target)
    # The solved input must give the target back (the input itself can be ill-conditioned:
    # a $1 bonus beside $1M of pay barely moves the total).
    assert graph.at(ds, "annual_value_usd", inputs | {name: solved}) == pytest.approx(target, rel=1e-12)


def test_solve_says_none_when_no_value_reaches_the_target(ds):
    # losses / troops never reaches 0 for any number of troops
    assert graph.solve(ds, "casualty_rate", {"losses": 1_000, "troops": 1}, "troops", 0.0) is None


def test_solve_gives_a_value_below_zero_when_that_is_the_answer(ds):
    # 1 × (1 × 1 + bonus) = −5 needs a bonus of −6: the input's limits rule it out, solve still says it
    assert graph.solve(ds, "annual_value_usd", {"troops": 1, "monthly_pay_usd": 1, "months": 1, "bonus_usd": 1}, "bonus_usd", -5) == pytest.approx(-6)


@given(ranges(), ranges())
def test_casualty_rate_bounds(losses, troops):
    ds = load_dataset()
    r, _ = graph.bounds(ds, ["casualty_rate"], {"losses": losses, "troops": troops})["casualty_rate"]
    assert math.isclose(r.low, losses.low / troops.high) and math.isclose(r.high, losses.high / troops.low)
