"""The views of `deal-value` and `casualties`: inputs, results, bands, prices, claims, sources."""

from __future__ import annotations

import hashlib
from typing import Any

from nkru import __version__
from nkru.compute import Computed, sources_of
from nkru.engine.bands import Placement
from nkru.engine.claims import ClaimOutcome, input_figures
from nkru.engine.expr import show
from nkru.model import ClaimInput, Comparison, Dataset, Row
from nkru.render.bands import placement_text
from nkru.render.sheets import (
    SIG,
    Sheet,
    SourceRefs,
    View,
    fmt,
    fmt3,
    fmt_figure,
    fmt_range,
    named,
    num,
    paragraph,
    pretty,
    range_json,
    sheet,
    signed,
    stated,
)
from nkru.render.uncertainty import simulation_csv


def provenance(result: Row, refs: SourceRefs) -> str:
    """A result's source references, and each scenario or `--set` it depends on, once."""
    return " ".join([refs(result.sources), *dict.fromkeys(result.set_by)]).strip()


def stated_text(ds: Dataset, outcome: ClaimOutcome) -> str:
    """What the article states for a claim: the figure with its qualifier, or its words."""
    claim = outcome.claim
    stated = claim.stated
    if isinstance(stated, Comparison):
        return f'"{stated.text}"'
    text = fmt_figure(ds.figures[stated])
    if claim.ceiling is not None:  # the test the article's words set, beside them
        return f"{text}\n(at most {claim.ceiling:g}× it: {claim.words})"
    if claim.test == "between" and claim.within:
        return f"{text}\n(recomputed ÷ stated within {claim.within[0]:g}–{claim.within[1]:g}: {claim.words})"
    if claim.test == "at most":
        return f"at most {text}"
    return text


def computed_text(outcome: ClaimOutcome) -> str:
    """What nkru recomputes for a claim, in the stated unit."""
    stated = outcome.claim.stated
    if isinstance(stated, Comparison):
        must = " and ".join(f"{word} {x:g}" for word, x in (("below", stated.below), ("above", stated.above)) if x is not None)
        return f"{outcome.computed.low:.3g} (must be {must})"
    if outcome.computed.value is None:
        return fmt_range(outcome.computed, outcome.stated_unit, SIG)
    return fmt3(outcome.computed.value, outcome.stated_unit)


def difference_text(outcome: ClaimOutcome) -> str:
    """Recomputed minus stated, end by end for a range."""
    diff = outcome.difference
    if diff is None:
        return ""
    if outcome.computed.value is None or diff.value is None:
        return f"{signed(diff.low, outcome.stated_unit, SIG)} / {signed(diff.high, outcome.stated_unit, SIG)}"
    return signed(diff.value, outcome.stated_unit, SIG)


def implied_text(ds: Dataset, outcome: ClaimOutcome) -> str:
    """What each input solved for would need to be for the stated figure to come out."""
    def words(name: str) -> str:
        given = outcome.claim.inputs.get(name)
        label = given.label if isinstance(given, ClaimInput) else None
        text = label or named(ds, name)
        return text[:1].lower() + text[1:] if text[1:2].islower() else text  # "one-time bonus", but "FNF's"

    parts = [f"{words(i.name)} of {fmt3(i.value, i.unit)}" if i.value is not None else f"no {words(i.name)} reaches it" for i in outcome.implied]
    return "needs " + " or ".join(parts) if parts else ""


# ---------------------------------------------------------------------------- sheets


def computed_sheets(ds: Dataset, computed: Computed, full: bool = False) -> list[Sheet]:
    """The tables of a computing command, in reading order: the answer first, the sources last.
    Without `full`, the claims audit and the comparison's detail columns are left to --full
    (the answer says how many claims reproduce)."""
    from nkru.render.answer import answer_text

    refs = SourceRefs(ds)
    sheets = [_inputs(ds, computed, refs), _results(ds, computed, refs)]
    if computed.placements:
        sheets.append(_bands(computed, refs))
    if computed.comparison:
        sheets.append(_prices(ds, computed, refs, full))
    if computed.simulated is not None:
        from nkru.render.uncertainty import simulation_sheets

        sheets += simulation_sheets(ds, computed.simulated)
    if computed.claims and full:
        sheets.append(claims_sheet(ds, computed.claims, refs, with_candidates=computed.context is not None))
    if computed.context:
        sheets.append(context_sheet(ds, computed.context, refs, [o.claim for o in computed.claims]))
    answer = answer_text(ds, computed, refs, full)
    return ([paragraph("Answer", answer)] if answer else []) + sheets + [refs.sheet()]


