"""What simulation adds to a table or JSON, and the views of `sensitivity` and `solve`."""

from __future__ import annotations

import math
from typing import Any

from nkru.model import Dataset
from nkru.render.bands import placement_text
from nkru.render.sheets import SIG, Sheet, View, fmt, fmt3, named, num, sheet, signed, stated

TORNADO_WIDTH = 20
SPARK = "▁▂▃▄▅▆▇█"


def sparkline(counts: list[int]) -> str:
    """A histogram in one line of block characters, the tallest bin a full block."""
    peak = max(counts) or 1
    return "".join(SPARK[min(len(SPARK) - 1, int(c / peak * (len(SPARK) - 1) + 0.5))] if c else " " for c in counts)


def _probability_text(ds: Dataset, p: Any, label: str) -> str:
    if p.placement is not None:
        return placement_text(p.placement, unlabelled=" (no label stated)")
    return f"{label} ≥ {stated(ds.figures[p.figure])}"


def simulation_sheets(ds: Dataset, simulated: Any) -> list[Sheet]:
    """The distribution of the headline result, a one-line histogram, and the probabilities."""
    s, unit = simulated.summary, simulated.unit
    stats = ("p5", "p25", "p50", "p75", "p95", "mean")
    counts, low, high = simulated.histogram
    spark = sparkline(counts)
    caption = f"{fmt3(low, unit)} {spark} {fmt3(high, unit)}   (0.5th to 99.5th percentile)"
    title = f"Simulation of {simulated.label}: {s['samples']:,} samples, seed {simulated.simulation.seed}"
    readings = "; ".join(f"{named(ds, name)}: {reading}" for name, reading in simulated.readings.items())
    correlated = "; ".join(
        f"{named(ds, a)} – {named(ds, b)} rank {target:+.2f} " + ("(not applied: one of them has one value in this run)" if math.isnan(real) else f"(realised {real:+.2f})")
        for a, b, target, real in simulated.simulation.correlations
    )
    caption += f"\nReadings: {readings}" + (f"\nCorrelations: {correlated}" if correlated else "")
    distribution = sheet(title, stats, [tuple(fmt3(s[k], unit) for k in stats)], right=stats, caption=caption)
    sheets = [distribution]
    if simulated.probabilities:
        rows = [(_probability_text(ds, p, simulated.label), fmt3(p.probability, "1")) for p in simulated.probabilities]
        sheets.append(sheet("Probabilities", ("Question", "Probability"), rows, right=("Probability",)))
    return sheets


def simulation_json(simulated: Any) -> dict[str, Any]:
    """What --simulate adds to the JSON: the summary, readings, correlations and probabilities."""
    return {
        "simulation": {
            "result": simulated.result_id, "seed": simulated.simulation.seed, **simulated.summary, "readings": simulated.readings,
            "correlations": [
                {"between": [a, b], "rank": target, "realised": None if math.isnan(real) else real, "applied": not math.isnan(real)}
                for a, b, target, real in simulated.simulation.correlations
            ],
        },
        "probabilities": [
            {"id": p.id, "probability": p.probability, "figure": p.figure} for p in simulated.probabilities
        ],
    }


STATISTICS = {"p5": "5th percentile", "p25": "25th percentile", "p50": "Median", "p75": "75th percentile", "p95": "95th percentile", "mean": "Mean"}


def simulation_csv(ds: Dataset, simulated: Any, headline: Any) -> list[tuple[Any, ...]]:
    """The simulation as CSV rows: `<result>.p5` … `<result>.mean`, then each probability under
    the id the JSON gives it; the percentiles carry the headline's sources, a probability also
    its figure's."""
    sources = list(headline.sources) if headline is not None else []
    dollars = headline.dollars if headline is not None else None
    run = f"{simulated.summary['samples']:,} samples, seed {simulated.simulation.seed}"
    rows: list[tuple[Any, ...]] = []
    for key, words in STATISTICS.items():
        value = num(simulated.summary[key])
        rows.append((f"{simulated.result_id}.{key}", f"{words} of {simulated.label} ({run})", value, value, value,
                     simulated.unit, ";".join(sources), "", dollars, "simulation"))
    for p in simulated.probabilities:
        cited = sources + [ds.figures[p.figure].source] if p.figure else sources
        question = _probability_text(ds, p, simulated.label)
        question = f"{simulated.label}: {question}" if p.placement is not None else question
        rows.append((p.id, f"P({question}) ({run})", p.probability, p.probability, p.probability,
                     "1", ";".join(dict.fromkeys(cited)), "", None, "probability"))
    return rows


