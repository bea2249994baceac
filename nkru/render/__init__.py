"""Rendering: results to Rich tables, JSON, CSV and Markdown. Nothing here prints."""

from nkru.render.computed import computed_view
from nkru.render.explain import compare_view, explain_view
from nkru.render.listings import check_lines, check_rows, check_summary, check_view, figures_view, scenarios_view, sources_view
from nkru.render.sheets import View, as_rich, as_text
from nkru.render.uncertainty import sensitivity_view, solve_view

__all__ = [
    "View", "as_rich", "as_text", "check_lines", "check_rows", "check_summary", "check_view", "compare_view",
    "computed_view", "explain_view", "figures_view", "scenarios_view", "sensitivity_view", "solve_view", "sources_view",
]
