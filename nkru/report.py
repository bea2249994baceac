"""What `nkru report` shows beyond each command's own output: the thresholds a headline is
placed against, and a tornado of a headline that is compared against figures. Pure: the
numbers only; nkru.render.report writes them out."""

from __future__ import annotations

from typing import Any, NamedTuple

from nkru.compute import Computed
from nkru.engine.bands import StatedBand, stated_bands
from nkru.engine.sensitivity import Swing, one_at_a_time
from nkru.model import Dataset, Input


class Tornado(NamedTuple):
    """A headline at its inputs' central values, and each ranged input's swing, largest first."""

    quantity: str
    label: str
    unit: str
    baseline: float
    swings: list[Swing]
    input_units: dict[str, str]


class Part(NamedTuple):
    """One command of the model, computed, with what the report adds to it."""

    command: str
    computed: Computed
    bands: list[StatedBand]  # the thresholds the headline is placed against; [] if none
    tornado: Tornado | None  # for a headline compared against figures (the question of what moves it)


def part(ds: Dataset, computed: Computed, inputs: dict[str, Input]) -> Part:
    """A command's report part: its bands, as model.yaml declares them, and a tornado of its
    headline where the model compares that headline against figures."""
    spec: Any = ds.model.commands.get(computed.command)  # type: ignore[call-overload]
    bands = stated_bands(ds, spec.bands) if spec.bands else []
    tornado = None
    if spec.comparison:
        q = ds.quantities[spec.headline]
        baseline, swings = one_at_a_time(ds, spec.headline, inputs)
        tornado = Tornado(spec.headline, q.label, q.unit, baseline, swings, {name: item.unit for name, item in inputs.items()})
    return Part(computed.command, computed, bands, tornado)