# ---------------------------------------------------------------------------- sensitivity


def sensitivity_view(result_id: str, unit: str, baseline: float, swings: list[Any], correlations: dict[str, float | None], samples: int, seed: int,
                     input_units: dict[str, str], words: dict[str, str] | None = None) -> View:
    """The tornado of one-at-a-time swings with rank correlations, in every format; `words`
    names the result and the inputs in the tables (their ids otherwise)."""
    words = words or {}
    widest = max((s.swing for s in swings), default=0) or 1

    def bar(s: Any) -> str:
        return "█" * max(1, round(s.swing / widest * TORNADO_WIDTH)) if s.swing else ""

    def sheets() -> list[Sheet]:
        rows = []
        for s in swings:
            corr = correlations.get(s.name)
            rows.append((
                words.get(s.name, s.name), f"{fmt(s.low, input_units[s.name])} → {fmt(s.high, input_units[s.name])}",
                fmt3(s.at_low, unit), fmt3(s.at_high, unit), signed(s.swing, unit, SIG).lstrip("+"), bar(s),
                "—" if corr is None else f"{corr:+.2f}".replace("-", "−"),  # a swing between rates in pp; one minus sign
            ))
        caption = (
            f"One input at a time from its low to its high, the others at their central values (the middle of a range that "
            f"states none; there the result is {fmt3(baseline, unit)}); "
            f"rank correlation from {samples:,} samples, seed {seed}. Inputs without a range do not swing."
        )
        columns = ("Input", "Low → high", "Result at low", "Result at high", "Swing", "", "Rank corr.")
        return [sheet(f"Sensitivity of {words.get(result_id, result_id)}", columns, rows, right=("Result at low", "Result at high", "Swing", "Rank corr."), caption=caption)]

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


def solve_view(solution: Any, result_unit: str, input_units: dict[str, str], words: dict[str, str] | None = None) -> View:
    """The solved input, what it holds the others at, and any limit it breaks; `words` names
    the quantity and the inputs in the table (their ids otherwise)."""
    words = words or {}
    unit = input_units[solution.name]
    held = "; ".join(f"{words.get(name, name)}: {fmt(value, input_units.get(name, ''))}" for name, value in solution.held.items())
    name, result = words.get(solution.name, solution.name), words.get(solution.result_id, solution.result_id)

    def answer() -> str:
        if solution.value is None:
            return f"no value of {name} makes {result} {fmt(solution.target, result_unit)}"
        shown = fmt3(solution.value, unit)
        if unit.startswith("USD"):
            return f"{name}: {shown}" + (f" per {unit[4:]}" if unit.startswith("USD/") else "")
        return f"{name}: {shown} {unit}"

    def sheets() -> list[Sheet]:
        rows = [(f"{result}: {fmt(solution.target, result_unit)}", answer(), held)]
        caption = f"Warning: {solution.outside}: no value within the input's limits reaches the target." if solution.outside else None
        return [sheet("Solve", ("Target", "Needs", "Holding"), rows, caption=caption)]

    def json() -> dict[str, Any]:
        return {
            "command": "solve", "result": solution.result_id, "target": num(solution.target), "for": solution.name,
            "value": solution.value, "unit": unit, "held": {k: num(v) for k, v in solution.held.items()}, "outside_limits": solution.outside,
        }

    def csv() -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        return ("result", "target", "for", "value", "unit"), [(solution.result_id, num(solution.target), solution.name, solution.value, unit)]

    return View(json=json, sheets=sheets, csv=csv)


def samples_bytes(simulation: Any, suffix: str) -> bytes:
    """The raw samples as CSV, or as a .npy structured array with a field per column."""
    import io

    import numpy as np

    from nkru.simulate import samples_table

    names, table = samples_table(simulation)
    buffer = io.BytesIO()
    if suffix == ".npy":
        structured = np.empty(table.shape[0], dtype=[(name, "f8") for name in names])
        for i, name in enumerate(names):
            structured[name] = table[:, i]
        np.save(buffer, structured)
    else:
        buffer.write((",".join(names) + "\n").encode())
        np.savetxt(buffer, table, delimiter=",", fmt="%.17g")
    return buffer.getvalue()
