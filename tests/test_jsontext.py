"""nkru's JSON writer gives exactly the text of `json.dumps(indent=2, ensure_ascii=False)`,
with NaN and infinity as null, for any JSON-like value."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from nkru.errors import UNSAFE
from nkru.render.jsontext import to_json

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False)
tricky = st.text(alphabet="{}[],:\"\\\x00 aé\x7f\u202e", max_size=8)
flat = st.dictionaries(st.text(max_size=4) | tricky, scalars | tricky | st.just([]) | st.just({}) | st.lists(tricky, max_size=2), min_size=0, max_size=5)
records = st.lists(flat, max_size=5)  # a list of flat dicts: the figures' shape, written in one C call
values = records | st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(keys, inner, max_size=4), max_leaves=30)


def _nulled(obj: Any) -> Any:
    """What the writer promises: every NaN or infinite float as None (null)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _nulled(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nulled(v) for v in obj]
    return obj


@given(values)
def test_the_text_is_the_standard_librarys(obj: Any):
    text = json.dumps(_nulled(obj), indent=2, ensure_ascii=False, allow_nan=False)
    assert to_json(obj) == UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def test_nan_and_infinity_are_null_and_the_text_parses():
    text = to_json({"a": [math.nan, math.inf, -math.inf, 1.5], "b": {}, "c": [], "d": (1, "x")})
    assert json.loads(text) == {"a": [None, None, None, 1.5], "b": {}, "c": [], "d": [1, "x"]}


def test_a_value_json_cannot_write_is_refused():
    import pytest

    with pytest.raises(TypeError):
        to_json({"a": object()})


def test_a_long_list_of_records_with_some_nested_is_the_standard_librarys():
    """Chunks of flat records go to the C encoder whole; a chunk with one nested record does not."""
    rows: list[Any] = [{"id": f"f{i}", "value": i / 3, "cites": [], "note": None, "ok": i % 2 == 0} for i in range(700)]
    rows[300]["cites"] = ["a", "b"]
    rows[650] = {"id": "x", "value": math.nan}
    obj = {"figures": rows, "more": [rows[:3], []]}
    assert to_json(obj) == json.dumps(_nulled(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
