"""The unit a formula gives: derived bottom-up over its syntax tree from the units of the names in
it, and checked against the unit the model declares. nkru evaluates formulas on numbers in base
units, so a sum of months and years is fine; items plus dollars per item is not."""

from __future__ import annotations

import ast
import io
import math
from collections.abc import Mapping

from nkru.engine.units import DIMENSIONLESS, Registry, Unit, UnitError, close, divide, multiply, plain, power, same_dimension


def _offset(text: str, lineno: int | None, col: int | None) -> int:
    """A node position (1-based line, UTF-8 byte column, as ast gives it) as an offset into `text`."""
    lines = io.StringIO(text, newline="").readlines()  # splits where ast counts lines: \n, \r\n, \r
    if lineno is None or col is None or not 0 < lineno <= len(lines):
        return 0
    line = lines[lineno - 1]
    return sum(len(before) for before in lines[: lineno - 1]) + len(line.encode()[:col].decode(errors="ignore"))


def _pure_number(node: ast.expr) -> bool:
    """Whether a subexpression names nothing, so it is a bare number."""
    return not any(isinstance(child, ast.Name) for child in ast.walk(node))


def _whole_number(node: ast.expr) -> int | None:
    """The value of a whole-number literal exponent such as 2, -1 or 2.0; None for anything else."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign, node = (-1 if isinstance(node.op, ast.USub) else 1), node.operand
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return sign * int(value)
    return None


class _Deriver:
    """Works out units bottom-up over a formula's syntax tree."""

    def __init__(self, text: str, name_units: Mapping[str, Unit], registry: Registry) -> None:
        self.text, self.names, self.registry = text, name_units, registry

    def col(self, node: ast.expr) -> int:
        return _offset(self.text, node.lineno, node.col_offset)

    def operator_col(self, node: ast.BinOp) -> int:
        """The offset of a binary operator: after the left operand, its closing parentheses and spaces."""
        pos = _offset(self.text, node.left.end_lineno, node.left.end_col_offset)
        while pos < len(self.text) and self.text[pos] in " \t\r\n)\\":
            pos += 1
        return pos if pos < len(self.text) and self.text[pos] in "+-*/" else self.col(node)

    def unit(self, node: ast.expr) -> Unit:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return DIMENSIONLESS
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            import difflib

            close = difflib.get_close_matches(node.id, self.names, n=1)
            raise UnitError(f"unknown name {node.id!r}" + (f" (did you mean {close[0]!r}?)" if close else ""), self.col(node))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.unit(node.operand)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise UnitError(f"cannot work out the unit of {ast.unparse(node)!r}", self.col(node))

    def binop(self, node: ast.BinOp) -> Unit:
        left, right = self.unit(node.left), self.unit(node.right)
        if isinstance(node.op, ast.Mult):
            return multiply(left, right)
        if isinstance(node.op, ast.Div):
            return divide(left, right)
        if isinstance(node.op, ast.Pow):
            return self.pow(node, left, right)
        if not isinstance(node.op, (ast.Add, ast.Sub)):
            raise UnitError(f"unsupported operator in {ast.unparse(node)!r}", self.operator_col(node))
        # A bare number takes the unit of a dimensioned other side: count + 3000 is in the count's unit.
        if _pure_number(node.right) and left.dims:
            return left
        if _pure_number(node.left) and right.dims:
            return right
        if same_dimension(left, right):
            # Formulas run on numbers in base units (a month plus a year is 13 months), so
            # the sum is in the base unit of the dimension.
            return Unit(1.0, left.dims) if not close(left.scale, right.scale) else left
        a, b = self.registry.show(left), self.registry.show(right)
        message = f"cannot add {a} to {b}" if isinstance(node.op, ast.Add) else f"cannot subtract {b} from {a}"
        raise UnitError(message, self.operator_col(node))

    def pow(self, node: ast.BinOp, base: Unit, exponent: Unit) -> Unit:
        n = _whole_number(node.right)
        if n is not None:
            return power(base, n)
        if not plain(exponent):
            raise UnitError(f"an exponent must be a plain number, not {self.registry.show(exponent)}", self.col(node.right))
        if not plain(base):
            raise UnitError(f"{self.registry.show(base)} can only be raised to a whole number", self.operator_col(node))
        return DIMENSIONLESS

    def call(self, node: ast.Call) -> Unit:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if name not in ("min", "max", "abs") or node.keywords:
            raise UnitError(f"unsupported function call {name}()", self.col(node))
        units = [self.unit(arg) for arg in node.args]
        if name == "abs":
            if len(units) != 1:
                raise UnitError("abs() takes exactly one argument", self.col(node))
            return units[0]
        if not units:
            raise UnitError(f"{name}() needs at least one argument", self.col(node))
        # As with +, bare numbers take the unit of the first argument that has one.
        reference = next((u for u, arg in zip(units, node.args) if not _pure_number(arg)), units[0])
        for unit, arg in zip(units, node.args):
            if _pure_number(arg) and reference.dims:
                continue
            if not same_dimension(unit, reference):
                shown = f"{self.registry.show(reference)} and {self.registry.show(unit)}"
                raise UnitError(f"cannot take {name}() of {shown}", self.col(arg))
        return reference


def derive(tree: ast.expr, text: str, name_units: Mapping[str, Unit], registry: Registry) -> Unit:
    """The unit a formula gives, from its syntax tree and the units of the names in it. nkru
    evaluates formulas on numbers in base units, so only the dimensions of the result matter."""
    return _Deriver(text, name_units, registry).unit(tree)


def check(derived: Unit, declared: Unit, registry: Registry) -> None:
    """Raise UnitError when a formula's derived unit does not measure what its declared unit does."""
    if not same_dimension(derived, declared):
        raise UnitError(f"the formula gives {registry.show(derived)}, not {registry.show(declared)}")
