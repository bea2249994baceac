"""Seeded Monte Carlo over the inputs' ranges, vectorised with numpy.

Only `--simulate` and `nkru sensitivity` import this module, so numpy is never loaded by a
command that does not sample. The same compiled formulas as the interval arithmetic run on
arrays, so the two can never disagree about what a result is. Correlations declared between
inputs are imposed by rank (Iman-Conover), keeping each input's distribution.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from nkru.engine import graph
from nkru.engine.bands import Placement, stated_bands
from nkru.errors import DataError, UsageError
from nkru.model import Dataset, Input, Range

Z90 = 1.6448536269514722  # the 95th percentile of the standard normal
PERCENTILES = (5, 25, 50, 75, 95)
MAX_SAMPLES = 20_000_000  # ~0.6 GiB for a four-input quantity; percentiles of more add no digit a table shows


def draw(rng: np.random.Generator, item: Input, r: Range, n: int) -> np.ndarray | float:
    """n samples of one input, read as its distribution says (a point stays one number)."""
    if item.floor:
        raise UsageError(
            f"{item.name} is stated only as a floor ({item.origin}), with no upper bound: "
            f"give --set {item.name}=LOW..HIGH to simulate it"
        )
    if r.is_point:
        return float(r.low)
    reading = item.distribution or "uniform"
    if reading == "triangular":
        # `r` may be the input restated in other dollars: a pure scale, which moves the peak with it.
        mode = item.peak * (r.high / item.range.high if item.range.high else 1.0)
        return rng.triangular(r.low, mode, r.high, n)
    if reading == "lognormal90":
        mu = (math.log(r.low) + math.log(r.high)) / 2
        return rng.lognormal(mu, (math.log(r.high) - math.log(r.low)) / (2 * Z90), n)
    if reading == "normal90":
        return rng.normal(r.midpoint, (r.high - r.low) / (2 * Z90), n)
    return rng.uniform(r.low, r.high, n)


class Simulation(NamedTuple):
    """The samples of one quantity's inputs and result."""

    formula: str
    seed: int
    n: int
    inputs: dict[str, np.ndarray | float]
    result: np.ndarray
    correlations: list[tuple[str, str, float, float]]  # (a, b, target, realised)


def run(ds: Dataset, qid: str, inputs: dict[str, Input], ranges: dict[str, Range], n: int, seed: int) -> Simulation:
    """Sample each input the quantity uses, in the formulas' order, from one seeded generator
    (`ranges` in each name's own unit); impose the declared correlations; then evaluate in base
    units. Figures in formulas are sampled uniformly over their stated bounds, like any range."""
    if n < 1:
        raise UsageError(f"--simulate {n}: give a number of samples of at least 1")
    if n > MAX_SAMPLES:
        raise UsageError(f"--simulate {n:,}: at most {MAX_SAMPLES:,} samples (each input and the result take 8 bytes a sample: "
                         f"{n * 8 * 4 / 2**30:,.1f} GiB or more here)")
    if seed < 0:
        raise UsageError(f"--seed {seed}: give a seed of 0 or more")
    rng = np.random.default_rng(seed)
    names, figures = graph.leaves(ds, qid)
    drawn: dict[str, np.ndarray | float] = {name: draw(rng, inputs[name], ranges[name], n) for name in names}
    for fid in figures:
        r = ranges[fid]
        drawn[fid] = float(r.low) if r.is_point else rng.uniform(r.low, r.high, n)
    used = [(i, c) for i, c in enumerate(ds.correlations) if set(c.between) <= set(names)]
    pairs = [(c.between[0], c.between[1], c.rank) for _, c in used]
    realised: list[tuple[str, str, float, float]] = []
    if pairs:
        from nkru.engine.correlate import CorrelationError, correlate
        from nkru.engine.correlate import realised as measure

        # A pair one of whose inputs this run fixes (a scenario, --set) has nothing to correlate:
        # it is left out, and reported with a realised correlation of nan.
        fixed = [(a, b, rho) for a, b, rho in pairs if not all(isinstance(drawn[n], np.ndarray) for n in (a, b))]
        pairs = [p for p in pairs if p not in fixed]
        realised = [(a, b, rho, math.nan) for a, b, rho in fixed]
        arrays = {k: v for k, v in drawn.items() if isinstance(v, np.ndarray)}
        try:
            drawn |= correlate(arrays, pairs, rng)
        except CorrelationError as error:
            raise DataError([ds.locator.problem("correlations", used[0][0], (), str(error))]) from None
        realised = measure({k: v for k, v in drawn.items() if isinstance(v, np.ndarray)}, pairs) + realised
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        base = {name: values * graph.scale(ds, name) for name, values in drawn.items()}
        result = graph.at(ds, qid, base) / graph.scale(ds, qid)
    return Simulation(qid, seed, n, {k: drawn[k] for k in names}, np.broadcast_to(np.asarray(result, dtype=float), (n,)), realised)


