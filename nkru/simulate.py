"""Seeded Monte Carlo over the assumptions' ranges, vectorised with numpy.

Only `--simulate` and `nkru sensitivity` import this module, so numpy is never loaded by a
command that does not sample. The same formulas as the interval arithmetic (calc.FORMULAS)
run on arrays, so the two can never disagree about what a result is.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from nkru.calc import FORMULAS, Computed, Input, Placement, bands
from nkru.errors import UsageError
from nkru.model import FORMULA_INPUTS, Dataset

Z90 = 1.6448536269514722  # the 95th percentile of the standard normal
PERCENTILES = (5, 25, 50, 75, 95)
SPARK = "▁▂▃▄▅▆▇█"


def draw(rng: np.random.Generator, item: Input, n: int) -> np.ndarray:
    """n samples of one input, read as its distribution says."""
    r = item.range
    if item.floor:
        raise UsageError(
            f"{item.name} is stated only as a floor ({item.origin}), with no upper bound: "
            f"give --set {item.name}=LOW..HIGH to simulate it"
        )
    if r.is_point:
        return np.full(n, r.low)
    reading = item.distribution or "uniform"
    if reading == "triangular":
        mode = item.mode if item.mode is not None else r.value if r.value is not None else r.midpoint
        return rng.triangular(r.low, mode, r.high, n)
    if reading == "lognormal90":
        mu = (math.log(r.low) + math.log(r.high)) / 2
        return rng.lognormal(mu, (math.log(r.high) - math.log(r.low)) / (2 * Z90), n)
    if reading == "normal90":
        return rng.normal(r.midpoint, (r.high - r.low) / (2 * Z90), n)
    return rng.uniform(r.low, r.high, n)


class Simulation(NamedTuple):
    """The samples of one formula's inputs and result."""

    formula: str
    seed: int
    n: int
    inputs: dict[str, np.ndarray]
    result: np.ndarray


def run(formula: str, inputs: dict[str, Input], n: int, seed: int) -> Simulation:
    """Sample each input in the formula's order from one seeded generator, then apply it."""
    if n < 1:
        raise UsageError(f"--simulate {n}: give a number of samples of at least 1")
    rng = np.random.default_rng(seed)
    drawn = {name: draw(rng, inputs[name], n) for name in FORMULA_INPUTS[formula]}
    with np.errstate(divide="ignore", invalid="ignore"):
        result = FORMULAS[formula](**drawn)
    return Simulation(formula, seed, n, drawn, np.asarray(result, dtype=float))


def summary(values: np.ndarray) -> dict[str, float]:
    """p5, p25, p50, p75, p95 and the mean of some samples, and how many there were."""
    points = np.percentile(values, PERCENTILES)
    return {**{f"p{p}": float(v) for p, v in zip(PERCENTILES, points)}, "mean": float(values.mean()), "samples": int(values.size)}


def sparkline(values: np.ndarray, bins: int = 32) -> tuple[str, float, float]:
    """A histogram in one line of block characters, between the 0.5th and 99.5th percentiles."""
    low, high = (float(x) for x in np.percentile(values, (0.5, 99.5)))
    if low == high:
        return SPARK[-1], low, high
    counts, _ = np.histogram(values, bins=bins, range=(low, high))
    peak = counts.max()
    return "".join(SPARK[min(len(SPARK) - 1, int(c / peak * (len(SPARK) - 1) + 0.5))] if c else " " for c in counts), low, high


class Probability(NamedTuple):
    """The share of samples for which a question is answered yes: the result reaches a price
    figure, or falls in a stated band or a gap between bands (a Placement)."""

    id: str
    probability: float
    figure: str | None
    placement: Placement | None = None


def price_probabilities(ds: Dataset, values: np.ndarray, dollars: int | None = None) -> list[Probability]:
    """P(one year ≥ each S-400 price); with `dollars`, both sides in dollars of that year."""
    from nkru import context, money

    out = []
    for fid in ds.compare_with.s400_prices:
        price = ds.figures[fid].range.low
        if dollars is not None:
            price *= context.dollar_factor(ds, money.price_year(ds, ds.figures[fid]), dollars)
        out.append(Probability(f"p_year_covers_{fid}", float((values >= price).mean()), fid))
    return out


def band_probabilities(ds: Dataset, values: np.ndarray) -> list[Probability]:
    """The share of samples in each stated band and in each gap the article gives no label."""
    out, previous = [], None
    for band in bands(ds):
        starts = values >= band.low if band.low_inclusive else values > band.low
        below = ~starts if previous is None else (values > previous.high) & ~starts
        if previous is None or previous.high is not None:
            gap = Placement(math.nan, None, previous, band)
            out.append(Probability(f"p_gap_before_{band.figure.id}", float(below.mean()), None, gap))
        inside = starts & (values <= band.high) if band.high is not None else starts
        out.append(Probability(f"p_in_{band.figure.id}", float(inside.mean()), band.figure.id, Placement(math.nan, band, None, None)))
        previous = band
    if previous is not None and previous.high is not None:
        above = Placement(math.nan, None, previous, None)
        out.append(Probability(f"p_above_{previous.figure.id}", float((values > previous.high).mean()), None, above))
    return out


class Simulated(NamedTuple):
    """What `--simulate` adds to a command: the main result's distribution and probabilities."""

    result_id: str
    unit: str
    simulation: Simulation
    summary: dict[str, float]
    spark: tuple[str, float, float]
    probabilities: list[Probability]
    readings: dict[str, str]


def for_command(ds: Dataset, computed: Computed, inputs: dict[str, Input], n: int, seed: int) -> Simulated:
    """Simulate the headline result of `deal-value` (annual value) or `casualties` (rate)."""
    formula = "annual_value_usd" if computed.command == "deal-value" else "casualty_rate"
    simulation = run(formula, inputs, n, seed)
    if computed.dollars is not None:  # the tables are in constant dollars: so is the simulation
        from nkru import context

        factor = context.dollar_factor(ds, context.annual_price_year(ds), computed.dollars)
        simulation = simulation._replace(result=simulation.result * factor)
    values = simulation.result
    probabilities = price_probabilities(ds, values, computed.dollars) if formula == "annual_value_usd" else band_probabilities(ds, values)
    unit = computed.results[0].unit
    readings = {name: inputs[name].reading for name in FORMULA_INPUTS[formula]}
    return Simulated(formula, unit, simulation, summary(values), sparkline(values), probabilities, readings)


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Spearman's rank correlation; None where an input does not vary."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    ranks_a, ranks_b = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])


def samples_table(simulation: Simulation) -> tuple[list[str], np.ndarray]:
    """Column names and a 2-D array of the samples: each input, then the result."""
    names = [*simulation.inputs, simulation.formula]
    return names, np.column_stack([*simulation.inputs.values(), simulation.result])


def samples_bytes(simulation: Simulation, suffix: str) -> bytes:
    """The raw samples as CSV, or as a .npy structured array with a field per column."""
    import io

    names, table = samples_table(simulation)
    buffer = io.BytesIO()
    if suffix == ".npy":
        structured = np.empty(table.shape[0], dtype=[(name, "f8") for name in names])
        for i, name in enumerate(names):
            structured[name] = table[:, i]
        np.save(buffer, structured)
    else:
        buffer.write((",".join(names) + "\n").encode())
        np.savetxt(buffer, table, delimiter=",", fmt="%.17g")
    return buffer.getvalue()