def _inputs(ds: Dataset, computed: Computed, refs: SourceRefs) -> Sheet:
    rows = []
    for item in computed.inputs.values():
        origin = refs(computed.input_sources.get(item.name, ()))
        if item.origin != "data":
            origin = f"{item.origin} {origin}".strip()
        elif not item.figures and item.note:
            origin = "note (analyst)"
        rows.append((named(ds, item.name), fmt(item.range.value, item.unit), fmt_range(item.range, item.unit), origin))
    # An analyst's note is the only source such an input has: the reader sees it, not just that it exists.
    notes = [f"Note (analyst) — {named(ds, item.name)}: {item.note}" for item in computed.inputs.values()
             if item.origin == "data" and not item.figures and item.note]
    names = ", ".join(computed.inputs)
    notes.append(f"For one run: --set NAME=VALUE or NAME=LOW..HIGH, with NAME one of {names}.")
    return sheet("Assumptions", ("Assumption", "Value", "Range", "Sources"), rows, right=("Value", "Range"), caption="\n".join(notes))


def _results(ds: Dataset, computed: Computed, refs: SourceRefs) -> Sheet:
    rows = [
        (r.label, fmt3(r.range.value, r.unit), ("" if r.exact else "≈ ") + fmt_range(r.range, r.unit, SIG), provenance(r, refs))
        for r in computed.results if r.measure is None
    ]
    notes = [f"How each is computed: nkru explain {computed.results[0].id}"]
    if any(not r.exact for r in computed.results if r.measure is None):
        notes.append("≈ a sound enclosure: the true range lies within (the formula is not monotone in each input, or uses one twice)")
    comparison = set(computed.comparison.warnings) if computed.comparison else set()
    notes += [f"Warning: {w}." for w in computed.warnings if w not in comparison]
    title = "Results"
    if computed.dollars:  # the price index restates them: its source is cited like any other
        title = f"Results (in {computed.dollars} dollars by the price index {refs(price_index_sources(ds))}; the inputs above as stated)"
    return sheet(title, ("Result", "Value", "Range", "Sources"), rows, right=("Value", "Range"), caption="\n".join(notes))


def price_index_sources(ds: Dataset) -> tuple[str, ...]:
    """The documents behind the price index --dollars restates by."""
    from nkru.money import index_figures

    return sources_of(ds, [f.id for f in index_figures(ds)])


def _bands(computed: Computed, refs: SourceRefs) -> Sheet:
    rows = []
    assert computed.placements is not None
    for end, placement in zip(("Low end", "High end"), computed.placements):
        band = placement.band or placement.above or placement.below
        rows.append((end, fmt3(placement.rate, band.unit if band else "1"), placement_text(placement), refs([band.figure.source]) if band else ""))
    title, column = computed.bands_title or ("Bands", "Value")
    return sheet(title, ("End", column, "Where it falls", "Sources"), rows, right=(column,))


def _prices(ds: Dataset, computed: Computed, refs: SourceRefs, full: bool) -> Sheet:
    """The figures compared against, grouped by unit basis, cheapest first within a basis only;
    the measures marked `detail` only with --full."""
    table = computed.comparison
    assert table is not None
    spec = ds.model.comparisons[ds.model.commands[computed.command].comparison]  # type: ignore[index]
    shown = {mid for mid, m in spec.measures.items() if full or not m.detail}
    rows = []
    for _basis, members in table.groups:
        for m in members:
            figure = m.figure
            price = stated(figure, ": ")
            if computed.dollars and m.price != figure.range:
                price += f"\n= {fmt3(m.price.low, 'USD')} of {computed.dollars}"
            by = {r.measure: r for r in m.rows}  # a measure the inputs leave undefined has no row: its cell is —
            cells = (f"{fmt3(by[mid].range.value, by[mid].unit)}\n{fmt_range(by[mid].range, by[mid].unit, SIG)}" if mid in by else "—"
                     for mid in spec.measures if mid in shown)
            rows.append((price, *cells, refs([figure.source])))
    caption = "Ranked within each basis only. " + " ".join(f"Warning: {n}." for n in table.warnings)
    if not full and len(shown) < len(spec.measures):
        caption += f" --full adds: {', '.join(m.column for mid, m in spec.measures.items() if mid not in shown)}."
    dollars = f" (in {computed.dollars} dollars)" if computed.dollars else ""
    columns = tuple(m.column for mid, m in spec.measures.items() if mid in shown)
    return sheet(f"{table.title}{dollars}", ("Price", *columns, "Source"), rows, right=columns, caption=caption)


