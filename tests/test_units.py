"""Unit algebra: parsing and showing unit text, combining units, deriving a formula's unit."""

from __future__ import annotations

import ast
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nkru.engine.unitcheck import check, derive
from nkru.engine.units import (
    DIMENSIONLESS,
    Registry,
    Unit,
    UnitError,
    currencies,
    divide,
    factor,
    multiply,
    power,
    same_dimension,
)

# The things the shipped model counts (data/model.yaml declares them).
COUNTED: dict[str, str | None] = {
    "soldier": None, "troop": "1 soldier", "round": None, "shell": "1 round", "container": None, "howitzer": None,
    "rocket system": None, "missile": None, "worker": None, "battalion": None, "battery": None, "regiment": None,
    "housing unit": None, "index point": None,
}
REG = Registry(COUNTED)
MONTH = Unit(1.0, (("month", 1),))


def parse(text: str) -> Unit:
    return REG.parse(text)


def unit_error(text: str, registry: Registry = REG) -> UnitError:
    with pytest.raises(UnitError) as caught:
        registry.parse(text)
    return caught.value


def formula(text: str, **units: str) -> Unit:
    """Derive the unit of `text` with each name's unit given as unit text."""
    return derive(ast.parse(text, mode="eval").body, text, {name: REG.parse(u) for name, u in units.items()}, REG)


def formula_error(text: str, **units: str) -> UnitError:
    with pytest.raises(UnitError) as caught:
        formula(text, **units)
    return caught.value


# --- parse ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("soldier", "soldiers"),
        ("troop", "soldiers"),
        ("troops", "soldier"),
        ("round", "rounds"),
        ("battery", "batteries"),
        ("month", "months"),
        ("year", "years"),
        ("dollar", "USD"),
        ("dollars", "USD"),
        ("rocket system", "rocket systems"),
        ("housing unit", "housing units"),
        ("index point", "index points"),
        ("percent", "%"),
        ("fraction", "1"),
    ],
)
def test_names_that_mean_the_same_unit(one: str, other: str) -> None:
    assert parse(one) == parse(other)


def test_base_units() -> None:
    assert parse("USD") == Unit(1.0, (("USD", 1),))
    assert parse("rounds") == Unit(1.0, (("round", 1),))
    assert parse("rocket systems") == Unit(1.0, (("rocket system", 1),))
    assert parse("housing units") == Unit(1.0, (("housing unit", 1),))
    assert parse("1") == DIMENSIONLESS


def test_per_and_slash_divide_left_to_right() -> None:
    expected = Unit(1.0, (("USD", 1), ("month", -1), ("soldier", -1)))
    assert parse("USD/soldier/month") == expected
    assert parse("USD per soldier per month") == expected
    assert parse("USD / soldier per  month") == expected
    assert parse("USD/(soldier*month)") == expected


def test_exchange_rate() -> None:
    assert parse("KRW per USD") == parse("KRW/USD") == Unit(1.0, (("KRW", 1), ("USD", -1)))


def test_scales() -> None:
    assert parse("percent") == Unit(0.01, ())
    assert parse("years") == Unit(12.0, (("month", 1),))
    assert parse("years").scale == 12 * parse("months").scale
    assert parse("12 month") == parse("year")
    assert parse("3 months") == Unit(3.0, (("month", 1),))
    assert parse("USD per 1000 rounds") == Unit(0.001, (("USD", 1), ("round", -1)))
    assert parse("5%") == Unit(0.05, ())


def test_products_and_powers() -> None:
    assert parse("soldier*month") == parse("soldier·month") == parse("month * soldier") == Unit(1.0, (("month", 1), ("soldier", 1)))
    assert parse("month^2") == parse("month**2") == parse("month ^ 2") == Unit(1.0, (("month", 2),))
    assert parse("1/month") == parse("month^-1") == parse("month**-1") == Unit(1.0, (("month", -1),))
    assert parse("rocket system^2") == Unit(1.0, (("rocket system", 2),))
    assert parse("USD/month*month") == parse("USD")


