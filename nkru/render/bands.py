"""Bands in words: where a value falls against the thresholds a source states, never giving a
gap between bands a label the source lacks. Shared by the tables and the simulation's
probabilities."""

from __future__ import annotations

from nkru.engine.bands import Placement, StatedBand
from nkru.render.sheets import fmt


def band_text(band: StatedBand) -> str:
    """A band's bounds in its quantity's unit: '10%–15%', 'over 30%'."""
    if band.high is None:
        return f"{'at least' if band.low_inclusive else 'over'} {fmt(band.low, band.unit)}"
    return f"{fmt(band.low, band.unit)}–{fmt(band.high, band.unit)}"


def _edge(band: StatedBand, end: str) -> str:
    return fmt(band.low if end == "low" or band.high is None else band.high, band.unit)


def placement_text(placement: Placement, unlabelled: str = ": the article gives no label") -> str:
    """Where a value falls, in words; `unlabelled` follows a gap between the stated bands."""
    if placement.band:
        return f"{band_text(placement.band)}: {placement.band.label}"
    if placement.below and placement.above:
        return f"between {_edge(placement.below, 'high')} and {_edge(placement.above, 'low')}{unlabelled}"
    if placement.above:
        return f"below {_edge(placement.above, 'low')}{unlabelled}"
    assert placement.below is not None
    return f"above {_edge(placement.below, 'high')}{unlabelled}"


def placement_phrase(placement: Placement) -> str:
    """Where a value falls, inside a sentence: 'over 30% (often combat-ineffective)', 'below
    10%, where the article gives no label'."""
    band = placement.band
    if band:
        return f"{'' if band.high is None else 'in '}{band_text(band)} ({band.label})"
    return placement_text(placement, ", where the article gives no label")
