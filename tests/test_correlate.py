"""Iman–Conover rank correlation: targets reached, marginals kept, bad correlations refused in plain words."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nkru.engine.correlate import NOT_PD, CorrelationError, correlate, realised, scores

N = 100_000


def _samples(seed: int = 1, n: int = N) -> dict[str, np.ndarray]:
    """Independent columns from different distributions, as nkru samples them."""
    rng = np.random.default_rng(seed)
    return {
        "troops": rng.uniform(10_000, 12_000, n),
        "losses": rng.lognormal(7.5, 0.6, n),
        "pay": rng.uniform(2_000, 3_000, n),
        "bonus": rng.lognormal(7.6, 0.2, n),
    }


def _realised(out: dict[str, np.ndarray], pairs: list[tuple[str, str, float]]) -> list[float]:
    return [r for _, _, _, r in realised(out, pairs)]


@pytest.mark.parametrize("rho", [0.6, -0.5, 0.0, 0.95])
def test_target_spearman_reached_and_marginals_kept(rho: float) -> None:
    samples = _samples()
    pairs = [("troops", "losses", rho)]
    out = correlate(samples, pairs, np.random.default_rng(2))
    assert _realised(out, pairs)[0] == pytest.approx(rho, abs=0.02)
    for name in samples:
        assert np.array_equal(np.sort(out[name]), np.sort(samples[name]))


def test_independent_samples_realise_about_zero() -> None:
    assert abs(_realised(_samples(), [("troops", "losses", 0.6)])[0]) < 0.02


def test_columns_in_no_pair_are_the_same_objects_and_inputs_are_not_modified() -> None:
    samples = _samples()
    before = {name: x.copy() for name, x in samples.items()}
    out = correlate(samples, [("troops", "losses", 0.6)], np.random.default_rng(2))
    assert out["pay"] is samples["pay"] and out["bonus"] is samples["bonus"]
    assert out["troops"] is not samples["troops"]
    assert all(np.array_equal(samples[name], before[name]) for name in samples)
    assert out["losses"].dtype == samples["losses"].dtype


def test_no_pairs_returns_the_same_columns() -> None:
    samples = _samples(n=10)
    out = correlate(samples, [], np.random.default_rng(0))
    assert out == samples and all(out[name] is samples[name] for name in samples)


def test_three_way_consistent_matrix() -> None:
    pairs = [("troops", "losses", 0.5), ("troops", "pay", 0.3), ("pay", "bonus", -0.4)]
    out = correlate(_samples(), pairs, np.random.default_rng(3))
    for (_, _, rho), got in zip(pairs, _realised(out, pairs), strict=True):
        assert got == pytest.approx(rho, abs=0.02)
    # losses–pay and troops–bonus were not given: aimed at 0.
    assert _realised(out, [("losses", "bonus", 0.0)])[0] == pytest.approx(0.0, abs=0.02)


def test_inconsistent_matrix_is_refused() -> None:
    pairs = [("troops", "losses", 0.9), ("losses", "pay", 0.9), ("troops", "pay", -0.9)]
    with pytest.raises(CorrelationError) as caught:
        correlate(_samples(n=100), pairs, np.random.default_rng(0))
    assert str(caught.value) == "the correlations given are inconsistent (the matrix is not positive definite); make them weaker or drop one"
    assert str(caught.value) == NOT_PD


def test_constant_column_is_refused() -> None:
    samples = _samples(n=100) | {"x": np.full(100, 5.0)}
    with pytest.raises(CorrelationError, match=r"^x does not vary, so it cannot be correlated; give it a range$"):
        correlate(samples, [("troops", "x", 0.5)], np.random.default_rng(0))


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("troops", "nope", 0.5)], "nope is not an input"),
        ([("troops", "troops", 0.5)], "troops is paired with itself"),
        ([("troops", "pay", 0.5), ("pay", "troops", 0.2)], "given twice"),
        ([("troops", "pay", 0.5), ("troops", "pay", 0.5)], "given twice"),
        ([("troops", "pay", 1.0)], "strictly between -1 and 1"),
        ([("troops", "pay", -1.0)], "strictly between -1 and 1"),
        ([("troops", "pay", math.nan)], "strictly between -1 and 1"),
    ],
)
def test_bad_pairs_are_refused(pairs: list[tuple[str, str, float]], message: str) -> None:
    with pytest.raises(CorrelationError, match=message):
        correlate(_samples(n=100), pairs, np.random.default_rng(0))


def test_columns_of_different_lengths_are_refused() -> None:
    samples = {"a": np.arange(10.0), "b": np.arange(11.0)}
    with pytest.raises(CorrelationError, match="same number of samples"):
        correlate(samples, [("a", "b", 0.5)], np.random.default_rng(0))


def test_seeded_rng_is_deterministic() -> None:
    pairs = [("troops", "losses", 0.6), ("pay", "bonus", 0.2)]
    first = correlate(_samples(), pairs, np.random.default_rng(7))
    second = correlate(_samples(), pairs, np.random.default_rng(7))
    other = correlate(_samples(), pairs, np.random.default_rng(8))
    assert all(np.array_equal(first[name], second[name]) for name in first)
    assert not np.array_equal(first["troops"], other["troops"])


@pytest.mark.parametrize("n", [2, 3, 5, 50])
def test_few_samples_still_only_reorder(n: int) -> None:
    samples = _samples(n=n)
    pairs = [("troops", "losses", 0.6), ("losses", "pay", 0.3), ("pay", "bonus", 0.1)]
    out = correlate(samples, pairs, np.random.default_rng(0))
    assert all(np.array_equal(np.sort(out[name]), np.sort(samples[name])) for name in samples)


def test_realised_is_nan_for_a_constant_column_and_exact_for_known_orders() -> None:
    x = np.arange(10.0)
    rows = realised({"x": x, "up": x**3, "down": -x, "flat": np.zeros(10)}, [("x", "up", 0.5), ("x", "down", -0.5), ("x", "flat", 0.1)])
    assert rows[0][:3] == ("x", "up", 0.5) and rows[0][3] == pytest.approx(1.0)
    assert rows[1][:3] == ("x", "down", -0.5) and rows[1][3] == pytest.approx(-1.0)
    assert rows[2][:3] == ("x", "flat", 0.1) and math.isnan(rows[2][3])


def test_scores_are_symmetric_normal_quantiles() -> None:
    s = scores(9)  # i/(n+1) = 0.1 .. 0.9
    assert s[4] == 0.0 and np.array_equal(s, -s[::-1])
    assert s[0] == pytest.approx(-1.2815515655446004, rel=1e-8)
    assert scores(10**6)[0] == pytest.approx(-4.7534245109110635, rel=1e-8)  # the far tail, p ~ 1e-6
    assert np.all(np.diff(scores(1001)) > 0)
