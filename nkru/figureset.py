"""What the figures say together: where sources disagree on one quantity, where a later figure
updates an earlier one, where one number means different things, and each non-dollar figure
in dollars at the dated rates the data holds. Computed here; the listing only shows it."""

from __future__ import annotations

from typing import Any, NamedTuple

from nkru import money
from nkru.model import Dataset, Figure, Range


class Conversions(NamedTuple):
    in_usd: list[tuple[money.Rate, money.Money]]
    implied: list[tuple[Figure, Range, str]]  # (the dollar figure, the rate it implies, "KRW")


class FigureReport(NamedTuple):
    figures: list[Figure]
    conversions: dict[str, Conversions]
    split: dict[str, list[Figure]]
    updates: dict[str, list[Figure]]
    shared: dict[tuple[float, str], list[Figure]]  # (number, currency or unit) -> its meanings


def select(ds: Dataset, source: str | None, quantity: str | None, context: bool) -> list[Figure]:
    """The figures a listing asks for; UsageError naming the filter that matches nothing."""
    from nkru.errors import UsageError, suggest

    chosen = [
        f for f in ds.figures.values()
        if (context or f.id not in ds.context_ids) and (source is None or source in (f.source, *f.cites)) and (quantity is None or f.quantity == quantity)
    ]
    if chosen:
        return chosen
    if source and source not in ds.sources:
        raise UsageError(f"--source {source}: unknown source{suggest(source, ds.sources) or ' (known: ' + ', '.join(ds.sources) + ')'}")
    quantities = sorted({f.quantity for f in ds.figures.values()})
    if quantity and quantity not in quantities:
        raise UsageError(f"--quantity {quantity}: unknown quantity{suggest(quantity, quantities) or ' (known: ' + ', '.join(quantities) + ')'}")
    raise UsageError("no figure matches both --source and --quantity")


def figure_report(ds: Dataset, figures: list[Figure]) -> FigureReport:
    """The chosen figures with their conversions and their disagreements."""
    conversions = {}
    for f in figures:
        in_usd = money.currency_conversions(ds, f)
        if in_usd:
            conversions[f.id] = Conversions(in_usd, money.implied_rates(ds, f))
    return FigureReport(figures, conversions, split_quantities(ds, figures), updates(ds, figures), shared_numbers(ds, figures))


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
    for i, a in enumerate(figures):
        for b in figures[i + 1:]:
            if _numbers(a) != _numbers(b) and (_date(ds, a) is None or _date(ds, b) is None or _date(ds, a) == _date(ds, b)):
                return False
    return True


def split_quantities(ds: Dataset, figures: list[Figure]) -> dict[str, list[Figure]]:
    """Quantities that different sources state with different numbers, unit or basis at one time."""
    return {q: fs for q, fs in _differing(figures).items() if len({f.source for f in fs}) > 1 and not _is_update(ds, fs)}


def updates(ds: Dataset, figures: list[Figure]) -> dict[str, list[Figure]]:
    """Quantities stated again later with other numbers: each figure, oldest first."""
    return {q: sorted(fs, key=lambda f: _date(ds, f) or "") for q, fs in _differing(figures).items() if _is_update(ds, fs)}


def shared_numbers(ds: Dataset, figures: list[Figure]) -> dict[tuple[float, str], list[Figure]]:
    """One number that means different things: the same amount stated for different quantities,
    units or bases ("$2,000" a month, once, and per soldier unstated)."""
    by_number: dict[tuple[float, str], list[Figure]] = {}
    for figure in figures:
        if figure.value is not None:
            by_number.setdefault((figure.value, money.currency_of(ds, figure.id) or figure.unit), []).append(figure)
    return {key: fs for key, fs in by_number.items() if len({(f.quantity, f.unit, f.basis) for f in fs}) > 1}


