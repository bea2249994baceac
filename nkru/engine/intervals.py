"""Formulas on ranges: the bounds of a compiled formula over a box of input ranges, by interval
arithmetic, and solving a formula for one input.

Bounds are exact where the formula uses each name once, or where the corners reach the enclosure
(monotone in each input); a sound enclosure otherwise. "Once" counts only names given as a range: a fixed
input used twice adds no spread. The enclosure uses plain float arithmetic; float rounding is monotone, so a
float evaluation anywhere in the box still lands inside it.
"""

from __future__ import annotations

import ast
import itertools
import math
from collections import Counter
from collections.abc import Callable, Mapping

from nkru.engine.expr import FUNCTIONS, MAX_CORNER_NAMES, Compiled, ExprError, Interval, evaluate, float_power, located, pick, where, whole_exponent
from nkru.model import Range


def bounds(c: Compiled, env: Mapping[str, Range]) -> tuple[Range, bool]:
    """The central value and low..high over the box of input ranges, and whether low..high is exactly the range."""
    low, high = _interval(c.text, c.tree, env)
    values = {n: env[n].value for n in c.names}
    central = None if any(v is None for v in values.values()) else float(evaluate(c, values))
    ranged = [n for n in c.names if env[n].low != env[n].high]
    uses = Counter(node.id for node in ast.walk(c.tree) if isinstance(node, ast.Name) and node.id not in FUNCTIONS)
    if all(uses[n] == 1 for n in ranged):
        return Range(central, low, high), True
    corners = _corners(c, env, ranged)
    if corners and math.isclose(corners[0], low, rel_tol=1e-12) and math.isclose(corners[1], high, rel_tol=1e-12):
        return Range(central, *corners), True
    return Range(central, low, high), False


def _corners(c: Compiled, env: Mapping[str, Range], ranged: list[str]) -> Interval | None:
    if len(ranged) > MAX_CORNER_NAMES:
        return None
    held = {n: env[n].low for n in c.names}
    try:
        values = [float(evaluate(c, held | dict(zip(ranged, combo)))) for combo in itertools.product(*((env[n].low, env[n].high) for n in ranged))]
    except (ExprError, ArithmeticError):
        return None
    low, high = _hull(values)
    return None if math.isnan(low) else (low, high)


def _interval(text: str, node: ast.expr, env: Mapping[str, Range]) -> Interval:
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, (int, float))
        return float(node.value), float(node.value)
    if isinstance(node, ast.Name):
        try:
            r = env[node.id]
        except KeyError:
            raise located(text, node, f"unknown name '{node.id}'") from None
        return float(r.low), float(r.high)
    if isinstance(node, ast.UnaryOp):
        low, high = _interval(text, node.operand, env)
        return (-high, -low) if isinstance(node.op, ast.USub) else (low, high)
    if isinstance(node, ast.BinOp):
        a = _interval(text, node.left, env)
        if isinstance(node.op, ast.Pow):
            return _interval_power(text, node, a)
        b = _interval(text, node.right, env)
        if isinstance(node.op, ast.Add):
            return a[0] + b[0], a[1] + b[1]
        if isinstance(node.op, ast.Sub):
            return a[0] - b[1], a[1] - b[0]
        if isinstance(node.op, ast.Mult):
            return _hull([_times(x, y) for x in a for y in b])
        if b[0] <= 0 <= b[1]:
            raise _divides_by_zero(text, node.right)
        return _hull([x / y for x in a for y in b])
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    parts = [_interval(text, arg, env) for arg in node.args]
    if node.func.id == "abs":
        low, high = parts[0]
        if low >= 0 or high <= 0:
            return _hull([abs(low), abs(high)])
        return 0.0, pick(max, [-low, high])
    choose = min if node.func.id == "min" else max
    return pick(choose, (p[0] for p in parts)), pick(choose, (p[1] for p in parts))


def _interval_power(text: str, node: ast.BinOp, base: Interval) -> Interval:
    n = whole_exponent(node.right)
    assert n is not None
    low, high = base
    if n < 0 and low <= 0 <= high:
        raise _divides_by_zero(text, node.left)
    ends = _hull([float_power(low, n), float_power(high, n)])
    # x**n is monotone on each side of 0, so the ends bound it, except even powers across 0, which dip to 0
    if n > 0 and n % 2 == 0 and low < 0 < high:
        return 0.0, ends[1]
    return ends


def _divides_by_zero(text: str, divisor: ast.expr) -> ExprError:
    col, source = where(text, divisor)
    return ExprError(f"divides by zero: {source} can be 0", col, source)


def _times(x: float, y: float) -> float:
    return 0.0 if x == 0 or y == 0 else x * y  # interval convention: 0 * inf is 0, not nan


def _hull(values: list[float]) -> Interval:
    return pick(min, values), pick(max, values)


# ---------------------------------------------------------------------------- solving


def solve(c: Compiled, env: Mapping[str, float], name: str, target: float) -> float | None:
    """The value x >= 0 of `name` that makes the formula give `target`, the others held; None where none exists."""
    if name not in c.names:
        return None
    return root(lambda x: float(evaluate(c, {**env, name: x})), target)


def root(fn: Callable[[float], float], target: float) -> float | None:
    """The x where fn(x) == target, looked for at x >= 0 first, then below 0 (a value an input's
    limits may rule out, but the answer all the same); None where there is none, or fn does not
    depend on x."""

    def gap(x: float) -> float:
        g = fn(x) - target
        if math.isnan(g):
            raise ArithmeticError("not a number")
        return g

    for sign in (1.0, -1.0):

        def side(x: float, sign: float = sign) -> float:
            return gap(sign * x)

        try:
            found = _root(side)
        except (ExprError, ArithmeticError):
            found = None
        if found is not None:
            return sign * found
    return None


def _root(gap: Callable[[float], float]) -> float | None:
    samples = [_quietly(gap, x) for x in (0.0, 1e-12, 1.0, 1e3, 1e6, 1e12)]
    finite = [s for s in samples if s is not None and math.isfinite(s)]
    if len(finite) > 1 and all(s == finite[0] for s in finite):
        return None  # constant in x: either no value or every value works
    if samples[0] == 0:
        return 0.0
    # Bisection on a doubling bracket, as the fixed formulas did: one sign change is all it looks for.
    low, high = 1e-12, 1.0
    low_gap, high_gap = gap(low), gap(high)
    if low_gap == 0:
        return low
    while high_gap != 0 and (high_gap > 0) == (low_gap > 0):
        high *= 2
        if high > 1e300:
            return None
        high_gap = gap(high)
    if high_gap == 0:
        return high
    worst = max(abs(low_gap), abs(high_gap))
    for _ in range(300):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        g = gap(middle)
        if g == 0:
            return middle
        if (g > 0) == (low_gap > 0):
            low = middle
        else:
            high = middle
    root = (low + high) / 2
    # A sign change across a pole (1 / (x - 1)) is no root: there the gap grows instead of shrinking.
    return root if abs(gap(root)) <= worst else None


def _quietly(gap: Callable[[float], float], x: float) -> float | None:
    try:
        return gap(x)
    except (ExprError, ArithmeticError):
        return None


