"""Bands in words: where a value falls against the thresholds a source states, never giving a
gap between bands a label the source lacks. Shared by the tables and the simulation's
probabilities."""

from __future__ import annotations

from nkru.engine.bands import Placement, StatedBand
from nkru.render.sheets import fmt


def band_text(band: StatedBand, unit: str = "1") -> str:
    if band.high is None:
        return f"{'at least' if band.low_inclusive else 'over'} {fmt(band.low, unit)}"
    return f"{fmt(band.low, unit)}–{fmt(band.high, unit)}"


def _edge(band: StatedBand, end: str, unit: str = "1") -> str:
    return fmt(band.low if end == "low" or band.high is None else band.high, unit)


def placement_text(placement: Placement) -> str:
    if placement.band:
        return f"{band_text(placement.band)}: {placement.band.label}"
    if placement.below and placement.above:
        return f"between {_edge(placement.below, 'high')} and {_edge(placement.above, 'low')}: the article gives no label"
    if placement.above:
        return f"below {_edge(placement.above, 'low')}: the article gives no label"
    assert placement.below is not None
    return f"above {_edge(placement.below, 'high')}: the article gives no label"
