"""The edges of the checks themselves: each test here fails if a comparison in the audit is
loosened or flipped (< for <=, a wider tolerance, an open band end closed), so the audit's own
code is tested, not only the data it is run on."""

from __future__ import annotations

import re

import pytest

from nkru.engine import bands
from nkru.engine.claims import compared, holds, reconcile
from nkru.errors import DataError
from nkru.load import load_dataset
from nkru.model import Comparison, Range
from nkru.model.schema import Claim


def _claim(**fields) -> Claim:
    base = {"id": "c", "source": "lowy", "says": "s", "formula": "x", "inputs": {"x": "troops_lowy"}, "stated": "troops_lowy", "expect": "reproduces"}
    return Claim(**(base | fields))


@pytest.mark.parametrize(("computed", "ok"), [(100.0, True), (100.0 * (1 + 1e-10), True), (101.0, False), (99.0, False), (100.0 * (1 - 1e-6), False)])
def test_equal_allows_float_noise_but_not_one_percent(computed: float, ok: bool):
    assert holds(_claim(), "equal", Range.point(computed), Range.point(100.0)) is ok


@pytest.mark.parametrize(("computed", "round_to", "ok"), [(314.4e6, 1e6, True), (314.5e6, 1e6, False), (313.6e6, 1e6, True), (313.4e6, 1e6, False)])
def test_equal_after_rounding_rounds_half_up_to_the_step(computed: float, round_to: float, ok: bool):
    assert holds(_claim(round_to=round_to), "equal", Range.point(computed), Range.point(314e6)) is ok


@pytest.mark.parametrize(("computed", "ok"), [(314e6, True), (313.9e6, False), (345.4e6, True), (345.5e6, False)])
def test_at_least_with_a_ceiling_has_both_ends(computed: float, ok: bool):
    claim = _claim(test="at least", ceiling=1.1, words="barely")
    assert holds(claim, "at least", Range.point(computed), Range.point(314e6)) is ok


def test_at_least_without_a_ceiling_is_open_above():
    assert holds(_claim(test="at least"), "at least", Range.point(1e12), Range.point(314e6))


@pytest.mark.parametrize(("computed", "ok"), [(470.0, True), (470.1, False), (300.0, True)])
def test_at_most_is_against_the_top_of_the_stated_range(computed: float, ok: bool):
    assert holds(_claim(test="at most"), "at most", Range.point(computed), Range(None, 450.0, 470.0)) is ok


@pytest.mark.parametrize(("ratio", "ok"), [(0.8, True), (1.25, True), (0.79, False), (1.26, False)])
def test_between_includes_both_bounds(ratio: float, ok: bool):
    claim = _claim(test="between", within=[0.8, 1.25], words="not much different")
    assert holds(claim, "between", Range.point(500.0 * ratio), Range.point(500.0)) is ok


@pytest.mark.parametrize(("value", "ok"), [(0.999, True), (1.0, False), (1.001, False)])
def test_a_comparison_below_is_strict(value: float, ok: bool):
    claim = _claim(stated=Comparison(below=1.0, text="far short"))
    assert compared(claim, Range.point(value)) is ok


@pytest.mark.parametrize(("value", "ok"), [(0.801, True), (0.8, False), (1.249, True), (1.25, False)])
def test_a_comparison_between_above_and_below_is_strict_at_both(value: float, ok: bool):
    claim = _claim(stated=Comparison(above=0.8, below=1.25, text="not much different"))
    assert compared(claim, Range.point(value)) is ok


@pytest.mark.parametrize(("rate", "band", "below", "above"), [
    (0.0999, None, None, "casualty_threshold_cohesion"),
    (0.10, "casualty_threshold_cohesion", None, None),   # a stated range includes its ends
    (0.15, "casualty_threshold_cohesion", None, None),
    (0.1501, None, "casualty_threshold_cohesion", "casualty_threshold_ineffective"),
    (0.30, None, "casualty_threshold_cohesion", "casualty_threshold_ineffective"),  # "over 30%": 30% itself is not over
    (0.3001, "casualty_threshold_ineffective", None, None),
    (1.0, "casualty_threshold_ineffective", None, None),  # a floor is open above
])
def test_band_edges_follow_the_sources_words(rate: float, band: str | None, below: str | None, above: str | None):
    ds = load_dataset()
    placed = bands.place(rate, bands.stated_bands(ds, "casualty_rate"))
    assert (placed.band and placed.band.figure.id, placed.below and placed.below.figure.id, placed.above and placed.above.figure.id) == (band, below, above)


