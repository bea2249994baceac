"""Money on one basis, and figures from outside the articles: constant dollars, S-400 prices
like for like, and the context rows that explain the articles' claims. Pure: no I/O."""

from __future__ import annotations

from typing import NamedTuple

from nkru import money
from nkru.calc import Computed, Input, evaluate, reconcile, sources_of
from nkru.errors import UsageError
from nkru.model import Dataset, Figure, Range, Result

UNIT_BASIS = {"battalions": "per battalion", "batteries": "per battery", "regiments": "per regiment"}


# ---------------------------------------------------------------------------- constant dollars


def annual_price_year(ds: Dataset) -> int | None:
    """The price year of the pay figures the annual value is built from."""
    years = {
        money.price_year(ds, ds.figures[fid])
        for name in ("monthly_pay_usd", "bonus_usd")
        for fid in getattr(ds.assumptions, name).figures
    }
    years.discard(None)
    return max(years) if years else None


def dollar_factor(ds: Dataset, from_year: int | None, to_year: int) -> float:
    """What one dollar of `from_year` is in dollars of `to_year` (CPI-U); MoneyError if unknown."""
    one = money.Money(Range.point(1.0), "USD", from_year, "total")
    return money.in_dollars_of(one, to_year, money.cpi_index(ds)).amount.low


def in_constant_dollars(ds: Dataset, computed: Computed, year: int) -> Computed:
    """Every USD result of deal-value in dollars of `year`: each amount scaled by the CPI-U of
    its own price year, then the comparisons recomputed from the scaled amounts."""
    cpi = money.cpi_index(ds)
    base = annual_price_year(ds)
    warnings = list(computed.warnings)

    def scaled(amount: Range, from_year: int | None, what: str) -> Range | None:
        try:
            return money.in_dollars_of(money.Money(amount, "USD", from_year, "total"), year, cpi).amount
        except money.MoneyError as error:
            warnings.append(f"{what} left in nominal dollars: {error}")
            return None

    annual_ranges: dict[str, Range] = {}
    results: list[Result] = []
    for r in computed.results:
        if r.unit == "USD per year":
            new = scaled(r.range, base, r.id)
            annual_ranges[r.id] = new or r.range
            results.append(r._replace(range=new or r.range, details=r.details | {"dollars": year if new else "nominal", "price_year": base}))
            continue
        figure_id = r.details.get("price_figure") or r.details.get("total_figure")
        if figure_id is None:
            results.append(r)
            continue
        figure = ds.figures[figure_id]
        price = scaled(figure.range, money.price_year(ds, figure), figure_id)
        annual = annual_ranges["annual_value_usd"]
        if price is None:
            results.append(r._replace(details=r.details | {"dollars": "nominal"}))
            continue
        formula = {"ratio": "ratio", "shortfall": "shortfall", "years_to_equal": "years_to_equal", None: "ratio"}[r.details.get("measure")]
        value = evaluate(formula, {"part": annual, "whole": price})
        results.append(r._replace(range=value, details=r.details | {"dollars": year, "price_in_dollars": price.low}))
    return computed._replace(results=results, warnings=list(dict.fromkeys(warnings)), dollars=year)


def restate(ds: Dataset, computed: Computed, inputs: dict[str, Input], dollars: int | None, with_context: bool) -> Computed:
    """What --dollars YEAR and --context add to a computed command."""
    if dollars is not None:
        cpi = money.cpi_index(ds)
        if dollars not in cpi:
            known = f"{min(cpi)}–{max(cpi)}" if cpi else "none"
            raise UsageError(f"--dollars {dollars}: no CPI-U for {dollars} (the data has {known})")
        computed = in_constant_dollars(ds, computed, dollars)
    if with_context:
        computed = computed._replace(context=context_results(ds, inputs, with_prices=computed.command == "deal-value"))
    return computed


# ---------------------------------------------------------------------------- S-400 like for like


class Price(NamedTuple):
    """One S-400 price on a stated basis: from an article, or derived from a contract record."""

    id: str
    money: money.Money
    figures: tuple[str, ...]
    context: bool
    qualifier: str


def s400_prices(ds: Dataset, with_context: bool) -> list[Price]:
    prices = [
        Price(fid, money.money_of(ds, ds.figures[fid]), (fid,), False, ds.figures[fid].qualifier)
        for fid in ds.compare_with.s400_prices
    ]
    if with_context:
        for total in (f for f in ds.figures.values() if f.quantity == "s400_contract_value"):
            units = ds.figures.get(f"{total.id}_units")
            if units is None or units.unit not in UNIT_BASIS:
                continue
            per_unit = total.range.scaled(1 / units.range.low)
            qualifier = "approximately" if "over" in (total.qualifier, units.qualifier) or "at least" in (total.qualifier, units.qualifier) else "exact"
            prices.append(Price(f"{total.id}_per_unit", money.Money(per_unit, "USD", money.price_year(ds, total), UNIT_BASIS[units.unit]), (total.id, units.id), True, qualifier))
    return prices


class BasisGroup(NamedTuple):
    basis: str
    prices: list[Price]  # cheapest first: ranking happens only within one basis


