"""Formulas from the data files, compiled safely: parse, check against a whitelist, evaluate by walking the tree.

A formula is arithmetic over named inputs: + - * /, ** with a whole-number constant exponent, unary minus,
parentheses and min, max, abs. No text ever reaches eval, exec or compile: `ast.parse` builds the tree, every
node is checked against the whitelist, and this module walks the tree itself.

The same compiled form is evaluated on floats and on numpy arrays here, and on ranges by
`nkru.engine.intervals`.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

MAX_CHARS = 2000
MAX_DEPTH = 100
MAX_CORNER_NAMES = 12  # at most 2**12 corner evaluations
FUNCTIONS = ("min", "max", "abs")
ONLY_OPERATORS = "only + - * / and ** with a whole-number exponent"

_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
_NEWLINE = re.compile(r"\r\n|\r|\n")  # the line breaks Python's tokenizer counts
_TOKEN = re.compile(r"[A-Za-z0-9_.]+|\S")
_ASCII_FOR = {"×": "*", "÷": "/", "−": "-", "–": "-", "·": "*"}
_ARITH: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}
_OPERATOR_TEXT: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//",
    ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is",
    ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.And: "and", ast.Or: "or", ast.Not: "not", ast.Invert: "~",
}
_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (x.y) is not allowed", ast.Subscript: "subscripts are not allowed",
    ast.Lambda: "lambda is not allowed", ast.IfExp: "if-expressions (x if c else y) are not allowed",
    ast.JoinedStr: "f-strings are text, not numbers", ast.List: "lists are not allowed", ast.Set: "sets are not allowed",
    ast.Tuple: "tuples (a, b) are not allowed", ast.Dict: "dicts are not allowed", ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Starred: "starred expressions (*x) are not allowed",
} | dict.fromkeys((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "comprehensions are not allowed")
_SYNTAX = (  # Python's words for a syntax error -> ours; the first that matches wins
    ("never closed", "'{t}' is never closed"),
    ("unmatched", "'{t}' has no matching opening bracket"),
    ("invalid decimal literal", "'{t}' is not a number (is an operator missing?)"),
    ("forgot a comma", "unexpected '{t}' (is an operator or a comma missing?)"),
    ("invalid syntax", "unexpected '{t}'"),
)
Interval = tuple[float, float]


class ExprError(ValueError):
    """A formula nkru cannot use. `col` is the 0-based character offset in the formula text of the
    offending token (0 where unknown); `token` is that token's text ('' where none)."""

    def __init__(self, message: str, col: int = 0, token: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.col = col
        self.token = token


class Compiled(NamedTuple):
    """A checked formula: its text, its tree, and the names it uses in order of first appearance."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]


# ---------------------------------------------------------------------------- compiling


@functools.lru_cache(maxsize=4096)  # pure: the same text compiles to the same tree, which nothing mutates
def compile_expr(text: str) -> Compiled:
    """Parse `text` and check it against the whitelist; ExprError says what was refused, and where."""
    if not isinstance(text, str):
        raise ExprError(f"a formula is text, not {type(text).__name__}")
    if not text.strip():
        raise ExprError("empty formula")
    if len(text) > MAX_CHARS:
        raise ExprError(f"formula is longer than {MAX_CHARS} characters", MAX_CHARS)
    _check_characters(text)
    try:
        # eval mode refuses leading indentation; _line_starts adds the stripped offset back. A
        # warning ("1if": a number running into a word) is a syntax error here, not a line on stderr.
        with warnings.catch_warnings():
            warnings.simplefilter("error", SyntaxWarning)
            body = ast.parse(text.lstrip(), mode="eval").body
    except SyntaxError as error:
        raise _syntax_error(text, error) from None
    except (RecursionError, MemoryError):
        raise ExprError(f"formula nests deeper than {MAX_DEPTH} levels") from None
    _check_depth(text, body)
    names: list[ast.Name] = []
    _check(text, body, names)
    names.sort(key=lambda n: (n.lineno, n.col_offset))
    return Compiled(text, body, tuple(dict.fromkeys(n.id for n in names)))


def _check_characters(text: str) -> None:
    # Before parsing: Python would accept non-ASCII names and digits, and its parser recurses on brackets.
    depth = 0
    for i, ch in enumerate(text):
        if ch in _ASCII_FOR:
            raise ExprError(f"'{ch}' is not allowed: write '{_ASCII_FOR[ch]}'", i, ch)
        if not ch.isascii():
            raise ExprError(f"non-ASCII character '{ch}' is not allowed (names and digits are plain ASCII)", i, ch)
        if not ch.isprintable() and ch not in "\t\r\n":
            raise ExprError(f"control character {ch!r} is not allowed", i, ch)
        depth += (ch in "([{") - (ch in ")]}")
        if depth > MAX_DEPTH:
            raise ExprError(f"formula nests deeper than {MAX_DEPTH} levels", i, ch)


def _syntax_error(text: str, error: SyntaxError) -> ExprError:
    end = len(text.rstrip())
    starts = _line_starts(text)
    lineno, offset = error.lineno or 0, error.offset or 0
    col = starts[lineno - 1] + offset - 1 if 1 <= lineno <= len(starts) and offset >= 1 else end
    col = min(max(col, 0), end)  # Python reports a formula that stops short at offset 0
    token = _token_at(text, col)
    if col >= end:
        words = "the formula ends too early"
    elif not token:
        words = "a line ends inside the formula (keep it on one line or wrap it in parentheses)"
    else:
        words = next((ours.format(t=token) for theirs, ours in _SYNTAX if theirs in error.msg), error.msg)
    return ExprError(f"syntax: {words}", col, token)


def _check_depth(text: str, body: ast.expr) -> None:
    # Iterative, so that the recursive walks after it are known to stay far from the recursion limit.
    stack = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            col = where(text, node)[0]
            raise ExprError(f"formula nests deeper than {MAX_DEPTH} levels", col, _token_at(text, col))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))


def _check(text: str, node: ast.expr, names: list[ast.Name]) -> None:
    if isinstance(node, ast.Constant):
        _check_constant(text, node)
    elif isinstance(node, ast.Name):
        _check_name(text, node)
        names.append(node)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            op = _OPERATOR_TEXT[type(node.op)]
            raise ExprError(f"'{op}' is not allowed ({ONLY_OPERATORS})", where(text, node)[0], op)
        _check(text, node.operand, names)
    elif isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow) and whole_exponent(node.right) is None:
            exponent = where(text, node.right)[1]
            raise located(text, node.right, f"'**' needs a whole-number constant exponent, as in x ** 2; {exponent} is not one")
        if not isinstance(node.op, ast.Pow) and type(node.op) not in _ARITH:
            raise _between(text, node.left, node.right, node.op, "'{op}' is not allowed (" + ONLY_OPERATORS + ")")
        _check(text, node.left, names)
        _check(text, node.right, names)
    elif isinstance(node, ast.Call):
        _check_call(text, node, names)
    elif isinstance(node, ast.Compare):
        raise _between(text, node.left, node.comparators[0], node.ops[0], "comparisons ('{op}') are not allowed")
    elif isinstance(node, ast.BoolOp):
        raise _between(text, node.values[0], node.values[1], node.op, "boolean operators ('{op}') are not allowed")
    else:
        raise located(text, node, _REFUSED.get(type(node), f"{type(node).__name__} is not allowed"))


def _check_constant(text: str, node: ast.Constant) -> None:
    value, source = node.value, where(text, node)[1]
    if isinstance(value, bool):
        message = f"{source} is a truth value, not a number"
    elif isinstance(value, (str, bytes)):
        message = f"{source} is text, not a number"
    elif isinstance(value, complex):
        message = f"{source} is an imaginary number; only real numbers are allowed"
    elif isinstance(value, (int, float)):
        if _finite(value):
            return
        message = f"{source} is too large a number"
    else:
        message = f"{source} is not a number"
    raise located(text, node, message)


def _check_name(text: str, node: ast.Name) -> None:
    if node.id in FUNCTIONS:
        raise located(text, node, f"'{node.id}' is a function: call it, as in {node.id}(a, b)")
    if node.id.startswith("__"):
        raise located(text, node, f"names may not start with '__' ({node.id})")
    if not _NAME.match(node.id):
        raise located(text, node, f"name '{node.id}' must be lower-case letters, digits and _ (snake_case)")


def _check_call(text: str, node: ast.Call, names: list[ast.Name]) -> None:
    func = node.func
    if not isinstance(func, ast.Name):
        raise located(text, func, "calls are allowed only to min, max and abs")
    if func.id not in FUNCTIONS:
        raise located(text, func, f"calls to '{func.id}' are not allowed (only min, max, abs)")
    if node.keywords:
        raise located(text, node.keywords[0], f"{func.id} takes no keyword arguments")
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise located(text, arg, "starred arguments (*x) are not allowed")
    if func.id == "abs" and len(node.args) != 1:
        raise located(text, node, "abs takes exactly 1 argument")
    if func.id != "abs" and len(node.args) < 2:
        raise located(text, node, f"{func.id} needs at least 2 arguments")
    for arg in node.args:
        _check(text, arg, names)


def whole_exponent(node: ast.expr) -> int | None:
    """The whole-number value of a constant exponent (2, -1, 2.0); None for anything else."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    if isinstance(node, ast.Constant) and type(node.value) is float and node.value.is_integer():
        return sign * int(node.value)
    return None


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _token_at(text: str, col: int) -> str:
    match = _TOKEN.match(text, col)
    return match.group() if match else ""


def _line_starts(text: str) -> list[int]:
    shift = len(text) - len(text.lstrip())
    return [shift] + [m.end() for m in _NEWLINE.finditer(text, shift)]


def where(text: str, node: ast.expr | ast.keyword) -> tuple[int, str]:
    """(offset, source text) of a node in the formula as written."""
    starts = _line_starts(text)
    start = starts[node.lineno - 1] + node.col_offset
    end = starts[(node.end_lineno or node.lineno) - 1] + (node.end_col_offset or node.col_offset)
    return start, text[start:end]


def located(text: str, node: ast.expr | ast.keyword, message: str) -> ExprError:
    """An ExprError at a node: its column and its source text as the token."""
    return ExprError(message, *where(text, node))


def _between(text: str, left: ast.expr, right: ast.expr, op: ast.AST, message: str) -> ExprError:
    # The tree keeps no position for operators: find the operator between its operands.
    symbol = _OPERATOR_TEXT.get(type(op), type(op).__name__)
    begin, source = where(text, left)
    col = text.find(symbol, begin + len(source), where(text, right)[0])
    return ExprError(message.format(op=symbol), col if col >= 0 else begin, symbol)


# ---------------------------------------------------------------------------- evaluating


def evaluate(c: Compiled, env: Mapping[str, Any]) -> Any:
    """The formula's value with names from `env`: floats give a float, numpy arrays an array, elementwise."""
    return _eval(c.text, c.tree, env)


def _eval(text: str, node: ast.expr, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        try:
            return env[node.id]
        except KeyError:
            raise located(text, node, f"unknown name '{node.id}'") from None
    if isinstance(node, ast.UnaryOp):
        value = _eval(text, node.operand, env)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp):
        left = _eval(text, node.left, env)
        if isinstance(node.op, ast.Pow):
            n = whole_exponent(node.right)
            assert n is not None
            if _is_array(left):
                return left ** float(n)  # numpy refuses integer arrays to negative integer powers
            try:
                return float_power(left, n)
            except ZeroDivisionError:
                raise located(text, node.left, "divides by zero") from None
        right = _eval(text, node.right, env)
        try:
            return _ARITH[type(node.op)](left, right)
        except ZeroDivisionError:
            raise located(text, node.right, "divides by zero") from None
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_eval(text, arg, env) for arg in node.args]
    if node.func.id == "abs":
        return abs(args[0])
    if any(_is_array(arg) for arg in args):
        import numpy as np  # only here: importing numpy costs every run of nkru at start-up

        return functools.reduce(np.minimum if node.func.id == "min" else np.maximum, args)
    return pick(min if node.func.id == "min" else max, args)