# ---------------------------------------------------------------------------- ends of ranges, defaults


@pytest.mark.parametrize(("computed", "test", "ok"), [
    (Range(None, 300.0, 400.0), "at least", False),   # a range with no central value is tested at its low end
    (Range(None, 320.0, 400.0), "at least", True),
    (Range(None, 300.0, 480.0), "at most", True),
    (Range(None, 480.0, 490.0), "at most", False),
])
def test_a_range_without_a_central_value_is_tested_at_its_low_end(computed: Range, test: str, ok: bool):
    assert holds(_claim(test=test), test, computed, Range(None, 310.0, 470.0)) is ok


def test_at_least_rounds_to_the_step_before_comparing():
    assert holds(_claim(test="at least", round_to=1e6), "at least", Range.point(313.6e6), Range.point(314e6))
    assert not holds(_claim(test="at least", round_to=1e6), "at least", Range.point(313.4e6), Range.point(314e6))


def test_float_noise_at_the_ceiling_still_holds():
    stated = Range.point(314e6)
    noisy = Range.point(314e6 * 1.1 * (1 + 1e-12))
    assert holds(_claim(test="at least", ceiling=1.1, words="barely"), "at least", noisy, stated)


def test_equal_near_zero_uses_an_absolute_tolerance():
    assert holds(_claim(), "equal", Range.point(1e-13), Range.point(0.0))
    assert not holds(_claim(), "equal", Range.point(1e-9), Range.point(0.0))


@pytest.mark.parametrize(("computed", "stated", "ok"), [(0.5, 0.5, True), (1.0, 0.0, False), (0.0, 0.0, False)])
def test_between_needs_a_positive_stated_figure_to_divide_by(computed: float, stated: float, ok: bool):
    claim = _claim(test="between", within=[0.8, 1.25], words="not much different")
    assert holds(claim, "between", Range.point(computed), Range.point(stated)) is ok


def test_a_comparison_in_words_tests_the_top_of_a_range_without_a_central_value():
    claim = _claim(stated=Comparison(below=1.0, text="far short"))
    assert compared(claim, Range(None, 0.5, 0.9))
    assert not compared(claim, Range(None, 0.5, 1.2))


def test_the_test_is_read_from_the_words_or_the_qualifier():
    ds = load_dataset()
    outcomes = {c.id: reconcile(ds, c) for c in ds.claims}
    assert outcomes["lowy-total-deal"].test == "at least"        # "likely exceeds": a floor, no test written
    assert outcomes["lowy-casualty-rate"].test == "equal"
    assert outcomes["lowy-s400-far-short"].test == "comparison"
    assert outcomes["lowy-rounds-per-container"].test == "at most"


def test_a_claims_inputs_keep_where_each_number_comes_from():
    ds = load_dataset()
    brief = reconcile(ds, next(c for c in ds.claims if c.id == "brief-annual-value"))
    pay = {b.name: b for b in brief.inputs}["monthly_pay_usd"]
    assert (pay.range, pay.figure, pay.per, pay.take) == (Range.point(2500.0), "pay_mercenary_monthly", None, "midpoint")
    months = {b.name: b for b in brief.inputs}["months"]
    assert (months.range, months.figure, months.note) == (Range.point(12.0), None, '"annually"')
    assert [b.name for b in brief.inputs] == ["troops", "monthly_pay_usd", "months", "bonus_usd"]


def test_a_candidate_reading_is_recomputed_in_the_stated_unit_and_tested():
    ds = load_dataset()
    claim = next(c for c in ds.claims if c.id == "lowy-annual-value")
    (candidate,) = reconcile(ds, claim).candidates
    assert candidate.says == claim.candidates[0].says
    assert candidate.computed.value == pytest.approx(11_000 * (2_000 * 12 + 400_000 / 88))
    assert candidate.holds  # $314.0M barely exceeds $314M: within the ceiling
    assert set(candidate.figures) >= {"ru_signon_bonus", "rub_per_usd"}


@pytest.mark.parametrize(("rate", "error"), [("0.5", None), ("1e-301", "per: rub_per_usd is an exchange rate of 1e-301; it must be above 0")])
def test_a_rate_is_refused_only_at_zero(data_copy, rate: str, error: str | None):
    from .conftest import edit

    edit(data_copy / "context.yaml", "    value: 88\n", f"    value: {rate}\n")
    if error is not None:  # refused when the data is loaded, located at the claim that uses it
        with pytest.raises(DataError, match=re.escape(error)):
            load_dataset(data_copy)
        return
    ds = load_dataset(data_copy)
    claim = next(c for c in ds.claims if c.id == "lowy-annual-value")
    assert reconcile(ds, claim).candidates[0].computed.value == pytest.approx(11_000 * (24_000 + 400_000 / 0.5))