def test_unknown_unit_suggests_the_closest_name() -> None:
    error = unit_error("USD/rounsd")
    assert error.message == "unknown unit 'rounsd' (did you mean 'rounds'?)"
    assert error.col == 4
    assert unit_error("xyzzy").message == "unknown unit 'xyzzy'; declare a new unit under units: in model.yaml"
    assert unit_error("usd").message == "unknown unit 'usd' (did you mean 'USD'?)"  # currencies are case-sensitive


def test_two_units_without_an_operator() -> None:
    error = unit_error("USD month")
    assert error.message == "unknown unit 'USD month': put '*' or '/' between units"
    assert error.col == 0


@pytest.mark.parametrize(
    ("text", "message", "col"),
    [
        ("", "empty unit", 0),
        ("   ", "empty unit", 0),
        ("USD//month", "expected a unit, found '/'", 4),
        ("USD per per month", "expected a unit, found 'per'", 8),
        ("USD/", "the unit ends after '/'", 4),
        ("USD)", "unexpected ')'", 3),
        ("USD/(soldier", "missing ')'", 12),
        ("month^x", "expected a whole-number exponent after '^'", 6),
        ("month^1.5", "expected a whole-number exponent after '^'", 6),
        ("USD & KRW", "unexpected character '&'", 4),
        ("USD 5", "unexpected '5'", 4),
        ("0 USD", "'0 USD' has no usable scale", 0),
    ],
)
def test_syntax_errors(text: str, message: str, col: int) -> None:
    error = unit_error(text)
    assert (error.message, error.col) == (message, col)
    assert str(error) == message


# --- show ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("USD/soldier/month", "USD/soldier/month"),
        ("USD per soldier per month", "USD/soldier/month"),
        ("USD", "USD"),
        ("dollars", "USD"),
        ("1", "1"),
        ("fraction", "1"),
        ("rounds", "rounds"),
        ("round", "rounds"),
        ("troop", "soldiers"),
        ("batteries", "batteries"),
        ("KRW per USD", "KRW/USD"),
        ("USD/round", "USD/round"),
        ("month*soldier", "soldier·month"),
        ("month**2", "month^2"),
        ("1/month", "1/month"),
        ("1/month^2", "1/month^2"),
        ("percent", "percent"),
        ("%", "percent"),
        ("months", "months"),
        ("years", "years"),
        ("12 months", "years"),
        ("USD/year", "USD/year"),
        ("USD/soldier/year", "USD/soldier/year"),
        ("rocket system", "rocket systems"),
        ("USD/rocket system", "USD/rocket system"),
        ("housing units", "housing units"),
        ("troops/battalion", "soldiers/battalion"),
        ("5 USD", "5 USD"),
        ("USD per 1000 rounds", "0.001 USD/round"),
        ("2/month", "2/month"),
    ],
)
def test_show(text: str, shown: str) -> None:
    assert REG.show(parse(text)) == shown
    assert parse(shown) == parse(text)


# --- algebra -------------------------------------------------------------------------------------


def test_factor() -> None:
    assert factor(parse("month"), parse("year")) == pytest.approx(1 / 12)
    assert factor(parse("years"), parse("months")) == 12
    assert factor(parse("percent"), parse("1")) == 0.01
    assert factor(parse("USD/year"), parse("USD/month")) == pytest.approx(1 / 12)
    with pytest.raises(UnitError, match="cannot convert USD to KRW"):
        factor(parse("USD"), parse("KRW"))


def test_combinators() -> None:
    assert multiply(parse("USD/round"), parse("rounds")) == parse("USD")
    assert divide(parse("USD"), parse("USD")) == DIMENSIONLESS
    assert power(parse("years"), 2) == Unit(144.0, (("month", 2),))
    assert power(parse("USD"), 0) == DIMENSIONLESS
    assert same_dimension(parse("months"), parse("years"))
    assert not same_dimension(parse("USD"), parse("KRW"))
    assert currencies(parse("KRW per USD")) == (("KRW", 1), ("USD", -1))
    assert currencies(parse("USD/soldier/month")) == (("USD", 1),)
    assert currencies(parse("soldiers")) == ()


def test_check() -> None:
    check(parse("years"), parse("months"), REG)  # same dimension: the caller converts with factor()
    with pytest.raises(UnitError) as caught:
        check(parse("USD"), parse("soldiers"), REG)
    assert caught.value.message == "the formula gives USD, not soldiers"


