"""The edges of the checks themselves: each test here fails if a comparison in the audit is
loosened or flipped (< for <=, a wider tolerance, an open band end closed), so the audit's own
code is tested, not only the data it is run on."""

from __future__ import annotations

import pytest

from nkru.engine import bands
from nkru.engine.claims import compared, holds
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