def test_point_and_at_least_bands_are_closed_where_the_words_close_them(data_copy):
    """A band given as one number is that number; "at least" includes its floor, "over" does not."""
    from .conftest import edit

    edit(data_copy / "figures.yaml", "    low: 10\n    high: 15\n    qualifier: exact\n    unit: percent", "    value: 10\n    qualifier: exact\n    unit: percent")
    edit(data_copy / "figures.yaml", "    value: 30\n    qualifier: over", "    value: 30\n    qualifier: at least")
    ds = load_dataset(data_copy)
    point, floor = bands.stated_bands(ds, "casualty_rate")
    assert (point.figure.id, point.label, point.low, point.high, point.low_inclusive, point.unit) == (
        "casualty_threshold_cohesion", "typically impairs cohesion, morale and offensive capacity", pytest.approx(0.1), pytest.approx(0.1), True, "1")
    assert (floor.figure.id, floor.low, floor.high, floor.low_inclusive) == ("casualty_threshold_ineffective", pytest.approx(0.3), None, True)
    assert bands.place(0.3, [point, floor]).band is floor
    assert bands.place(0.1, [point, floor]).band is point


def test_a_context_figure_whose_quote_lacks_its_number_is_located_in_context_yaml(data_copy):
    from .conftest import edit

    edit(data_copy / "context.yaml", "    value: 88\n", "    value: 89\n")
    ds = load_dataset(data_copy)
    (problem,) = [p for p in ds.unquoted if "rub_per_usd" in p.path]
    assert problem.file.endswith("context.yaml") and problem.path == "figures[rub_per_usd].value"
    assert problem.message.startswith("89 is not in the quote")


def test_numbers_differing_in_the_tenth_digit_are_not_the_same():
    from nkru.quotes import _stated

    assert _stated([1_000_000.0], 1_000_000.0001) and not _stated([1_000_000.0], 1_000_001.0)


# ---------------------------------------------------------------------------- what mutation testing found untested


def test_a_range_with_a_central_value_is_tested_at_that_value():
    assert holds(_claim(test="at least"), "at least", Range(350.0, 300.0, 400.0), Range.point(310.0))
    assert compared(_claim(stated=Comparison(below=1.0, text="far short")), Range(0.5, 0.4, 1.2))


@pytest.mark.parametrize(("text", "reported"), [
    ("March 3 saw 40 rounds", ["40"]),          # a date at the very start of the text
    ("a list [7 rounds] here", ["7"]),          # '[' without ']' is no footnote marker
    ("a mig-29 and 5 jets", ["5"]),             # a designation in lower case
    ("paid $2000 in 2024, then 2024 million", ["2000", "2024 million"]),  # a sum or a scale is no year
])
def test_what_is_no_quantity_is_read_from_the_words_around_it(text: str, reported: list[str]):
    from nkru.quotes import unlisted_numbers

    assert [number for number, _ in unlisted_numbers(text, [])] == reported


def test_a_number_ending_a_covered_span_is_covered_and_the_context_is_exact():
    from nkru.quotes import unlisted_numbers
    from nkru.texts import spans

    text = "Early on, 12 men were seen. Much later in a long report they lost 3,800 and then 900 more of the same unit that had gone"
    found = unlisted_numbers(text, spans("they lost 3,800", text))
    assert found == [
        ("12", "Early on, 12 men were seen. Much later in"),  # 40 characters before (from the start here), 30 after
        ("900", "a long report they lost 3,800 and then 900 more of the same unit that ha"),
    ]


def test_a_binding_keeps_its_rate():
    from nkru.engine.claims import bind
    from nkru.model.schema import ClaimInput

    binding = bind(load_dataset(), "bonus_usd", ClaimInput(figure="ru_signon_bonus", per="rub_per_usd"))
    assert (binding.name, binding.figure, binding.per, binding.take) == ("bonus_usd", "ru_signon_bonus", "rub_per_usd", "value")
    assert binding.range.value == pytest.approx(400_000 / 88)