def _is_array(x: object) -> bool:
    np = sys.modules.get("numpy")  # no array can exist before numpy is loaded
    return np is not None and isinstance(x, np.ndarray)


def float_power(x: float, n: int) -> float:
    """x ** n on floats, overflowing to infinity rather than raising."""
    try:
        return float(x) ** n
    except OverflowError:  # float ** raises where float * would give inf; give inf as well
        return math.copysign(math.inf, x) if n % 2 else math.inf


def pick(choose: Callable[[list[float]], float], values: Iterable[float]) -> float:
    # nan wins wherever it stands, as with numpy; builtin min's answer would depend on the order
    """min or max of some floats, nan if any is nan (as numpy does), whatever the order."""
    items = list(values)
    return math.nan if any(map(math.isnan, items)) else choose(items)


# ---------------------------------------------------------------------------- showing

_SHOWN = {ast.Add: ("+", 1), ast.Sub: ("−", 1), ast.Mult: ("×", 2), ast.Div: ("÷", 2)}
_UNARY, _POWER, _ATOM = 3, 4, 5


def show(c: Compiled) -> str:
    """The formula for people: × ÷ − for * / -, one space around operators, only the parentheses it needs."""
    return _show(c.text, c.tree)[0]


def _show(text: str, node: ast.expr) -> tuple[str, int]:
    if isinstance(node, ast.Constant):
        return where(text, node)[1], _ATOM  # as written: 3e6 stays 3e6
    if isinstance(node, ast.Name):
        return node.id, _ATOM
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return f"{node.func.id}({', '.join(_show(text, arg)[0] for arg in node.args)})", _ATOM
    if isinstance(node, ast.UnaryOp):
        shown, precedence = _show(text, node.operand)
        sign = "−" if isinstance(node.op, ast.USub) else "+"
        return sign + (f"({shown})" if precedence < _UNARY else shown), _UNARY
    assert isinstance(node, ast.BinOp)
    left, left_precedence = _show(text, node.left)
    if isinstance(node.op, ast.Pow):
        n = whole_exponent(node.right)
        base = left if left_precedence == _ATOM else f"({left})"
        return f"{base}^{'−' if n is not None and n < 0 else ''}{abs(n or 0)}", _POWER
    symbol, precedence = _SHOWN[type(node.op)]
    right, right_precedence = _show(text, node.right)
    if left_precedence < precedence:
        left = f"({left})"
    # a + (b + c) and a × (b × c) read the same without them; a − (b − c) and a ÷ (b ÷ c) do not
    if right_precedence < precedence or (right_precedence == precedence and isinstance(node.op, (ast.Sub, ast.Div))):
        right = f"({right})"
    return f"{left} {symbol} {right}", precedence
