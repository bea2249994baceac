"""Rendering: results to Rich tables, JSON, CSV and Markdown. Nothing here prints.

Names resolve lazily (PEP 562), so a command imports only the views it shows.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "View": "sheets", "as_rich": "terminal", "as_text": "sheets", "named": "sheets", "no_trailing_spaces": "terminal", "terminal_text": "terminal",
    "computed_view": "computed",
    "compare_view": "explain", "explain_view": "explain",
    "check_lines": "listings", "check_rows": "listings", "check_summary": "listings", "check_view": "listings",
    "figures_view": "listings", "quantities_view": "listings", "scenarios_view": "listings", "sources_view": "listings",
    "sensitivity_view": "uncertainty", "solve_view": "uncertainty",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'nkru.render' has no attribute {name!r}")
    return getattr(import_module(f"nkru.render.{_HOMES[name]}"), name)