# --- declared units ------------------------------------------------------------------------------


def test_declared_base_unit_takes_plural() -> None:
    registry = Registry(COUNTED | {"drone": None})
    assert registry.parse("drones") == registry.parse("drone") == Unit(1.0, (("drone", 1),))
    assert registry.show(registry.parse("drone")) == "drones"
    assert registry.show(registry.parse("USD/drones")) == "USD/drone"
    assert unit_error("drone").message.startswith("unknown unit 'drone'")  # other registries don't see it


def test_declared_plural_name_resolves_to_its_singular() -> None:
    registry = Registry(COUNTED | {"factories": None, "sites": None})
    assert registry.parse("factory") == registry.parse("factories") == Unit(1.0, (("factory", 1),))
    assert registry.parse("site") == Unit(1.0, (("site", 1),))
    assert registry.show(registry.parse("USD/factory")) == "USD/factory"


def test_declared_scaled_unit() -> None:
    registry = Registry(COUNTED | {"quarter": "3 months", "half": "2 quarters"})  # declared out of order on purpose
    assert factor(registry.parse("quarter"), registry.parse("month")) == 3
    assert factor(registry.parse("half"), registry.parse("quarters")) == 2
    assert registry.show(registry.parse("USD/quarter")) == "USD/quarter"
    assert registry.show(registry.parse("quarters")) == "quarters"


def test_declared_derived_unit() -> None:
    registry = Registry(COUNTED | {"ammo budget": "USD/round"})
    assert registry.parse("ammo budgets") == parse("USD/round")


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"USD": None}, "unit 'USD' already exists"),
        ({"troops": None}, "unit 'troop' already exists"),
        ({"shells": None}, "unit 'shell' already exists"),
        ({"month": "30 days"}, "unit 'month': unknown unit 'days'; declare a new unit under units: in model.yaml"),
        ({"crate": "rounsd"}, "unit 'crate': unknown unit 'rounsd' (did you mean 'rounds'?)"),
        ({"a": "b", "b": "a"}, "unit 'a': unknown unit 'b'; declare a new unit under units: in model.yaml"),
        ({"per": None}, "'per' cannot be a unit name: use words of letters, digits and _"),
        ({"2x": None}, "'2x' cannot be a unit name: use words of letters, digits and _"),
    ],
)
def test_bad_declarations(declared: dict[str, str | None], message: str) -> None:
    with pytest.raises(UnitError) as caught:
        Registry(COUNTED | declared)
    assert caught.value.message == message


# --- derive --------------------------------------------------------------------------------------


def test_derive_deployment_cost() -> None:
    unit = formula(
        "troops * (monthly_pay_usd * months + bonus_usd)",
        troops="soldiers", monthly_pay_usd="USD/soldier/month", months="months", bonus_usd="USD/soldier",
    )
    assert unit == parse("USD")


def test_derive_products_and_quotients() -> None:
    assert formula("losses / troops", losses="soldiers", troops="troops") == DIMENSIONLESS
    assert formula("rounds_shipped * shell_price_usd", rounds_shipped="rounds", shell_price_usd="USD/round") == parse("USD")
    assert formula("-x ** 2", x="months") == parse("month^2")
    assert formula("x ** -1", x="months") == parse("1/month")
    assert formula("2 * x / 4", x="USD") == parse("USD")


def test_derive_tracks_scales_through_products() -> None:
    unit = formula("price / annual * months", price="USD/month", annual="USD/year", months="months")
    assert same_dimension(unit, MONTH)
    assert factor(unit, MONTH) == pytest.approx(12)  # price/annual is in months per year: the caller multiplies by 12
    check(unit, parse("months"), REG)


def test_derive_refuses_adding_different_units() -> None:
    text = "rounds_shipped + shell_price_usd"
    error = formula_error(text, rounds_shipped="rounds", shell_price_usd="USD/round")
    assert error.message == "cannot add rounds to USD/round"
    assert error.col == text.index("+")
    error = formula_error("a + b", a="KRW", b="USD")
    assert (error.message, error.col) == ("cannot add KRW to USD", 2)
    error = formula_error("troops - cost", troops="soldiers", cost="USD")
    assert (error.message, error.col) == ("cannot subtract USD from soldiers", 7)


