"""What simulation adds to a table or JSON, and the views of `sensitivity` and `solve`."""

from __future__ import annotations

from typing import Any

from nkru.calc import Solution, Swing
from nkru.model import ASSUMPTION_UNITS, Dataset
from nkru.render.sheets import Sheet, View, fmt, fmt_figure, num, sheet

TORNADO_WIDTH = 20


def _probability_text(ds: Dataset, p: Any) -> str:
    from nkru.render.computed import placement_text

    if p.placement is not None:
        return placement_text(p.placement).replace(": the article gives no label", " (no label stated)")
    figure = ds.figures[p.figure]
    year = f" ({figure.as_of})" if figure.as_of else ""
    return f"one year ≥ {fmt_figure(figure)}{year}, {figure.basis}"


def simulation_sheets(ds: Dataset, simulated: Any) -> list[Sheet]:
    """The distribution of the headline result, a one-line histogram, and the probabilities."""
    s, unit = simulated.summary, simulated.unit
    stats = ("p5", "p25", "p50", "p75", "p95", "mean")
    spark, low, high = simulated.spark
    caption = f"{fmt(low, unit)} {spark} {fmt(high, unit)}   (0.5th to 99.5th percentile)"
    title = f"Simulation of {simulated.result_id}: {s['samples']:,} samples, seed {simulated.simulation.seed}"
    readings = ", ".join(f"{name} {reading}" for name, reading in simulated.readings.items())
    distribution = sheet(title, stats, [tuple(fmt(s[k], unit) for k in stats)], right=stats, caption=f"{caption}\nReadings: {readings}")
    rows = [(_probability_text(ds, p), f"{p.probability * 100:.1f}%") for p in simulated.probabilities]
    return [distribution, sheet("Probabilities", ("Question", "Probability"), rows, right=("Probability",))]


def simulation_json(simulated: Any) -> dict[str, Any]:
    return {
        "simulation": {"result": simulated.result_id, "seed": simulated.simulation.seed, **simulated.summary, "readings": simulated.readings},
        "probabilities": [
            {"id": p.id, "probability": p.probability, "figure": p.figure} for p in simulated.probabilities
        ],
    }


# ---------------------------------------------------------------------------- sensitivity


def sensitivity_view(result_id: str, unit: str, baseline: float, swings: list[Swing], correlations: dict[str, float | None], samples: int, seed: int) -> View:
    widest = max((s.swing for s in swings), default=0) or 1

    def bar(s: Swing) -> str:
        return "█" * max(1, round(s.swing / widest * TORNADO_WIDTH)) if s.swing else ""

    def sheets() -> list[Sheet]:
        rows = []
        for s in swings:
            corr = correlations.get(s.name)
            rows.append((
                s.name, f"{fmt(s.low, ASSUMPTION_UNITS[s.name])} → {fmt(s.high, ASSUMPTION_UNITS[s.name])}",
                fmt(s.at_low, unit), fmt(s.at_high, unit), fmt(s.swing, unit), bar(s), "—" if corr is None else f"{corr:+.2f}",
            ))
        caption = (
            f"One input at a time from its low to its high, the others at their central values ({result_id} = {fmt(baseline, unit)}); "
            f"rank correlation from {samples:,} samples, seed {seed}. Inputs without a range do not swing."
        )
        columns = ("Input", "Low → high", "Result at low", "Result at high", "Swing", "", "Rank corr.")
        return [sheet(f"Sensitivity of {result_id}", columns, rows, right=("Result at low", "Result at high", "Swing", "Rank corr."), caption=caption)]

    def json() -> dict[str, Any]:
        return {
            "command": "sensitivity", "result": result_id, "unit": unit, "baseline": num(baseline), "samples": samples, "seed": seed,
            "inputs": [
                {"name": s.name, "low": num(s.low), "high": num(s.high), "result_at_low": num(s.at_low), "result_at_high": num(s.at_high),
                 "swing": num(s.swing), "rank_correlation": correlations.get(s.name)}
                for s in swings
            ],
        }

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        rows = [(s.name, num(s.low), num(s.high), num(s.at_low), num(s.at_high), num(s.swing), correlations.get(s.name)) for s in swings]
        return ("input", "low", "high", "result_at_low", "result_at_high", "swing", "rank_correlation"), rows

    return View(json=json, sheets=sheets, csv=csv)


# ---------------------------------------------------------------------------- solve


def solve_view(solution: Solution, result_unit: str) -> View:
    unit = ASSUMPTION_UNITS[solution.name]
    held = ", ".join(f"{name} = {fmt(value, ASSUMPTION_UNITS[name])}" for name, value in solution.held.items())

    def answer() -> str:
        if solution.value is None:
            return f"no value of {solution.name} makes {solution.result_id} = {fmt(solution.target, result_unit)}"
        return f"{solution.name} = {fmt(solution.value, unit)} {unit}"

    def sheets() -> list[Sheet]:
        rows = [(f"{solution.result_id} = {fmt(solution.target, result_unit)}", answer(), held)]
        return [sheet("Solve", ("Target", "Needs", "Holding"), rows)]

    def json() -> dict[str, Any]:
        return {
            "command": "solve", "result": solution.result_id, "target": num(solution.target), "for": solution.name,
            "value": solution.value, "unit": unit, "held": {k: num(v) for k, v in solution.held.items()},
        }

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        return ("result", "target", "for", "value", "unit"), [(solution.result_id, num(solution.target), solution.name, solution.value, unit)]

    return View(json=json, sheets=sheets, csv=csv)