def summary(values: np.ndarray) -> dict[str, float]:
    """p5, p25, p50, p75, p95 and the mean of some samples, and how many there were."""
    points = np.percentile(values, PERCENTILES)
    return {**{f"p{p}": float(v) for p, v in zip(PERCENTILES, points)}, "mean": float(values.mean()), "samples": int(values.size)}


def histogram(values: np.ndarray, bins: int = 32) -> tuple[list[int], float, float]:
    """Sample counts in equal bins between the 0.5th and 99.5th percentiles, and those two ends."""
    low, high = (float(x) for x in np.percentile(values, (0.5, 99.5)))
    if low == high:
        return [int(values.size)], low, high
    counts, _ = np.histogram(values, bins=bins, range=(low, high))
    return [int(c) for c in counts], low, high


class Probability(NamedTuple):
    """The share of samples for which a question is answered yes: the result reaches a price
    figure, or falls in a stated band or a gap between bands (a Placement)."""

    id: str
    probability: float
    figure: str | None
    placement: Placement | None = None


def price_probabilities(ds: Dataset, values: np.ndarray, against: list[tuple[str, float]]) -> list[Probability]:
    """P(the result reaches each figure it is compared against), the figures as compared."""
    return [Probability(f"p_reaches_{fid}", float((values >= price).mean()), fid) for fid, price in against]


def band_probabilities(ds: Dataset, quantity: str, values: np.ndarray) -> list[Probability]:
    """The share of samples in each stated band and in each gap the source gives no label."""
    out, previous = [], None
    for band in stated_bands(ds, quantity):
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
    """What `--simulate` adds to a command: the headline's distribution and probabilities."""

    result_id: str
    label: str
    unit: str
    simulation: Simulation
    summary: dict[str, float]
    histogram: tuple[list[int], float, float]  # counts in equal bins, and the bins' ends
    probabilities: list[Probability]
    readings: dict[str, str]


def for_command(ds: Dataset, computed: Any, ranges: dict[str, Range], n: int, seed: int) -> Simulated:
    """Simulate a command's headline quantity, with the probabilities its model declares:
    reaching each figure it is compared against, or falling in each band."""
    qid = computed.headline
    simulation = run(ds, qid, computed.inputs, ranges, n, seed)
    values = simulation.result
    probabilities: list[Probability] = []
    spec = ds.model.commands.get(computed.command)
    if computed.comparison is not None and spec is not None and spec.comparison:
        against = [(m.figure.id, m.price.low) for _, members in computed.comparison.groups for m in members]
        order = ds.model.comparisons[spec.comparison].against
        probabilities = price_probabilities(ds, values, sorted(against, key=lambda a: order.index(a[0])))
    if computed.placements is not None and spec is not None and spec.bands:
        probabilities = band_probabilities(ds, spec.bands, values)
    q = ds.quantities[qid]
    readings = {name: computed.inputs[name].reading for name in graph.leaves(ds, qid)[0]}
    return Simulated(qid, q.label, q.unit, simulation, summary(values), histogram(values), probabilities, readings)


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Spearman's rank correlation; None where an input does not vary."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    ranks_a, ranks_b = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])


def samples_table(simulation: Simulation) -> tuple[list[str], np.ndarray]:
    """Column names and a 2-D array of the samples: each input, then the result."""
    names = [*simulation.inputs, simulation.formula]
    columns = [np.broadcast_to(np.asarray(v, dtype=float), (simulation.n,)) for v in simulation.inputs.values()]
    return names, np.column_stack([*columns, simulation.result])
