"""Money as typed values: an amount with its currency, price year and basis.

Arithmetic that would mix currencies, price years or bases raises MoneyError instead of
returning a number; conversions need a dated exchange rate or the CPI, and say which they used.
"""

from __future__ import annotations

from typing import NamedTuple

from nkru.errors import NkruError
from nkru.model import Dataset, Figure, Range

CURRENCIES = ("USD", "KRW", "RUB")


class MoneyError(NkruError):
    """A calculation that would mix currencies, price years or bases without a conversion."""


class Money(NamedTuple):
    amount: Range
    currency: str
    year: int | None  # the price year; None where nothing dates it
    basis: str

    def describe(self) -> str:
        year = f", {self.year} prices" if self.year else ", undated"
        return f"{self.currency} {self.basis}{year}"


def price_year(ds: Dataset, figure: Figure) -> int | None:
    """A figure's price year: its own date, else the year its source was published."""
    for text in (figure.as_of, ds.sources[figure.source].published):
        if text and text[:4].isdigit():
            return int(text[:4])
    return None


def money_of(ds: Dataset, figure: Figure) -> Money:
    if figure.unit not in CURRENCIES:
        raise MoneyError(f"{figure.id} is in {figure.unit}, not money")
    return Money(figure.range, figure.unit, price_year(ds, figure), figure.basis)


def add(a: Money, b: Money) -> Money:
    """The sum of two amounts of the same currency, price year and basis."""
    for what, x, y in (("currencies", a.currency, b.currency), ("price years", a.year, b.year), ("bases", a.basis, b.basis)):
        if x != y:
            raise MoneyError(f"cannot add {a.describe()} to {b.describe()}: the {what} differ; convert first")
    return Money(Range(None if a.amount.value is None or b.amount.value is None else a.amount.value + b.amount.value,
                       a.amount.low + b.amount.low, a.amount.high + b.amount.high), a.currency, a.year, a.basis)


def ranked(prices: list[Money]) -> list[Money]:
    """Prices from cheapest to dearest; only like for like (one currency, one basis)."""
    kinds = sorted({(p.currency, p.basis) for p in prices})
    if len(kinds) > 1:
        listed = "; ".join(f"{currency} {basis}" for currency, basis in kinds)
        raise MoneyError(f"cannot rank prices on different bases ({listed}): compare within one basis")
    return sorted(prices, key=lambda p: p.amount.low)


class Rate(NamedTuple):
    """A dated exchange rate: `per_usd` units of `currency` buy one US dollar (a range where
    the source gives one)."""

    figure: str
    currency: str
    per_usd: Range
    as_of: str | None


def rate_of(figure: Figure) -> Rate:
    currency = figure.unit.removesuffix(" per USD")
    if currency == figure.unit:
        raise MoneyError(f"{figure.id} is not an exchange rate (unit {figure.unit})")
    return Rate(figure.id, currency, figure.range, figure.as_of)


def to_usd(money: Money, rate: Rate) -> Money:
    """An amount in dollars: the most dollars at the lowest rate, the fewest at the highest."""
    if money.currency != rate.currency:
        raise MoneyError(f"{rate.figure} converts {rate.currency}, not {money.currency}")
    amount, per = money.amount, rate.per_usd
    value = None if amount.value is None or per.value is None else amount.value / per.value
    return Money(Range(value, amount.low / per.high, amount.high / per.low), "USD", money.year, money.basis)


def cpi_index(ds: Dataset) -> dict[int, float]:
    """The CPI-U annual averages in the data, by year."""
    return {int(f.as_of[:4]): f.value for f in ds.figures.values() if f.quantity == "cpi_u" and f.as_of and f.value}


def in_dollars_of(money: Money, year: int, cpi: dict[int, float]) -> Money:
    """US dollars of one year in dollars of another, by the ratio of their CPI-U averages."""
    if money.currency != "USD":
        raise MoneyError(f"constant dollars apply to USD, not {money.currency}: convert first")
    if money.year is None:
        raise MoneyError("an undated amount has no price year to convert from")
    missing = [y for y in (money.year, year) if y not in cpi]
    if missing:
        known = f"{min(cpi)}–{max(cpi)}" if cpi else "none"
        raise MoneyError(f"no CPI-U for {', '.join(map(str, missing))} (the data has {known})")
    return Money(money.amount.scaled(cpi[year] / cpi[money.year]), "USD", year, money.basis)
