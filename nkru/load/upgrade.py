"""Data written for nkru 0.1 (the closed model): one clear message per file saying what to
change, rather than a list of schema errors. Nothing is rewritten: the user's files are theirs."""

from __future__ import annotations

from typing import Any

from nkru.errors import Problem

# nkru 0.1 folded what one unit covers into `basis`; it is now part of the unit.
_UNIT_BASES = {
    "per soldier per month": "/soldier/month",
    "per soldier one-off": "/soldier (with basis: one-off)",
    "per soldier period unstated": "/soldier (with basis: period unstated)",
}
_FORMULAS = {
    "ratio": "part / whole",
    "deal_total": "arms_usd + troop_value_usd + other_usd",
}
_NEW = "`nkru init NEWDIR` writes the current layout to compare with"


def legacy_problem(key: str, name: str, data: Any) -> Problem | None:
    """A one-line upgrade note for a data file in nkru 0.1's layout, or None."""
    if not isinstance(data, dict):
        return None
    if key == "assumptions" and ({"casualty_bands", "compare_with"} & data.keys()):
        return Problem(name, 1, 1, "", (
            "written for nkru 0.1: casualty_bands and compare_with now live in model.yaml (bands:, comparisons:); "
            "delete them here, and write each input's unit as the model uses it (a pay a soldier a month is USD/soldier/month); " + _NEW))
    items = data.get("figures") if key in ("figures", "context") else data.get("claims") if key == "claims" else None
    if not isinstance(items, list):
        return None
    if key == "claims":
        old = sorted({i["formula"] for i in items if isinstance(i, dict) and isinstance(i.get("formula"), str) and i["formula"] in _FORMULAS})
        if old:
            fixes = "; ".join(f"formula: {f} -> formula: {_FORMULAS[f]}" for f in old)
            return Problem(name, 1, 1, "", f"written for nkru 0.1: the built-in formulas are gone, write them out ({fixes}); {_NEW}")
        return None
    old = sorted({i["basis"] for i in items if isinstance(i, dict) and isinstance(i.get("basis"), str) and i["basis"] in _UNIT_BASES})
    if old:
        fixes = "; ".join(f"basis: {b} -> unit: USD{_UNIT_BASES[b]}" for b in old)
        return Problem(name, 1, 1, "", f"written for nkru 0.1: what one unit covers is now part of the unit ({fixes}); {_NEW}")
    return None
