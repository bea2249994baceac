"""Calculations: hand-checked values from the articles, and invariants over any inputs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nkru import calc
from nkru.load import load_dataset
from nkru.model import Override, Range


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def test_annual_value_default_is_11000_soldiers_at_26000_a_year(ds):
    result = calc.annual_value(ds, calc.inputs_for(ds, []))
    # 11,000 × (2,000 × 12 + 2,000); low 10,000 × 26,000; high 12,000 × (3,000 × 12 + 2,000)
    assert result.range == Range(286_000_000, 260_000_000, 456_000_000)


def test_override_recomputes_and_ranges_drop_the_central_value(ds):
    inputs = calc.inputs_for(ds, [Override("troops", Range.point(12_000), "--set troops=12000")])
    assert calc.annual_value(ds, inputs).range == Range(312_000_000, 312_000_000, 456_000_000)
    inputs = calc.inputs_for(ds, [Override("troops", Range(None, 10_000, 12_000), "--set troops=10000..12000")])
    assert calc.annual_value(ds, inputs).range.value is None


def test_casualty_rate_low_end_divides_fewest_losses_by_most_troops(ds):
    result, low_end, high_end = calc.casualty_rate(ds, calc.inputs_for(ds, []))
    assert result.range.low == pytest.approx(1_000 / 12_000)
    assert result.range.high == pytest.approx(3_800 / 10_000)
    assert result.range.value is None  # the article gives losses only as a range
    assert low_end.band is None and low_end.above.figure.id == "casualty_threshold_cohesion"
    assert high_end.band.figure.id == "casualty_threshold_ineffective"


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
    placement = calc.place(rate, calc.bands(ds))

    def ident(b):
        return b.figure.id if b else None

    assert (ident(placement.band), ident(placement.below), ident(placement.above)) == (band, below, above)


def test_price_comparison_lowest_s400(ds):
    rows, warning = calc.compare_prices(ds, Range.point(314_000_000))
    china = next(r for r in rows if r.figure.id == "s400_price_china")
    assert china.ratio.value == pytest.approx(0.628)
    assert china.shortfall.value == pytest.approx(186_000_000)
    assert china.years_to_equal.value == pytest.approx(500 / 314)
    assert warning == (
        "the prices are on different bases (per regiment; per system unit unstated): "
        "a comparison across them is not like for like"
    )


def _outcome(ds, claim_id):
    return calc.reconcile(ds, next(c for c in ds.claims if c.id == claim_id))


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


positive = st.floats(min_value=1, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def ranges(draw):
    a, b = sorted((draw(positive), draw(positive)))
    centre = draw(st.one_of(st.none(), st.floats(min_value=a, max_value=b)))
    return Range(centre, a, b)


@given(ranges(), ranges(), ranges(), ranges())
def test_annual_value_bounds_hold_the_centre(troops, pay, months, bonus):
    r = calc.evaluate("annual_value_usd", {"troops": troops, "monthly_pay_usd": pay, "months": months, "bonus_usd": bonus})
    assert r.low <= r.high
    if r.value is not None:
        assert r.low * (1 - 1e-12) <= r.value <= r.high * (1 + 1e-12)
    assert r.low == pytest.approx(troops.low * (pay.low * months.low + bonus.low))


@given(positive, positive, positive, positive, st.floats(min_value=1.01, max_value=10))
def test_annual_value_grows_with_every_input(troops, pay, months, bonus, factor):
    base = {"troops": troops, "monthly_pay_usd": pay, "months": months, "bonus_usd": bonus}
    value = calc.FORMULAS["annual_value_usd"](**base)
    for name in base:
        assert calc.FORMULAS["annual_value_usd"](**(base | {name: base[name] * factor})) > value


@given(positive, positive, positive, positive, st.sampled_from(["troops", "monthly_pay_usd", "months", "bonus_usd"]))
def test_solve_inverts_the_formula(troops, pay, months, bonus, name):
    inputs = {"troops": troops, "monthly_pay_usd": pay, "months": months, "bonus_usd": bonus}
    target = calc.FORMULAS["annual_value_usd"](**inputs)
    solved = calc.solve("annual_value_usd", inputs, name, target)
    # The solved input must give the target back (the input itself can be ill-conditioned:
    # a $1 bonus beside $1M of pay barely moves the total).
    assert calc.FORMULAS["annual_value_usd"](**(inputs | {name: solved})) == pytest.approx(target, rel=1e-12)


def test_solve_says_none_when_no_value_reaches_the_target():
    # With no troops' pay at all, a bonus alone of any size still reaches a target; a negative target it cannot.
    assert calc.solve("annual_value_usd", {"troops": 1, "monthly_pay_usd": 1, "months": 1, "bonus_usd": 1}, "bonus_usd", -5) is None


@given(ranges(), ranges())
def test_casualty_rate_bounds(losses, troops):
    r = calc.evaluate("casualty_rate", {"losses": losses, "troops": troops})
    assert math.isclose(r.low, losses.low / troops.high) and math.isclose(r.high, losses.high / troops.low)