def test_derive_operator_col_skips_parentheses_lines_and_wide_characters() -> None:
    text = "(troops * 2) + cost"
    assert formula_error(text, troops="soldiers", cost="USD").col == text.index("+")
    text = "(troops\n  ) - cost"
    assert formula_error(text, troops="soldiers", cost="USD").col == text.index("-")
    text = "(troops\r\n  ) - cost"
    assert formula_error(text, troops="soldiers", cost="USD").col == text.index("-")
    text = "병력 + cost"  # ast counts UTF-8 bytes; the col counts characters
    assert formula_error(text, 병력="soldiers", cost="USD").col == 3


def test_derive_adds_different_scales_in_base_units() -> None:
    """Formulas run on base units, so months + years is months (12 per year) and 1 + 5% is 1.05."""
    assert formula("months + years", months="months", years="years") == Unit(1.0, (("month", 1),))
    assert formula("1 + growth", growth="percent") == DIMENSIONLESS
    assert formula("a + b", a="years", b="years") == parse("years")


def test_derive_bare_numbers_take_the_other_side_unit() -> None:
    assert formula("troops + 3000", troops="soldiers") == parse("soldiers")
    assert formula("3000 - troops", troops="soldiers") == parse("soldiers")
    assert formula("(2 * 1500) + troops", troops="soldiers") == parse("soldiers")
    assert formula("years + 1", years="years") == parse("years")
    assert formula("1 + rate", rate="1") == DIMENSIONLESS


def test_derive_powers() -> None:
    assert formula("(1 + rate) ** n", rate="1", n="1") == DIMENSIONLESS
    assert formula("2 ** 0.5") == DIMENSIONLESS
    error = formula_error("(1 + rate) ** t", rate="1", t="months")
    assert (error.message, error.col) == ("an exponent must be a plain number, not months", 14)
    error = formula_error("x ** 0.5", x="months")
    assert (error.message, error.col) == ("months can only be raised to a whole number", 2)


def test_derive_calls() -> None:
    assert formula("min(troops, 3000)", troops="soldiers") == parse("soldiers")
    assert formula("max(a, b)", a="USD", b="USD") == parse("USD")
    assert formula("abs(-losses)", losses="soldiers") == parse("soldiers")
    assert formula("min(1, 2)") == DIMENSIONLESS
    error = formula_error("max(3000, a, b)", a="USD", b="KRW")
    assert (error.message, error.col) == ("cannot take max() of USD and KRW", 13)
    assert formula("min(a, b)", a="months", b="years").dims == (("month", 1),)
    assert formula_error("round(a)", a="USD").message == "unsupported function call round()"
    assert formula_error("abs(a, a)", a="USD").message == "abs() takes exactly one argument"


def test_derive_unknown_name() -> None:
    error = formula_error("troops * wage", troops="soldiers")
    assert (error.message, error.col) == ("unknown name 'wage'", 9)
    assert formula_error("trops + 1", troops="soldiers").message == "unknown name 'trops' (did you mean 'troops'?)"


# --- properties ----------------------------------------------------------------------------------

BASES = ["USD", "KRW", "RUB", "month", "year", "soldier", "round", "rocket system", "housing unit", "battery", "percent"]


def _build(exps: dict[str, int]) -> Unit:
    unit = DIMENSIONLESS
    for name, exp in exps.items():
        unit = multiply(unit, power(REG.parse(name), exp))
    return unit


units = st.dictionaries(st.sampled_from(BASES), st.integers(-3, 3), max_size=4).map(_build)


def _equal(a: Unit, b: Unit) -> bool:
    return a.dims == b.dims and math.isclose(a.scale, b.scale, rel_tol=1e-9)


@given(units, units)
def test_multiply_and_divide_are_inverse(a: Unit, b: Unit) -> None:
    assert _equal(divide(multiply(a, b), b), a)
    assert _equal(multiply(divide(a, b), b), a)
    assert _equal(multiply(a, b), multiply(b, a))


@given(units)
def test_show_then_parse_round_trips(unit: Unit) -> None:
    assert _equal(REG.parse(REG.show(unit)), unit)