def context_sheet(ds: Dataset, rows: list[Row], refs: SourceRefs, claims: list[Any]) -> Sheet:
    """Context rows, visibly apart: figures from outside the audited articles."""
    table = []
    for r in rows:
        note = ""
        if r.holds is not None:
            stated = ds.figures[str(next(c for c in ds.claims if c.id == r.claim).stated)]
            note = f" — {'reproduces' if r.holds else 'does not reproduce'} the stated {fmt_figure(stated)}"
        table.append((f"[context] {r.label}{note}", fmt3(r.range.value, r.unit) if r.range.value is not None else fmt_range(r.range, r.unit, SIG), refs(r.sources)))
    # The results never use them; a claim may be recomputed from one (an article's own sum built on it).
    reading = [f"“{c.says.rstrip('.')}”" for c in claims if any(f in ds.context_ids for f in input_figures(c.inputs))]
    used = f"; {'the claims' if len(reading) > 1 else 'the claim'} {' and '.join(reading)} {'are' if len(reading) > 1 else 'is'} recomputed from some of them" if reading else ""
    title = f"Context: figures from outside the audited articles (not used by the results above{used})"
    return sheet(title, ("Row", "Value", "Sources"), table, right=("Value",))


def claims_sheet(ds: Dataset, outcomes: list[ClaimOutcome], refs: SourceRefs, with_candidates: bool = False) -> Sheet:
    """The claims audit: stated, recomputed, difference and status, with candidate readings under --context."""
    rows = []
    for outcome in outcomes:
        status = outcome.status + (f"\n{implied_text(ds, outcome)}" if outcome.implied else "")
        if with_candidates:
            for c in outcome.candidates:
                status += f"\n[context] candidate: {c.says} gives {fmt3(c.computed.value, outcome.stated_unit)}: {'reproduces' if c.holds else 'does not reproduce'}"
        rows.append((f"{outcome.claim.says} {refs([outcome.claim.source])}", stated_text(ds, outcome), computed_text(outcome), difference_text(outcome), status))
    columns = ("Claim", "Stated", "Recomputed", "Difference", "Status")
    return sheet("The articles' claims, recomputed from their stated inputs", columns, rows, right=("Recomputed", "Difference"))


# ---------------------------------------------------------------------------- JSON and CSV


def placement_json(placement: Placement) -> dict[str, Any]:
    """Where an end of the range falls among the bands, for JSON."""
    band = placement.band
    return {"rate": placement.rate, "band": band.figure.id if band else None, "label": band.label if band else None, "text": placement_text(placement)}


def claim_json(ds: Dataset, outcome: ClaimOutcome) -> dict[str, Any]:
    """One claim outcome in the JSON contract."""
    claim = outcome.claim
    if isinstance(claim.stated, Comparison):
        stated: dict[str, Any] = {"below": claim.stated.below, "above": claim.stated.above, "text": claim.stated.text}
    else:
        figure = ds.figures[claim.stated]
        stated = {"figure": figure.id, **range_json(figure.range), "unit": figure.unit, "qualifier": figure.qualifier}
    diff = outcome.difference
    formula = claim.formula if claim.formula not in ds.quantities else f"{claim.formula} = {show(ds.quantities[claim.formula].formula)}"
    return {
        "id": claim.id, "source": claim.source, "says": claim.says, "stated": stated, "test": outcome.test,
        "computed": {**range_json(outcome.computed), "unit": outcome.stated_unit},
        "difference": range_json(diff) if diff else None,
        "status": outcome.status,
        "formula": formula,
        "inputs": {i.name: {**range_json(i.range), "figure": i.figure, "take": i.take} for i in outcome.inputs},
        "implied": [{"name": i.name, "value": i.value, "unit": i.unit} for i in outcome.implied],
    }


def candidates_json(outcome: ClaimOutcome) -> list[dict[str, Any]]:
    """A claim's candidate readings from outside the article, marked as context."""
    return [
        {"says": c.says, "computed": {**range_json(c.computed), "unit": outcome.stated_unit}, "holds": c.holds,
         "figures": list(c.figures), "context": True}
        for c in outcome.candidates
    ]