def test_a_claim_formula_may_name_a_figure_and_its_errors_name_the_claim(data_copy):
    from .conftest import edit

    edit(data_copy / "claims.yaml", "    formula: part / whole\n    inputs:\n      part: troops_lowy\n      whole: manpower_shortfall_lowy",
         "    formula: part / manpower_shortfall_lowy\n    inputs:\n      part: troops_lowy")
    ds = load_dataset(data_copy)
    claim = next(c for c in ds.claims if c.id == "lowy-shortfall-share")
    assert reconcile(ds, claim).computed.value == pytest.approx(0.022)
    edit(data_copy / "figures.yaml", "    value: 500_000\n    qualifier: exact\n    unit: soldiers", "    value: 0\n    qualifier: exact\n    unit: soldiers")
    with pytest.raises(DataError) as caught:
        load_dataset(data_copy)
    assert [p.message for p in caught.value.problems if "shortfall" in p.path][0].startswith("lowy-shortfall-share = part ÷ manpower_shortfall_lowy: divides by zero")


def test_what_an_unexplained_claim_needs_is_in_its_inputs_units():
    ds = load_dataset()
    outcomes = {c.id: reconcile(ds, c) for c in ds.claims}
    assert outcomes["lowy-s400-far-short"].stated_unit == "1"
    assert [(i.name, round(i.value, 2), i.unit) for i in outcomes["lowy-annual-value"].implied] == [
        ("bonus_usd", 4545.45, "USD/soldier"), ("monthly_pay_usd", 2212.12, "USD/soldier/month")]


def test_a_percent_claim_is_recomputed_in_percent_for_its_candidates_and_a_range_solves_nothing(data_copy):
    from .conftest import edit

    edit(data_copy / "claims.yaml", "      troops: troops_brief_kursk\n    stated: casualty_rate_lowy\n    round_to: 1\n    expect: unexplained\n",
         "      troops: troops_brief_kursk\n    stated: casualty_rate_lowy\n    round_to: 1\n    expect: unexplained\n    solve_for: [troops]\n"
         "    candidates:\n      - says: on Lowy's own 11,000\n        inputs:\n          troops: troops_lowy\n")
    ds = load_dataset(data_copy)
    outcome = reconcile(ds, next(c for c in ds.claims if c.id == "lowy-casualty-rate-on-12000"))
    assert outcome.implied == []  # a stated range (9-35%) has no one value to solve for
    (candidate,) = outcome.candidates
    assert (candidate.computed.low, candidate.computed.high) == (pytest.approx(100 / 11), pytest.approx(3800 / 110))
    assert candidate.holds


def test_a_range_band_keeps_its_label():
    (cohesion, _) = bands.stated_bands(load_dataset(), "casualty_rate")
    assert cohesion.label == "typically impairs cohesion, morale and offensive capacity"


def test_what_a_claim_needs_is_solved_in_the_stated_unit_from_figures_in_its_formula(data_copy):
    with (data_copy / "claims.yaml").open("a", encoding="utf-8") as stream:
        stream.write("""
  - id: figure-in-formula
    source: lowy
    says: the bonus named in the formula
    formula: troops * (monthly_pay_usd * months + lump_sum_enlistment)
    inputs: {troops: troops_lowy, monthly_pay_usd: pay_nis_monthly, months: service_period_lowy}
    stated: annual_value_lowy
    round_to: 1e6
    expect: unexplained
    solve_for: [monthly_pay_usd]

  - id: percent-solved
    source: lowy
    says: a point percentage solved for
    formula: casualty_rate
    inputs: {losses: {figure: losses_lowy, take: high}, troops: troops_brief_kursk}
    stated: casualty_threshold_ineffective
    test: equal
    expect: unexplained
    solve_for: [troops]

  - id: range-input
    source: lowy
    says: a range among the inputs solves nothing
    formula: annual_value_usd
    inputs: {troops: troops_lowy, monthly_pay_usd: pay_mercenary_monthly, months: service_period_lowy, bonus_usd: lump_sum_enlistment}
    stated: annual_value_lowy
    round_to: 1e6
    expect: unexplained
    solve_for: [bonus_usd]
""")
    ds = load_dataset(data_copy)
    outcomes = {c.id: reconcile(ds, c) for c in ds.claims}
    assert [(i.name, round(i.value, 2)) for i in outcomes["figure-in-formula"].implied] == [("monthly_pay_usd", 2212.12)]
    assert [(i.name, round(i.value, 2)) for i in outcomes["percent-solved"].implied] == [("troops", round(3800 / 0.30, 2))]
    assert outcomes["range-input"].status == "unexplained" and outcomes["range-input"].implied == []
