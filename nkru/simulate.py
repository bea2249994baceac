"""Seeded Monte Carlo over the inputs' ranges, vectorised with numpy.

Only `--simulate` and `nkru sensitivity` import this module, so numpy is never loaded by a
command that does not sample. The same compiled formulas as the interval arithmetic run on
arrays, so the two can never disagree about what a result is. Correlations declared between
inputs are imposed by rank (Iman-Conover), keeping each input's distribution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from nkru.engine import graph
from nkru.engine.arrays import np
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


CHUNK = 1 << 16  # samples drawn and evaluated at a time: memory stays near the result's 8 bytes a sample


def run(ds: Dataset, qid: str, inputs: dict[str, Input], ranges: Mapping[str, Range], n: int, seed: int, keep: bool = True) -> Simulation:
    """Sample each input the quantity uses, in the formulas' order, from one seeded generator
    (`ranges` in each name's own unit); impose the declared correlations; then evaluate in base
    units. Figures in formulas are sampled uniformly over their stated bounds, like any range.

    Samples are drawn in chunks of CHUNK, always in the same order, so a seed gives the same
    samples whether or not the inputs are kept (`keep`: for --samples-out and rank
    correlations; correlations need every input's samples at once and keep them too)."""
    if n < 1:
        raise UsageError(f"--simulate {n}: give a number of samples of at least 1")
    if n > MAX_SAMPLES:
        raise UsageError(f"--simulate {n:,}: at most {MAX_SAMPLES:,} samples (the result alone takes 8 bytes a sample, "
                         f"{n * 8 / 2**30:,.1f} GiB here, and --samples-out as much again for each input)")
    if seed < 0:
        raise UsageError(f"--seed {seed}: give a seed of 0 or more")
    names, figures = graph.leaves(ds, qid)
    used = [(i, c) for i, c in enumerate(ds.correlations) if set(c.between) <= set(names)]
    fixed = {name for name in names if ranges[name].is_point}
    pairs = [(c.between[0], c.between[1], c.rank) for _, c in used if not fixed & set(c.between)]
    # A pair one of whose inputs this run fixes (a scenario, --set) has nothing to correlate:
    # it is left out, and reported with a realised correlation of nan.
    realised = [(c.between[0], c.between[1], c.rank, math.nan) for _, c in used if fixed & set(c.between)]
    keep = keep or bool(pairs)
    rng = np.random.default_rng(seed)
    kept: dict[str, np.ndarray] = {}
    result = np.empty(n)
    for start in range(0, n, CHUNK):
        chunk = _draw_chunk(rng, names, figures, inputs, ranges, min(CHUNK, n - start))
        if keep:
            for name, values in chunk.items():
                if isinstance(values, np.ndarray):
                    kept.setdefault(name, np.empty(n))[start:start + len(values)] = values
        if not pairs:
            result[start:start + CHUNK] = _evaluate(ds, qid, chunk)
    if pairs:
        realised = _correlate(ds, used, pairs, kept, rng) + realised
        points = {name: float(ranges[name].low) for name in (*names, *figures) if name not in kept}
        result = np.asarray(_evaluate(ds, qid, {**kept, **points}), dtype=float) * np.ones(n)
    drawn = {name: kept.get(name, float(ranges[name].low)) for name in names}
    return Simulation(qid, seed, n, drawn, result, realised)


def _draw_chunk(rng: np.random.Generator, names: tuple[str, ...], figures: tuple[str, ...], inputs: dict[str, Input],
                ranges: Mapping[str, Range], m: int) -> dict[str, np.ndarray | float]:
    chunk: dict[str, np.ndarray | float] = {name: draw(rng, inputs[name], ranges[name], m) for name in names}
    for fid in figures:
        r = ranges[fid]
        chunk[fid] = float(r.low) if r.is_point else rng.uniform(r.low, r.high, m)
    return chunk


def _evaluate(ds: Dataset, qid: str, values: dict[str, np.ndarray | float]) -> np.ndarray | float:
    """The quantity on samples in each name's own unit: to base units (only where the unit is
    scaled, so no copy is made for nothing), evaluate, back to the quantity's unit."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        base = {}
        for name, v in values.items():
            k = graph.scale(ds, name)
            base[name] = v if k == 1.0 else v * k
        out = graph.at(ds, qid, base)
        k = graph.scale(ds, qid)
        return out if k == 1.0 else out / k


def _correlate(ds: Dataset, used: list[tuple[int, Any]], pairs: list[tuple[str, str, float]], kept: dict[str, np.ndarray],
               rng: np.random.Generator) -> list[tuple[str, str, float, float]]:
    """Reorder the kept samples to the declared rank correlations; the realised ones."""
    from nkru.engine.correlate import CorrelationError, correlate, realised

    try:
        kept |= correlate(kept, pairs, rng)
    except CorrelationError as error:
        raise DataError([ds.locator.problem("correlations", used[0][0], (), str(error))]) from None
    return realised(kept, pairs)


def _quantiles(ordered: np.ndarray, percents: tuple[float, ...]) -> list[float]:
    """Percentiles of sorted samples by linear interpolation (numpy's default), without the copy
    and the sort np.percentile makes."""
    n = ordered.size
    out = []
    for p in percents:
        position = p / 100 * (n - 1)
        low = int(math.floor(position))
        high = min(low + 1, n - 1)
        out.append(float(ordered[low] + (ordered[high] - ordered[low]) * (position - low)))
    return out


def summary(ordered: np.ndarray) -> dict[str, float]:
    """p5, p25, p50, p75, p95 and the mean of some sorted samples, and how many there were."""
    points = _quantiles(ordered, PERCENTILES)
    return {**{f"p{p}": v for p, v in zip(PERCENTILES, points)}, "mean": float(ordered.mean()), "samples": int(ordered.size)}


def histogram(ordered: np.ndarray, bins: int = 32) -> tuple[list[int], float, float]:
    """Sorted samples counted in equal bins between the 0.5th and 99.5th percentiles (each bin
    holds its low edge; the last its high edge too, as np.histogram counts), and those ends."""
    low, high = _quantiles(ordered, (0.5, 99.5))
    if low == high:
        return [int(ordered.size)], low, high
    edges = np.linspace(low, high, bins + 1)
    at = np.searchsorted(ordered, edges, side="left")
    at[-1] = np.searchsorted(ordered, high, side="right")
    return [int(c) for c in np.diff(at)], low, high


def _share(ordered: np.ndarray, low: float | None = None, high: float | None = None, low_inclusive: bool = True) -> float:
    """The share of sorted samples above low (or at it) and at or below high."""
    start = 0 if low is None else int(np.searchsorted(ordered, low, side="left" if low_inclusive else "right"))
    end = ordered.size if high is None else int(np.searchsorted(ordered, high, side="right"))
    return max(end - start, 0) / ordered.size


class Probability(NamedTuple):
    """The share of samples for which a question is answered yes: the result reaches a price
    figure, or falls in a stated band or a gap between bands (a Placement)."""

    id: str
    probability: float
    figure: str | None
    placement: Placement | None = None


def price_probabilities(ds: Dataset, ordered: np.ndarray, against: list[tuple[str, float]]) -> list[Probability]:
    """P(the result reaches each figure it is compared against), the figures as compared."""
    return [Probability(f"p_reaches_{fid}", _share(ordered, price), fid) for fid, price in against]


def band_probabilities(ds: Dataset, quantity: str, ordered: np.ndarray) -> list[Probability]:
    """The share of samples in each stated band and in each gap the source gives no label."""
    out, previous = [], None
    for band in stated_bands(ds, quantity):
        if previous is None or previous.high is not None:
            gap = Placement(math.nan, None, previous, band)
            # Above the band before (if any) and up to this band's low; a band that includes its
            # low takes the values equal to it from the gap.
            below = _share(ordered, None if previous is None else previous.high, band.low, low_inclusive=False)
            if band.low_inclusive:
                below -= _share(ordered, band.low, band.low)
            out.append(Probability(f"p_gap_before_{band.figure.id}", below, None, gap))
        inside = _share(ordered, band.low, band.high, band.low_inclusive)
        out.append(Probability(f"p_in_{band.figure.id}", inside, band.figure.id, Placement(math.nan, band, None, None)))
        previous = band
    if previous is not None and previous.high is not None:
        above = Placement(math.nan, None, previous, None)
        out.append(Probability(f"p_above_{previous.figure.id}", _share(ordered, previous.high, None, low_inclusive=False), None, above))
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


def for_command(ds: Dataset, computed: Any, ranges: Mapping[str, Range], n: int, seed: int, keep: bool = True) -> Simulated:
    """Simulate a command's headline quantity, with the probabilities its model declares:
    reaching each figure it is compared against, or falling in each band. With `keep`, the
    samples stay in draw order for --samples-out; otherwise the result is sorted in place."""
    qid = computed.headline
    simulation = run(ds, qid, computed.inputs, ranges, n, seed, keep)
    ordered = np.sort(simulation.result) if keep or any(v is simulation.result for v in simulation.inputs.values()) else simulation.result
    if ordered is simulation.result:
        ordered.sort()  # one sort serves every percentile, the histogram and the probabilities
    probabilities: list[Probability] = []
    spec = ds.model.commands.get(computed.command)
    if computed.comparison is not None and spec is not None and spec.comparison:
        against = [(m.figure.id, m.price.low) for _, members in computed.comparison.groups for m in members]
        order = ds.model.comparisons[spec.comparison].against
        probabilities = price_probabilities(ds, ordered, sorted(against, key=lambda a: order.index(a[0])))
    if computed.placements is not None and spec is not None and spec.bands:
        probabilities = band_probabilities(ds, spec.bands, ordered)
    q = ds.quantities[qid]
    readings = {name: computed.inputs[name].reading for name in graph.leaves(ds, qid)[0]}
    return Simulated(qid, q.label, q.unit, simulation, summary(ordered), histogram(ordered), probabilities, readings)


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