def like_for_like(prices: list[Price]) -> list[BasisGroup]:
    groups: dict[str, list[Price]] = {}
    for price in prices:
        groups.setdefault(price.money.basis, []).append(price)
    ordered = []
    for basis, members in sorted(groups.items()):
        order = money.ranked([p.money for p in members])
        ordered.append(BasisGroup(basis, sorted(members, key=lambda p: order.index(p.money))))
    return ordered


def basis_flags(ds: Dataset, with_context: bool) -> list[str]:
    """Where the articles' S-400 prices are not like for like: a stated range whose ends are on
    different bases, and (context) a price the contract record puts on another basis."""
    flags = range_flags(ds)
    for price in (p for p in s400_prices(ds, with_context) if p.context):
        article = ds.figures.get(price.figures[0].replace("s400_contract_", "s400_price_"))
        if article is not None and article.basis != price.money.basis and article.range.low == price.money.amount.low:
            flags.append(f"the contract record puts {article.id}'s amount {price.money.basis}, where the article says {article.basis}")
    return flags


def range_flags(ds: Dataset) -> list[str]:
    """Stated price ranges whose ends are prices on different bases."""
    flags = []
    prices = [ds.figures[fid] for fid in ds.compare_with.s400_prices]
    for figure in (f for f in ds.article_figures() if f.quantity == "s400_price" and f.value is None):
        ends = [next((p for p in prices if p.range.low in (figure.low, figure.high) and p.value in (figure.low, figure.high) and p.value == end), None) for end in (figure.low, figure.high)]
        bases = {p.basis for p in ends if p is not None}
        if len(bases) > 1:
            described = " and ".join(f"{p.id} ({p.basis})" for p in ends if p is not None)
            flags.append(f"{figure.id} runs from {described}: it mixes bases")
    return flags


# ---------------------------------------------------------------------------- context rows


def context_results(ds: Dataset, inputs: dict[str, Input], with_prices: bool) -> list[Result]:
    """Rows from outside the three articles that explain their claims; never used above them."""
    rows: list[Result] = []
    details = {"context": True}
    arms = ds.figures.get("fnf_arms_deliveries")
    if arms is not None:
        rows.append(Result("context_fnf_arms_deliveries", "DPRK arms deliveries since Feb 2022 (FNF)", arms.range, "USD", sources_of(ds, [arms.id]), details | {"figures": [arms.id]}))
    for claim in ds.claims:
        outcome = reconcile(ds, claim)
        for i, candidate in enumerate(outcome.candidates):
            label = f"Candidate reading of {claim.id}: {candidate.says}"
            rows.append(Result(f"context_candidate_{claim.id}_{i}", label, candidate.computed, outcome.stated_unit,
                               sources_of(ds, list(candidate.figures)), details | {"holds": candidate.holds, "claim": claim.id, "figures": list(candidate.figures)}))
        if claim.formula == "deal_total" and outcome.implied:
            gap = outcome.implied[0]
            rows.append(Result(f"context_unexplained_{claim.id}", f"Part of {claim.id} nothing explains ({gap.name})", Range.point(gap.value), "USD",
                               sources_of(ds, [i.figure for i in outcome.inputs if i.figure]), details | {"claim": claim.id}))
    losses, troops = ds.figures.get("losses_zelensky"), ds.figures.get("troops_zelensky")
    if losses is not None and troops is not None:
        rate = evaluate("casualty_rate", {"losses": losses.range, "troops": troops.range})
        rows.append(Result("context_casualty_rate_zelensky", "Casualty rate on Zelensky's 3,800 of 12,000", rate, "fraction", sources_of(ds, [losses.id, troops.id]), details | {"figures": [losses.id, troops.id]}))
    if with_prices:
        for price in (p for p in s400_prices(ds, True) if p.context):
            rows.append(Result(f"context_{price.id}", f"S-400 {price.figures[0]} {price.money.basis} ({price.qualifier})", price.money.amount, "USD",
                               sources_of(ds, list(price.figures)), details | {"figures": list(price.figures), "basis": price.money.basis}))
    return rows


def currency_conversions(ds: Dataset, figure: Figure) -> list[tuple[money.Rate, money.Money]]:
    """A non-dollar money figure in US dollars at each dated rate the data holds for it."""
    if figure.unit not in money.CURRENCIES or figure.unit == "USD":
        return []
    conversions = []
    for rate_figure in (f for f in ds.figures.values() if f.unit == f"{figure.unit} per USD"):
        rate = money.rate_of(rate_figure)
        conversions.append((rate, money.to_usd(money.money_of(ds, figure), rate)))
    return conversions


def implied_rates(ds: Dataset, figure: Figure) -> list[tuple[Figure, float]]:
    """The exchange rate a non-dollar figure implies against each dollar figure of the same
    quantity and basis from the same source (2.75 million won ≈ $2,000 → 1,375 KRW/USD)."""
    if figure.unit not in money.CURRENCIES or figure.unit == "USD" or figure.value is None:
        return []
    twins = [
        f for f in ds.article_figures()
        if f.unit == "USD" and f.quantity == figure.quantity and f.basis == figure.basis and f.source == figure.source
    ]
    return [(twin, figure.value / twin.range.low) for twin in twins]
