"""Thresholds a quantity is classified against, stated by figures: placing a value in a band,
never giving a gap between bands a label the source lacks."""

from __future__ import annotations

from typing import NamedTuple

from nkru.engine import units
from nkru.model import FLOOR_QUALIFIERS, Dataset, Figure


class StatedBand(NamedTuple):
    """A band a source states, in the quantity's unit; high None means open-ended."""

    figure: Figure
    label: str
    low: float
    high: float | None
    low_inclusive: bool
    unit: str  # the quantity's, which low and high are in


class Placement(NamedTuple):
    """Where a value falls: inside a stated band, or in a gap the source gives no label."""

    rate: float
    band: StatedBand | None
    below: StatedBand | None  # the nearest band under the value, for a gap
    above: StatedBand | None  # the nearest band over the value, for a gap


def stated_bands(ds: Dataset, quantity: str) -> list[StatedBand]:
    """The bands model.yaml declares for a quantity, converted to its unit, lowest first."""
    result = []
    for entry in ds.model.bands[quantity].bands:
        figure = ds.figures[entry.figure]
        k = units.factor(ds.units[figure.id], ds.units[quantity])
        unit = ds.quantities[quantity].unit
        if figure.value is None:
            assert figure.low is not None and figure.high is not None
            result.append(StatedBand(figure, entry.label, figure.low * k, figure.high * k, True, unit))
        elif figure.qualifier in FLOOR_QUALIFIERS:
            result.append(StatedBand(figure, entry.label, figure.value * k, None, figure.qualifier == "at least", unit))
        else:
            result.append(StatedBand(figure, entry.label, figure.value * k, figure.value * k, True, unit))
    return sorted(result, key=lambda b: b.low)


def place(rate: float, stated: list[StatedBand]) -> Placement:
    """Classify a value against the stated bands, never giving a gap a label the source lacks."""
    below = above = None
    for band in stated:
        above_low = rate >= band.low if band.low_inclusive else rate > band.low
        if above_low and (band.high is None or rate <= band.high):
            return Placement(rate, band, None, None)
        if above_low:
            below = band
        elif above is None:
            above = band
    return Placement(rate, None, below, above)
