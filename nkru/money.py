"""Money as typed values: an amount with its currency, price year and basis.

Arithmetic that would mix currencies, price years or bases raises MoneyError instead of
returning a number; conversions need a dated exchange rate or the CPI, and say which they used.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from nkru.engine import units
from nkru.errors import NkruError, UsageError
from nkru.model import Dataset, Figure, Range


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


def currency_of(ds: Dataset, name: str) -> str | None:
    """The currency an amount is in (USD for USD/soldier/month); None for anything that is not
    money, an exchange rate included."""
    return currency_of_unit(ds.units.get(name))


def currency_of_unit(unit: Any) -> str | None:
    """currency_of for a parsed unit (None: no unit)."""
    found = units.currencies(unit) if unit is not None else ()
    return found[0][0] if len(found) == 1 and found[0][1] == 1 else None


def money_of(ds: Dataset, figure: Figure) -> Money:
    """A figure as money: its amount, currency, price year and basis; MoneyError if it is not money."""
    currency = currency_of(ds, figure.id)
    if currency is None:
        raise MoneyError(f"{figure.id} is in {figure.unit}, not money")
    return Money(figure.range, currency, price_year(ds, figure), figure.basis or "total")


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


def rate_of(ds: Dataset, figure: Figure) -> Rate:
    """A figure in units of a currency per US dollar, as a Rate; MoneyError for anything else."""
    found = dict(units.currencies(ds.units[figure.id]))
    others = [c for c, e in found.items() if e == 1 and c != "USD"]
    if found.get("USD") != -1 or len(found) != 2 or len(others) != 1:
        raise MoneyError(f"{figure.id} is not an exchange rate (unit {figure.unit})")
    if not figure.range.low > 1e-300:  # a rate of 0 converts nothing; one near it overflows
        raise MoneyError(f"{figure.id} is an exchange rate of {figure.range.low:g}; a rate must be above 0")
    return Rate(figure.id, others[0], figure.range, figure.as_of)


def to_usd(money: Money, rate: Rate) -> Money:
    """An amount in dollars: the most dollars at the lowest rate, the fewest at the highest."""
    if money.currency != rate.currency:
        raise MoneyError(f"{rate.figure} converts {rate.currency}, not {money.currency}")
    amount, per = money.amount, rate.per_usd
    value = None if amount.value is None or per.value is None else amount.value / per.value
    return Money(Range(value, amount.low / per.high, amount.high / per.low), "USD", money.year, money.basis)


def index_figures(ds: Dataset) -> list[Figure]:
    """The figures of the price index model.yaml names (price_index:), if it names one."""
    index = ds.model.price_index
    return [f for f in ds.figures.values() if index and f.quantity == index]


def cpi_index(ds: Dataset) -> dict[int, float]:
    """The price index by year: its figures' values by as_of."""
    return {int(f.as_of[:4]): f.value for f in index_figures(ds) if f.as_of and f.value}


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


