"""What the figures say together: where sources disagree on one quantity, where a later figure
updates an earlier one, where one number means different things, and each non-dollar figure
in dollars at the dated rates the data holds. Computed here; the listing only shows it."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from nkru import money
from nkru.engine import units
from nkru.model import Dataset, Figure, Range


class Conversions(NamedTuple):
    in_usd: list[tuple[money.Rate, money.Money]]
    implied: list[tuple[Figure, Range, str]]  # (the dollar figure, the rate it implies, "KRW")


class FigureReport:
    """The chosen figures, their conversions, and their disagreements (found when first asked
    for: a JSON listing of 100,000 figures does not look for them)."""

    def __init__(self, ds: Dataset, figures: list[Figure], conversions: dict[str, Conversions]) -> None:
        self.ds, self.figures, self.conversions = ds, figures, conversions

    @functools.cached_property
    def _differing(self) -> dict[str, list[Figure]]:
        return _differing(self.figures)

    @functools.cached_property
    def split(self) -> dict[str, list[Figure]]:
        return split_quantities(self.ds, self._differing)

    @functools.cached_property
    def updates(self) -> dict[str, list[Figure]]:
        return updates(self.ds, self._differing)

    @functools.cached_property
    def shared(self) -> dict[tuple[float, str], list[Figure]]:
        """(number, currency or unit) -> its meanings."""
        return shared_numbers(self.ds, self.figures)


def matching(ds: Dataset, source: str | None, quantity: str | None) -> list[Figure]:
    """The figures, context ones included, that --source and --quantity both match."""
    return [f for f in ds.figures.values() if (source is None or source in (f.source, *f.cites)) and (quantity is None or f.quantity == quantity)]


def select(ds: Dataset, source: str | None, quantity: str | None, context: bool) -> list[Figure]:
    """The figures a listing asks for; UsageError naming the filter that matches nothing."""
    from nkru.errors import UsageError, suggest

    chosen = [f for f in matching(ds, source, quantity) if context or f.id not in ds.context_ids]
    if chosen:
        return chosen
    if source and source not in ds.sources:
        raise UsageError(f"--source {source}: unknown source{suggest(source, ds.sources) or ' (known: ' + ', '.join(ds.sources) + ')'}")
    quantities = sorted({f.quantity for f in ds.figures.values()})
    if quantity and quantity not in quantities:
        raise UsageError(f"--quantity {quantity}: unknown quantity{suggest(quantity, quantities) or ' (known: ' + ', '.join(quantities) + ')'}")
    if not context and matching(ds, source, quantity):
        raise UsageError("only context figures match; add --context to list them")
    if source and not quantity:
        raise UsageError(f"--source {source}: no figure is quoted from it or cites it")
    raise UsageError("no figure matches both --source and --quantity")


def figure_report(ds: Dataset, figures: list[Figure]) -> FigureReport:
    """The chosen figures with their conversions and their disagreements."""
    conversions = {}
    known = money.rates(ds)
    currencies = {u for u in {f.unit for f in figures} if _currency(ds, u) not in (None, "USD")}
    groups = money.by_quantity_and_source(ds.article_figures()) if currencies else {}
    for f in figures:
        if f.unit not in currencies:
            continue  # not in another currency: nothing to convert (decided once per unit, not per figure)
        in_usd = money.currency_conversions(ds, f, known)
        if in_usd:
            conversions[f.id] = Conversions(in_usd, money.implied_rates(ds, f, groups))
    return FigureReport(ds, figures, conversions)


def _currency(ds: Dataset, unit: str) -> str | None:
    """The currency of an amount in `unit`, from the unit text (parsed once per distinct text)."""
    try:
        return money.currency_of_unit(ds.registry.parse(unit))
    except units.UnitError:
        return None


def _date(ds: Dataset, figure: Figure) -> str | None:
    """When a figure's numbers held, as the text dates them (its as_of); None where it does not."""
    return figure.as_of if figure.as_of and figure.as_of != "unstated" else None


def _numbers(f: Figure) -> tuple[Any, ...]:
    return (f.value, f.low, f.high, f.unit, f.basis)


def _differing(figures: list[Figure]) -> dict[str, list[Figure]]:
    """Quantities stated more than once with different numbers, unit or basis."""
    by_quantity: dict[str, list[Figure]] = {}
    for figure in figures:
        by_quantity.setdefault(figure.quantity, []).append(figure)
    return {q: fs for q, fs in by_quantity.items() if len({_numbers(f) for f in fs}) > 1}


def _is_update(ds: Dataset, figures: list[Figure]) -> bool:
    """Whether every two figures that differ are dated (as_of) differently: a later figure of the
    same quantity is an update, not a disagreement."""
    numbers_by_date: dict[str | None, set[tuple[Any, ...]]] = {}
    for f in figures:
        numbers_by_date.setdefault(_date(ds, f), set()).add(_numbers(f))
    if len(set().union(*numbers_by_date.values())) < 2:
        return True  # nothing differs
    # An undated figure differs from some other; on one date, every figure must say the same.
    return None not in numbers_by_date and all(len(numbers) == 1 for numbers in numbers_by_date.values())


def split_quantities(ds: Dataset, differing: dict[str, list[Figure]]) -> dict[str, list[Figure]]:
    """Quantities that different sources state with different numbers, unit or basis at one time."""
    return {q: fs for q, fs in differing.items() if len({f.source for f in fs}) > 1 and not _is_update(ds, fs)}


def updates(ds: Dataset, differing: dict[str, list[Figure]]) -> dict[str, list[Figure]]:
    """Quantities stated again later with other numbers: each figure, oldest first."""
    return {q: sorted(fs, key=lambda f: _date(ds, f) or "") for q, fs in differing.items() if _is_update(ds, fs)}


def shared_numbers(ds: Dataset, figures: list[Figure]) -> dict[tuple[float, str], list[Figure]]:
    """One number that means different things: the same amount stated for different quantities,
    units or bases ("$2,000" a month, once, and per soldier unstated)."""
    by_number: dict[tuple[float, str], list[Figure]] = {}
    currency = {unit: _currency(ds, unit) or unit for unit in {f.unit for f in figures}}
    for figure in figures:
        if figure.value is not None:
            by_number.setdefault((figure.value, currency[figure.unit]), []).append(figure)
    return {key: fs for key, fs in by_number.items() if len({(f.quantity, f.unit, f.basis) for f in fs}) > 1}


