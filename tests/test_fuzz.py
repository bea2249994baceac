"""The whole pipeline under fuzzing: a shipped data file with one value replaced by something
random, or a random formula or `--set`, goes through load, compute, audit and render, and only
nkru's own errors come out — exit 0, 1 or 2, never 70, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nkru.load import bundled_data_dir

from .conftest import run

FILES = ("assumptions.yaml", "model.yaml", "claims.yaml", "figures.yaml", "context.yaml", "sources.yaml")
SHIPPED = {name: yaml.safe_load((bundled_data_dir() / name).read_text(encoding="utf-8")) for name in FILES}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=24), st.sampled_from(["troops", "1/0", "x *", "USD/round", "1e308", "-1", "", "annual_value_usd", "years"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in a YAML document."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, prefix + (index,))
    return out


def _replaced(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: (_replaced(v, rest, value) if k == head else v) for k, v in node.items()}
    return [(_replaced(v, rest, value) if i == head else v) for i, v in enumerate(node)]


def _assert_only_nkru_errors(*args: str) -> None:
    result = run(*args)
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.stderr[-500:])
    assert "internal error" not in result.stderr, (args, result.stderr[-500:])
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(FILES), st.data(), values)
def test_a_data_file_with_one_value_replaced(name: str, data: st.DataObject, value: Any):
    document = SHIPPED[name]
    path = data.draw(st.sampled_from(_paths(document)[1:]))
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_text(yaml.safe_dump(_replaced(document, path, value), allow_unicode=True), encoding="utf-8")
        for command in (("check",), ("deal-value", "--format", "json"), ("casualties",), ("calc", "annual_value_usd", "--format", "csv")):
            _assert_only_nkru_errors(*command, "--data", folder)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="abcdeimnorstuxy_0123456789.+-*/() ", max_size=40))
def test_a_random_formula(formula: str):
    model = dict(SHIPPED["model.yaml"])
    model["quantities"] = dict(model["quantities"]) | {"fuzzed": {"label": "x", "formula": formula, "unit": "1"}}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "model.yaml").write_text(yaml.safe_dump(model, allow_unicode=True), encoding="utf-8")
        _assert_only_nkru_errors("check", "--data", folder)
        _assert_only_nkru_errors("calc", "fuzzed", "--data", folder, "--simulate", "50")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=24), max_size=3), st.sampled_from(["deal-value", "casualties", "calc"]))
def test_random_set_options(sets: list[str], command: str):
    args = [command] + (["annual_value_usd"] if command == "calc" else [])
    for text in sets:
        args += ["--set", text]
    _assert_only_nkru_errors(*args)