def run_json(ds: Dataset, run: dict[str, Any]) -> dict[str, Any]:
    """What reproduces this output: nkru's version, the data read (with digests), the scenarios
    and overrides applied, and the command that reruns it."""
    everything = hashlib.sha256("".join(digest for _, digest in ds.digests).encode()).hexdigest()
    return {
        "nkru_version": __version__,
        "data_digest": everything,
        "data_files": [{"file": name, "sha256": digest} for name, digest in ds.digests],
        "scenarios": [{"name": s.name, "file": s.file, "sha256": s.digest, "note": s.note} for s in run.get("scenarios", [])],
        "overrides": [{"name": o.name, **range_json(o.range), "origin": o.origin} for o in run.get("overrides", [])],
        "rerun": run.get("rerun", ""),
    }


def describe_reading(item: Any) -> dict[str, Any]:
    """How a simulation reads the input: point, uniform (bounds are bounds), or a named reading."""
    out: dict[str, Any] = {"reading": item.reading}
    if item.reading == "triangular":
        out["mode"] = num(item.peak)
    return out


def row_json(r: Row) -> dict[str, Any]:
    """One result row in the JSON contract: id, label, numbers, unit, sources, and what is behind it."""
    out: dict[str, Any] = {
        "id": r.id, "label": r.label, **range_json(r.range), "unit": r.unit, "sources": list(r.sources),
        "formula": pretty(r.formula), "inputs": list(r.inputs), "figures": list(r.figures), "set_by": list(r.set_by),
        "bounds": "exact" if r.exact else "enclosure",
    }
    extra = {"measure": r.measure, "against": r.against, "basis": r.basis, "claim": r.claim, "holds": r.holds, "dollars": r.dollars}
    out |= {k: v for k, v in extra.items() if v is not None}
    if r.context:
        out["context"] = True
    return out


def computed_json(ds: Dataset, computed: Computed, run: dict[str, Any]) -> dict[str, Any]:
    """The stable JSON contract of the computing commands."""
    from nkru.render.answer import answer_text

    obj: dict[str, Any] = {
        "command": computed.command,
        "answer": answer_text(ds, computed, SourceRefs(ds), full=None) or None,  # citations [n] are sources.yaml's order
        **run_json(ds, run),
        "assumptions": {
            name: {
                **range_json(item.range), "unit": item.unit,
                "source": ", ".join(item.figures) if item.origin == "data" else item.origin,
                "figures": list(item.figures),
                "origin": "data" if item.origin == "data" else item.origin.split()[0],
                "note": item.note,
                **({"from": item.derived} if item.derived else {}),
                **describe_reading(item),
            }
            for name, item in computed.inputs.items()
        },
        "results": [row_json(r) for r in computed.results],
        "claims": [claim_json(ds, o) | ({"candidates": candidates_json(o)} if computed.context is not None else {}) for o in computed.claims],
        "warnings": computed.warnings,
        "dollars": computed.dollars,
        **({"price_index": {"quantity": ds.model.price_index, "sources": list(price_index_sources(ds))}} if computed.dollars else {}),
    }
    if computed.context is not None:
        obj["context"] = [row_json(r) for r in computed.context]
    if computed.placements:
        obj["placements"] = {end: placement_json(p) for end, p in zip(("low", "high"), computed.placements)}
    if computed.simulated is not None:
        from nkru.render.uncertainty import simulation_json

        obj |= simulation_json(computed.simulated)
    return obj


RESULT_COLUMNS = ("id", "label", "value", "low", "high", "unit", "sources", "bounds", "dollars", "kind")


def results_csv(results: list[Row]) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The result rows as CSV: id, label, value, low, high, unit, sources, whether the bounds
    are exact, with --dollars the year the money is in (or "nominal"), and whether the row is
    a result or --context's."""
    rows = [(r.id, r.label, *range_json(r.range).values(), r.unit, ";".join(r.sources), "exact" if r.exact else "enclosure", r.dollars,
             "context" if r.context else "result")
            for r in results]
    return RESULT_COLUMNS, rows


def computed_csv(ds: Dataset, computed: Any) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """A computing command's CSV: its results, --context's rows, and --simulate's percentiles
    and probabilities, each a row with its own id and its kind in the last column."""
    header, rows = results_csv([*computed.results, *(computed.context or [])])
    if computed.simulated is not None:
        rows += simulation_csv(ds, computed.simulated, {r.id: r for r in computed.results}.get(computed.simulated.result_id))
    return header, rows


def computed_view(ds: Dataset, computed: Computed, run: dict[str, Any], full: bool = False) -> View:
    """A computing command's output in every format; `full` shows everything in the tables too."""
    return View(
        json=lambda: computed_json(ds, computed, run),
        sheets=lambda: computed_sheets(ds, computed, full),
        csv=lambda: computed_csv(ds, computed),
    )
