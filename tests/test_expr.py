"""The formula compiler: what it refuses and where, and that its values, bounds and solutions are right."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nkru.engine.expr import ExprError, compile_expr, evaluate, show
from nkru.engine.intervals import bounds, solve
from nkru.model import Range

ONLY = "(only + - * / and ** with a whole-number exponent)"

# ---------------------------------------------------------------------------- compiling


def test_names_come_in_order_of_first_appearance_each_once() -> None:
    c = compile_expr("(b + c) * a + b * max(c, d) - abs(a)")
    assert c.names == ("b", "c", "a", "d")
    assert c.text == "(b + c) * a + b * max(c, d) - abs(a)"


def test_names_follow_the_text_across_lines() -> None:
    assert compile_expr("(zeta *\n alpha + beta)").names == ("zeta", "alpha", "beta")


@pytest.mark.parametrize(
    "text",
    ["1_000 * a", "a ** 2", "a ** -1", "a ** 2.0", "+a - -b", "abs(-a)", "min(a, b, c)", "max(a, 0) / 3e6", "  a + b", "(a +\n b)", "0x10 * a"],
)
def test_whitelisted_formulas_compile(text: str) -> None:
    assert compile_expr(text).tree is not None


REFUSED = [
    ("a.b", "attribute access (x.y) is not allowed", 0, "a.b"),
    ("a[0]", "subscripts are not allowed", 0, "a[0]"),
    ("lambda: 1", "lambda is not allowed", 0, "lambda: 1"),
    ("[x for x in y]", "comprehensions are not allowed", 0, "[x for x in y]"),
    ("open('f')", "calls to 'open' are not allowed (only min, max, abs)", 0, "open"),
    ("__import__('os')", "calls to '__import__' are not allowed (only min, max, abs)", 0, "__import__"),
    ("a % b", f"'%' is not allowed {ONLY}", 2, "%"),
    ("a // b", f"'//' is not allowed {ONLY}", 2, "//"),
    ("a ** b", "'**' needs a whole-number constant exponent, as in x ** 2; b is not one", 5, "b"),
    ("a ** 0.5", "'**' needs a whole-number constant exponent, as in x ** 2; 0.5 is not one", 5, "0.5"),
    ("a < b", "comparisons ('<') are not allowed", 2, "<"),
    ("a and b", "boolean operators ('and') are not allowed", 2, "and"),
    ("not a", f"'not' is not allowed {ONLY}", 0, "not"),
    ("'x'", "'x' is text, not a number", 0, "'x'"),
    ("x if y else z", "if-expressions (x if c else y) are not allowed", 0, "x if y else z"),
    ("f'{a}'", "f-strings are text, not numbers", 0, "f'{a}'"),
    ("min(a)", "min needs at least 2 arguments", 0, "min(a)"),
    ("abs(a, b)", "abs takes exactly 1 argument", 0, "abs(a, b)"),
    ("max(a=1, b=2)", "max takes no keyword arguments", 4, "a=1"),
    ("max(*a)", "starred arguments (*x) are not allowed", 4, "*a"),
    ("a.b(1)", "calls are allowed only to min, max and abs", 0, "a.b"),
    ("True", "True is a truth value, not a number", 0, "True"),
    ("None", "None is not a number", 0, "None"),
    ("1j", "1j is an imaginary number; only real numbers are allowed", 0, "1j"),
    ("1e400 * a", "1e400 is too large a number", 0, "1e400"),
    ("a, b", "tuples (a, b) are not allowed", 0, "a, b"),
    ("a + min", "'min' is a function: call it, as in min(a, b)", 4, "min"),
    ("Troops * 2", "name 'Troops' must be lower-case letters, digits and _ (snake_case)", 0, "Troops"),
    ("2 * __x", "names may not start with '__' (__x)", 4, "__x"),
    ("a × b", "'×' is not allowed: write '*'", 2, "×"),
    ("naïve * 2", "non-ASCII character 'ï' is not allowed (names and digits are plain ASCII)", 2, "ï"),
    ("a + ٣", "non-ASCII character '٣' is not allowed (names and digits are plain ASCII)", 4, "٣"),
    ("a\x00", "control character '\\x00' is not allowed", 1, "\x00"),
    ("", "empty formula", 0, ""),
    (" \n\t", "empty formula", 0, ""),
    ("troops *", "syntax: the formula ends too early", 8, ""),
    ("a b", "syntax: unexpected 'b'", 2, "b"),
    ("(a + b", "syntax: '(' is never closed", 0, "("),
    ("a + b)", "syntax: ')' has no matching opening bracket", 5, ")"),
    ("3x + 1", "syntax: '3x' is not a number (is an operator missing?)", 0, "3x"),
    ("  a %\n b", "syntax: a line ends inside the formula (keep it on one line or wrap it in parentheses)", 5, ""),
    ("\n (a +\r\n bb) % c", f"'%' is not allowed {ONLY}", 13, "%"),
]


@pytest.mark.parametrize(("text", "message", "col", "token"), REFUSED, ids=[r[0] or "empty" for r in REFUSED])
def test_refused_constructs_say_what_and_where(text: str, message: str, col: int, token: str) -> None:
    with pytest.raises(ExprError) as caught:
        compile_expr(text)
    assert (str(caught.value), caught.value.col, caught.value.token) == (message, col, token)
    assert text[col : col + len(token)] == token


@pytest.mark.parametrize(
    ("text", "col"),
    [("(" * 500 + "a" + ")" * 500, 100), ("-" * 1500 + "a", None), ("+".join("a" * 150), 100), ("a" + "+ (a" * 101 + ")" * 101, None)],
)
def test_deep_nesting_is_an_expr_error_not_a_recursion_error(text: str, col: int | None) -> None:
    with pytest.raises(ExprError, match="formula nests deeper than 100 levels") as caught:
        compile_expr(text)
    if col is not None:
        assert caught.value.col == col


def test_long_formulas_are_refused() -> None:
    with pytest.raises(ExprError, match="formula is longer than 2000 characters"):
        compile_expr("a + " * 500 + "a")
    assert compile_expr(" + ".join(["a"] * 80)).names == ("a",)


# ---------------------------------------------------------------------------- evaluating

FORMULAS = [
    "troops * (monthly_pay_usd * months + bonus_usd)",
    "losses / troops",
    "max(losses, troops) - 3e6",
    "min(troops, losses, 5000) + abs(losses - troops) ** 2 / 1e3",
    "-troops ** 3 + (losses - 1) ** -1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_arrays_give_the_numbers_floats_give(text: str) -> None:
    rng = np.random.default_rng(7)
    env = {n: rng.uniform(2, 20_000, size=50) for n in ("troops", "monthly_pay_usd", "months", "bonus_usd", "losses")}
    c = compile_expr(text)
    got = evaluate(c, env)
    assert isinstance(got, np.ndarray) and got.shape == (50,)
    one_by_one = [evaluate(c, {n: float(v[i]) for n, v in env.items()}) for i in range(50)]
    assert all(isinstance(v, float) for v in one_by_one)
    np.testing.assert_allclose(got, one_by_one, rtol=1e-15)


def test_min_max_abs_work_elementwise_on_arrays_and_mixed_with_floats() -> None:
    a, b = np.array([1.0, -5.0, 3.0]), np.array([2.0, -6.0, 0.0])
    assert evaluate(compile_expr("min(a, b)"), {"a": a, "b": b}).tolist() == [1.0, -6.0, 0.0]
    assert evaluate(compile_expr("max(a, b, 2)"), {"a": a, "b": b}).tolist() == [2.0, 2.0, 3.0]
    assert evaluate(compile_expr("abs(a)"), {"a": a}).tolist() == [1.0, 5.0, 3.0]
    assert evaluate(compile_expr("max(a, 0)"), {"a": -2.5}) == 0


def test_min_and_max_on_floats_let_nan_through_as_numpy_does() -> None:
    c = compile_expr("min(a, b)")
    assert math.isnan(evaluate(c, {"a": math.nan, "b": 1.0})) and math.isnan(evaluate(c, {"a": 1.0, "b": math.nan}))


def test_unknown_names_say_which_and_where() -> None:
    with pytest.raises(ExprError) as caught:
        evaluate(compile_expr("a + bonus"), {"a": 1.0})
    assert (str(caught.value), caught.value.col, caught.value.token) == ("unknown name 'bonus'", 4, "bonus")


def test_dividing_by_zero_points_at_the_divisor() -> None:
    with pytest.raises(ExprError) as caught:
        evaluate(compile_expr("a / (b - 1)"), {"a": 1.0, "b": 1.0})
    assert (str(caught.value), caught.value.col, caught.value.token) == ("divides by zero", 5, "b - 1")
    with pytest.raises(ExprError, match="divides by zero"):
        evaluate(compile_expr("a ** -2"), {"a": 0.0})


def test_arrays_divided_by_zero_give_inf_as_numpy_does() -> None:
    with np.errstate(divide="ignore"):
        got = evaluate(compile_expr("a / b"), {"a": np.array([1.0, 2.0]), "b": np.array([0.0, 4.0])})
    assert got.tolist() == [math.inf, 0.5]


def test_powers_that_overflow_give_inf_like_products_do() -> None:
    assert evaluate(compile_expr("a ** 400"), {"a": 10.0}) == math.inf
    assert evaluate(compile_expr("a ** 401"), {"a": -10.0}) == -math.inf
    assert evaluate(compile_expr("a ** 3"), {"a": -2}) == -8.0


def test_numpy_is_not_imported_with_the_module() -> None:
    code = "import sys, nkru.engine.expr as e; e.evaluate(e.compile_expr('min(a, 2)'), {'a': 1.0}); print('numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


# ---------------------------------------------------------------------------- bounds


def test_bounds_of_annual_value() -> None:
    c = compile_expr("troops * (pay * months + bonus)")
    env = {"troops": Range(11000, 10000, 12000), "pay": Range(2000, 2000, 3000), "months": Range.point(12), "bonus": Range.point(2000)}
    assert bounds(c, env) == (Range(286e6, 260e6, 456e6), True)


def test_bounds_without_a_central_value() -> None:
    value, exact = bounds(compile_expr("losses / troops"), {"losses": Range(None, 1000, 3800), "troops": Range.point(11000)})
    assert value.value is None and exact
    assert value.low == pytest.approx(1000 / 11000, rel=1e-15) and value.high == pytest.approx(3800 / 11000, rel=1e-15)


def test_a_name_used_twice_gives_a_sound_enclosure_not_exact() -> None:
    assert bounds(compile_expr("x - x"), {"x": Range(1.5, 1, 2)}) == (Range(0.0, -1.0, 1.0), False)


def test_square_by_product_across_zero_is_an_enclosure_and_by_power_is_exact() -> None:
    square, exact = bounds(compile_expr("x * x"), {"x": Range(1, -1, 2)})
    assert not exact and (square.low, square.high) == (-2.0, 4.0)  # the true range, 0..4, lies inside
    assert bounds(compile_expr("x ** 2"), {"x": Range(1, -1, 2)}) == (Range(1.0, 0.0, 4.0), True)
    assert bounds(compile_expr("abs(x)"), {"x": Range(1, -1, 2)}) == (Range(1.0, 0.0, 2.0), True)


def test_corners_that_reach_the_enclosure_make_it_exact() -> None:
    assert bounds(compile_expr("x * x + x"), {"x": Range(1, 1, 2)}) == (Range(2.0, 2.0, 6.0), True)


def test_a_point_used_twice_keeps_bounds_exact() -> None:
    c = compile_expr("troops * pay - troops * cost")
    got = bounds(c, {"troops": Range.point(10.0), "pay": Range(3.0, 2.0, 4.0), "cost": Range(1.0, 0.0, 1.5)})
    assert got == (Range(20.0, 5.0, 40.0), True)


def test_corners_are_skipped_above_twelve_ranged_names() -> None:
    def box(n: int) -> dict[str, Range]:
        return {f"a{i}": Range(2.0, 1.0, 3.0) for i in range(n)}

    twelve, thirteen = (compile_expr("a0 * a0 + " + " + ".join(f"a{i}" for i in range(1, n))) for n in (12, 13))
    assert bounds(twelve, box(12)) == (Range(26.0, 12.0, 42.0), True)
    assert bounds(thirteen, box(13)) == (Range(28.0, 13.0, 45.0), False)


@pytest.mark.parametrize(
    ("text", "message", "col", "token"),
    [("losses / troops", "divides by zero: troops can be 0", 9, "troops"), ("a / (b - 1) + 1", "divides by zero: b - 1 can be 0", 5, "b - 1"),
     ("a ** -1", "divides by zero: a can be 0", 0, "a")],
)
def test_dividing_by_a_range_holding_zero_is_refused(text: str, message: str, col: int, token: str) -> None:
    env = {"losses": Range.point(5.0), "troops": Range(5, 0, 10), "a": Range(0.5, -1, 1), "b": Range(2, 0.5, 3)}
    with pytest.raises(ExprError) as caught:
        bounds(compile_expr(text), env)
    assert (str(caught.value), caught.value.col, caught.value.token) == (message, col, token)


def test_bounds_name_unknown_names() -> None:
    with pytest.raises(ExprError, match="unknown name 'b'"):
        bounds(compile_expr("a + b"), {"a": Range.point(1.0)})


NAMES = ("a", "b", "c")
leaves = st.sampled_from(NAMES) | st.sampled_from(["1", "2", "0.5", "3", "10"])
trees = st.recursive(
    leaves,
    lambda kids: (
        st.tuples(kids, st.sampled_from("+-*/"), kids).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        | kids.map(lambda k: f"-{k}")
        | st.tuples(st.sampled_from(["min", "max"]), st.lists(kids, min_size=2, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})")
        | kids.map(lambda k: f"abs({k})")
    ),
    max_leaves=10,
)
ends = st.floats(-1e3, 1e3, allow_nan=False)
boxes = st.tuples(*[st.tuples(ends, ends).map(sorted) for _ in NAMES])


@settings(max_examples=200, deadline=None)
@given(text=trees, box=boxes, fractions=st.lists(st.tuples(*[st.floats(0, 1)] * 3), min_size=20, max_size=20))
def test_bounds_hold_every_value_in_the_box(text: str, box: list[list[float]], fractions: list[tuple[float, ...]]) -> None:
    c = compile_expr(text)
    env = {n: Range((low + high) / 2, low, high) for n, (low, high) in zip(NAMES, box)}
    try:
        value, exact = bounds(c, env)
    except ExprError as error:
        assume("divides by zero" not in str(error))
        raise
    assume(math.isfinite(value.low) and math.isfinite(value.high))

    def inside(v: float) -> bool:
        tolerance = 1e-9 * (1 + abs(v))
        return value.low - tolerance <= v <= value.high + tolerance

    points = [{n: min(max(low + f * (high - low), low), high) for n, (low, high), f in zip(NAMES, box, fs)} for fs in fractions]
    assert all(inside(evaluate(c, point)) for point in points)
    corners = [evaluate(c, dict(zip(NAMES, combo))) for combo in itertools.product(*box)]
    assert all(inside(v) for v in corners)
    assert value.value is not None and inside(value.value)
    if exact and "abs" not in text:  # without abs, an exact range of these operations is reached at corners
        assert math.isclose(min(corners), value.low, rel_tol=1e-9, abs_tol=1e-9) and math.isclose(max(corners), value.high, rel_tol=1e-9, abs_tol=1e-9)


# ---------------------------------------------------------------------------- solving


def test_solve_for_a_price() -> None:
    got = solve(compile_expr("rounds * price"), {"rounds": 6e6}, "price", 6e9)
    assert got is not None and math.isclose(got, 1000, rel_tol=1e-9)


def test_solve_for_the_bonus_that_gives_an_annual_value() -> None:
    c = compile_expr("troops * (monthly_pay_usd * months + bonus_usd)")
    got = solve(c, {"troops": 11000, "monthly_pay_usd": 2000, "months": 12}, "bonus_usd", 286e6)
    assert got is not None and math.isclose(got, 2000, rel_tol=1e-9)


def test_solve_for_a_divisor() -> None:
    got = solve(compile_expr("losses / troops"), {"losses": 1100}, "troops", 0.1)
    assert got is not None and math.isclose(got, 11000, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("text", "env", "name", "target"),
    [
        ("rounds / price", {"rounds": 6e6}, "price", 0.0),
        ("x - x + 3", {}, "x", 3.0),
        ("0 * x", {}, "x", 0.0),
        ("a + b", {"a": 1, "b": 2}, "x", 3.0),
        ("1 / (x - 1)", {}, "x", 0.0),
    ],
    ids=["unreachable", "constant", "constant zero", "name not used", "pole"],
)
def test_solve_gives_none_where_no_value_works(text: str, env: dict[str, float], name: str, target: float) -> None:
    assert solve(compile_expr(text), env, name, target) is None


def test_solve_finds_a_negative_answer_when_no_positive_one_exists() -> None:
    assert solve(compile_expr("rounds * price"), {"rounds": 6e6}, "price", -1.0) == pytest.approx(-1 / 6e6)


def test_solve_gives_zero_where_zero_is_the_answer() -> None:
    assert solve(compile_expr("5 * x + 2"), {}, "x", 2.0) == 0.0


# ---------------------------------------------------------------------------- showing


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("troops*(monthly_pay_usd*months+bonus_usd)", "troops × (monthly_pay_usd × months + bonus_usd)"),
        ("losses   /troops", "losses ÷ troops"),
        ("max(a,b) - 3e6", "max(a, b) − 3e6"),
        ("((a + b)) + (c)", "a + b + c"),
        ("a - (b - c)", "a − (b − c)"),
        ("a / (b * c)", "a ÷ (b × c)"),
        ("(a * b) / c", "a × b ÷ c"),
        ("-(a + b)", "−(a + b)"),
        ("(-a) ** 2", "(−a)^2"),
        ("-a ** -2", "−a^−2"),
        ("(a +\n b) * c", "(a + b) × c"),
    ],
)
def test_show_writes_formulas_for_people(text: str, shown: str) -> None:
    assert show(compile_expr(text)) == shown


def test_a_number_running_into_a_word_is_an_error_not_a_python_warning():
    """Python only warns about "2and"; nkru refuses it in its own words and prints nothing else."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ExprError, match=r"^syntax: '2and' is not a number \(is an operator missing\?\)$"):
            compile_expr("troops * 2and 3")
    assert not [w for w in caught if issubclass(w.category, SyntaxWarning)]
