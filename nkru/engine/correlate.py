"""Impose rank correlations between sampled inputs by reordering them (Iman–Conover), keeping every marginal exactly.

Iman & Conover (1982), as squigglepy does it: give each correlated input a column of van der Waerden scores
(normal quantiles of i/(n+1)) in random order, turn those columns into ones with the target correlation through
Cholesky factors, then reorder each input's samples to the ranks of its column. Only the order changes, so every
input keeps exactly the values it was sampled with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nkru.engine.arrays import np

NOT_PD = "the correlations given are inconsistent (the matrix is not positive definite); make them weaker or drop one"

# Acklam's rational approximation of the normal quantile (relative error < 1.2e-9): numpy has no ndtri and
# scipy is not a dependency. Scores only need to be close to normal, since only their ranks are used.
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01, -1.328068155288572e01, 1.0)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00, 1.0)
_P_LOW = 0.02425


class CorrelationError(ValueError):
    """Correlations that cannot be imposed; the message says why in the user's terms."""


def _lower_quantiles(p: np.ndarray) -> np.ndarray:
    """Normal quantiles of probabilities 0 < p <= 0.5."""
    q = p - 0.5
    r = q * q
    central = np.polyval(_A, r) * q / np.polyval(_B, r)
    t = np.sqrt(-2.0 * np.log(p))
    return np.where(p < _P_LOW, np.polyval(_C, t) / np.polyval(_D, t), central)


def scores(n: int) -> np.ndarray:
    """Van der Waerden scores Φ⁻¹(i/(n+1)), i = 1..n: built from the lower half so they are exactly symmetric (mean 0)."""
    lower = _lower_quantiles(np.arange(1, n // 2 + 1) / (n + 1))
    return np.concatenate([lower, np.zeros(n % 2), -lower[::-1]])


def _varies(x: np.ndarray) -> bool:
    """Whether a column has at least two distinct values (min/max rather than ptp: no temporary array)."""
    return x.size > 1 and bool(x.min() != x.max())


def _known(samples: dict[str, np.ndarray], *names: str) -> None:
    """Raise CorrelationError for a name with no samples (the caller validated names; this is defensive)."""
    for name in names:
        if name not in samples:
            raise CorrelationError(f"{name} is not an input, so it cannot be correlated")


def _check(samples: dict[str, np.ndarray], pairs: Sequence[tuple[str, str, float]]) -> list[str]:
    """The names in the pairs, in first-seen order, after checking every rule; raises CorrelationError."""
    names: list[str] = []
    seen: set[frozenset[str]] = set()
    for a, b, rho in pairs:
        _known(samples, a, b)
        if a == b:
            raise CorrelationError(f"{a} is paired with itself; a correlation needs two different inputs")
        if frozenset((a, b)) in seen:
            raise CorrelationError(f"the correlation of {a} and {b} is given twice; give it once")
        if not -1.0 < rho < 1.0:  # also false for nan
            raise CorrelationError(f"the correlation of {a} and {b} is {rho}; it must be strictly between -1 and 1")
        seen.add(frozenset((a, b)))
        names += [name for name in (a, b) if name not in names]
    n = samples[names[0]].shape if names else ()
    for name in names:
        if samples[name].ndim != 1 or samples[name].shape != n:
            raise CorrelationError(f"{name} does not have the same number of samples as {names[0]}")
        if not _varies(samples[name]):
            raise CorrelationError(f"{name} does not vary, so it cannot be correlated; give it a range")
    return names


def _target(names: list[str], pairs: Sequence[tuple[str, str, float]]) -> np.ndarray:
    """The Cholesky factor of the Pearson correlation of normal scores that gives the asked Spearman correlations."""
    index = {name: i for i, name in enumerate(names)}
    c = np.eye(len(names))
    for a, b, rho in pairs:
        # Iman–Conover imposes a Pearson correlation on normal scores; for normals Spearman = (6/π)·asin(r/2),
        # so invert that to land on the Spearman value users give (0.6 would otherwise come out 0.58).
        c[index[a], index[b]] = c[index[b], index[a]] = 2.0 * math.sin(math.pi * rho / 6.0)
    try:
        return np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise CorrelationError(NOT_PD) from None


def correlate(samples: dict[str, np.ndarray], pairs: Sequence[tuple[str, str, float]], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The same samples, each column reordered so that the named pairs have (about) the given Spearman rank correlations.

    Columns not in any pair are returned unchanged (same object). `pairs` are (a, b, rho) with -1 < rho < 1, rho may
    be 0. Correlated inputs whose pair is not given are aimed at 0 between themselves. Inputs are never modified.
    """
    names = _check(samples, pairs)
    out = dict(samples)
    if not names:
        return out
    p = _target(names, pairs)
    n, k = samples[names[0]].size, len(names)
    # One row per input (k × n, each row contiguous): besides the results, the only n×k float array this needs.
    m = np.empty((k, n))
    m[:] = scores(n)
    for row in m:
        rng.shuffle(row)
    # The random orders are themselves slightly correlated; E = F Fᵀ is their correlation (the scores have mean 0
    # and the same variance in every row, so no centred copy is needed). m ← P F⁻¹ m has correlation P Pᵀ exactly.
    e = (m @ m.T) / float(m[0] @ m[0])
    try:
        f = np.linalg.cholesky(e)
    except np.linalg.LinAlgError:  # only with a handful of samples; skip the correction rather than fail
        f = np.eye(k)
    t = np.tril(p @ np.linalg.inv(f))
    # t is lower triangular, so row j of the result needs rows 0..j only: going from the last row up, each row
    # can be overwritten in place, with a single row of scratch.
    scratch = np.empty(n)
    for j in range(k - 1, -1, -1):
        m[j] *= t[j, j]
        for i in range(j):
            np.multiply(m[i], t[j, i], out=scratch)
            m[j] += scratch
    for j, name in enumerate(names):
        column = np.empty_like(samples[name])
        # The sample at the r-th smallest score gets the r-th smallest value.
        column[np.argsort(m[j])] = np.sort(samples[name])
        out[name] = column
    return out


def _centred_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks by argsort, minus their mean (ties broken by position, which is fine for continuous samples)."""
    ranks = np.empty(x.size)
    ranks[np.argsort(x)] = np.arange(x.size) - (x.size - 1) / 2.0
    return ranks


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation, nan if either column is constant."""
    if not (_varies(x) and _varies(y)):
        return math.nan
    rx, ry = _centred_ranks(x), _centred_ranks(y)
    return float(rx @ ry / (rx @ rx))  # both rank vectors hold the same values, so one norm is both norms


def realised(samples: dict[str, np.ndarray], pairs: Sequence[tuple[str, str, float]]) -> list[tuple[str, str, float, float]]:
    """(a, b, target, realised Spearman rank correlation) for each pair; realised is nan where a column does not vary."""
    for a, b, _ in pairs:
        _known(samples, a, b)
        if samples[a].shape != samples[b].shape:
            raise CorrelationError(f"{a} and {b} do not have the same number of samples")
    return [(a, b, rho, _spearman(samples[a], samples[b])) for a, b, rho in pairs]