class Restater:
    """--dollars YEAR: every US-dollar input and figure restated from its own price year by the
    CPI-U, before any formula runs, so every money quantity comes out in dollars of YEAR however
    it is named. Amounts that cannot be restated stay nominal, and the rows using them say so."""

    def __init__(self, ds: Dataset, inputs: dict, year: int):
        self.ds, self.inputs, self.year = ds, inputs, year
        self.cpi = cpi_index(ds)
        if year not in self.cpi:
            known = f"{min(self.cpi)}–{max(self.cpi)}" if self.cpi else "none"
            if not self.cpi:
                raise UsageError(f"--dollars {year}: the model names no price index (price_index: in model.yaml) with yearly figures")
            raise UsageError(f"--dollars {year}: no CPI-U for {year} (the data has {known})")
        self.failed: dict[str, str] = {}
        self.used_failures: dict[str, None] = {}

    def _year(self, name: str) -> int | None:
        if name in self.inputs:
            spec = self.ds.inputs[name]
            if spec.price_year is not None and self.inputs[name].origin == "data":
                return int(spec.price_year)
            years = [price_year(self.ds, self.ds.figures[f]) for f in self.inputs[name].figures]
            known = [y for y in years if y is not None]
            return max(known) if known else None
        return price_year(self.ds, self.ds.figures[name])

    def restate(self, ranges: dict[str, Range]) -> dict[str, Range]:
        out = dict(ranges)
        for name, value in ranges.items():
            exponent = dict(units.currencies(self.ds.units[name])).get("USD", 0) if self.ds.units.get(name) is not None else 0
            if exponent == 0:
                continue
            try:
                one = in_dollars_of(Money(Range.point(1.0), "USD", self._year(name), "total"), self.year, self.cpi)
            except MoneyError as error:
                self.failed[name] = str(error)
                continue
            out[name] = value.scaled(one.amount.low ** exponent)
        return out

    def year_of(self, names: tuple[str, ...]) -> int | str | None:
        """The year a row's money is in: YEAR, or "nominal" where an amount behind it could not be restated."""
        money = [n for n in names if self.ds.units.get(n) is not None and dict(units.currencies(self.ds.units[n])).get("USD")]
        if not money:
            return None
        failed = [n for n in money if n in self.failed]
        self.used_failures.update(dict.fromkeys(failed))
        return "nominal" if failed else self.year

    @property
    def warnings(self) -> list[str]:
        return [f"{self._named(name)} left in nominal dollars, and every row using it: {self.failed[name]}" for name in self.used_failures]

    def _named(self, name: str) -> str:
        """An input's or a figure's label."""
        return (self.ds.inputs[name].label or name) if name in self.ds.inputs else self.ds.figures[name].name


def rates(ds: Dataset) -> list[Rate]:
    """Every exchange rate the data holds, in data order."""
    found = []
    for figure in ds.figures.values():
        unit = ds.units.get(figure.id)
        if unit is None or not units.currencies(unit):
            continue  # not money: decided without building an error for each of 100,000 figures
        try:
            found.append(rate_of(ds, figure))
        except MoneyError:
            continue
    return found


def currency_conversions(ds: Dataset, figure: Figure, known: list[Rate]) -> list[tuple[Rate, Money]]:
    """A non-dollar money figure in US dollars at each dated rate the data holds for it (`known`, from `rates`)."""
    currency = currency_of(ds, figure.id)
    if currency is None or currency == "USD":
        return []
    return [(rate, to_usd(money_of(ds, figure), rate)) for rate in known if rate.currency == currency]


def by_quantity_and_source(figures: list[Figure]) -> dict[tuple[str, str], list[Figure]]:
    """Figures grouped by what they measure and who states it, for `implied_rates`."""
    groups: dict[tuple[str, str], list[Figure]] = {}
    for f in figures:
        groups.setdefault((f.quantity, f.source), []).append(f)
    return groups


def implied_rates(ds: Dataset, figure: Figure, groups: dict[tuple[str, str], list[Figure]]) -> list[tuple[Figure, Range, str]]:
    """The exchange rate a non-dollar figure implies against each dollar figure of the same
    quantity and unit (but for the currency) from the same source (`groups`: the article
    figures, by_quantity_and_source): 2.75 million won ≈ $2,000 a month gives 1,375 KRW/USD.
    Against a range, the rate is a range too: the whole of it."""
    currency = currency_of(ds, figure.id)
    if currency is None or currency == "USD" or figure.value is None:
        return []
    unit = ds.units[figure.id]
    twins = [
        f for f in groups.get((figure.quantity, figure.source), [])
        if currency_of(ds, f.id) == "USD"
        and units.same_dimension(units.multiply(ds.units[f.id], units.divide(ds.registry.parse(currency), ds.registry.parse("USD"))), unit)
    ]
    out = []
    for twin in twins:
        r = twin.range
        central = figure.value / r.value if r.value else None
        out.append((twin, Range(central, figure.value / r.high, figure.value / r.low), currency))
    return out
