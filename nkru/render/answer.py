"""The answer first: a computing command's sentence, as model.yaml's `answer:` words it, with
each placeholder filled by a number, its range and its sources; then a sentence on the claims
the command audits. Nothing here computes: the numbers are the computed rows'."""

from __future__ import annotations

from nkru.compute import Computed, sources_of
from nkru.engine.claims import ClaimOutcome
from nkru.model import Dataset, Figure, Range
from nkru.model.modelfile import PLACEHOLDER
from nkru.render.bands import placement_phrase
from nkru.render.sheets import SourceRefs, fmt, fmt3, fmt_figure, fmt_range, singular, stated, unit_words


def answer_text(ds: Dataset, computed: Computed, refs: SourceRefs, full: bool | None = False) -> str:
    """The command's answer in words: its declared sentence (for calc, one per quantity), then
    the claims' verdict. `refs`
    numbers the sources as every table of the output does; `full` says whether the claims
    table follows (None: say nothing of where to read them, as in JSON)."""
    spec = ds.model.commands.get(computed.command)  # type: ignore[call-overload]
    parts = []
    if spec is not None and spec.answer:
        parts.append(" ".join(PLACEHOLDER.sub(lambda m: _filled(ds, computed, refs, m.group(1)), spec.answer).split()))
    elif spec is None:  # calc: each quantity asked for, in a sentence of its own
        parts += [f"{r.label} is {_filled(ds, computed, refs, r.id)}." for r in computed.results]
    if computed.claims:
        parts.append(claims_sentence(computed.claims, full))
    return " ".join(parts)


def claims_sentence(outcomes: list[ClaimOutcome], full: bool | None) -> str:
    """How many of the claims audited reproduce from their stated inputs, and where to read each."""
    held = sum(o.status == "reproduces" for o in outcomes)
    each = "it" if len(outcomes) == 1 else "each"
    where = "" if full is None else f" (the claims table below shows {each})" if full else f" (--full shows {each})"
    if len(outcomes) == 1:
        return f"The article's claim, recomputed here from its stated inputs, {'reproduces' if held else 'does not reproduce'}{where}."
    missed = len(outcomes) - held
    counted = f"all {held} reproduce" if not missed else f"{held} reproduce{'s' if held == 1 else ''} and {missed} do{'es' if missed == 1 else ''} not"
    return f"Of the articles' claims recomputed here from their stated inputs, {counted}{where}."


def _filled(ds: Dataset, computed: Computed, refs: SourceRefs, placeholder: str) -> str:
    if placeholder == "bands":
        return _bands(computed, refs)
    name, _, part = placeholder.partition(".")
    row = next((r for r in computed.results if r.id == name), None)
    if row is not None:
        return _number(row.range, row.unit, part, " ".join([refs(row.sources), *dict.fromkeys(row.set_by)]).strip(), computed=True)
    assert computed.env is not None
    if name not in computed.env.inputs and name not in ds.figures:
        return "—"  # a row these inputs leave undefined (a measure divided by a pay of 0)
    if name in computed.env.inputs:
        item = computed.env.inputs[name]
        origin = [] if item.origin == "data" else [item.origin]  # a scenario or --set says so, as in the tables
        return _number(item.range, item.unit, part, " ".join([refs(sources_of(ds, item.figures)), *origin]).strip(), computed=False)
    return _figure(computed, ds.figures[name], part, refs)


def _number(r: Range, unit: str, part: str, cited: str, computed: bool) -> str:
    """`value`: the central number (or the range where there is none); `range`: low–high;
    `count`: the value with its unit in words, one of it singular (1 month, 11,000 soldiers);
    none: the value, its range in brackets where there is one, and the sources."""
    sig = 3 if computed else None
    spread = fmt_range(r, unit, sig).replace(" – ", "–")
    value = spread if r.value is None else fmt3(r.value, unit) if computed else fmt(r.value, unit)
    if part == "count":
        return value + unit_words(singular(unit) if r.value == 1 else unit)
    if part == "range" or (part == "value" and r.value is None):
        return spread
    if part == "value":
        return value
    return " ".join(x for x in (value, "" if r.is_point or r.value is None else f"({spread})", cited) if x)


def _figure(computed: Computed, figure: Figure, part: str, refs: SourceRefs) -> str:
    """A figure as stated (with .value or .range, its number alone), its source, and under
    --dollars the amount it is compared as."""
    if part:
        return fmt_figure(figure).replace(" – ", "–")
    restated = next((m.price for _, members in (computed.comparison.groups if computed.comparison else []) for m in members
                     if m.figure.id == figure.id and m.price != figure.range), None)
    also = f", {fmt3(restated.low, 'USD')} in {computed.dollars} dollars" if restated is not None and computed.dollars else ""
    return f"{stated(figure).replace(' – ', '–')} {refs([figure.source])}{also}"


def _bands(computed: Computed, refs: SourceRefs) -> str:
    """Where each end of the headline falls, in the source's words."""
    assert computed.placements is not None
    low, high = computed.placements
    cited = refs(sorted({p.band.figure.source for p in computed.placements if p.band} | _gap_sources(computed)))
    if placement_phrase(low) == placement_phrase(high):
        return f"both ends fall {placement_phrase(low)} {cited}".strip()
    return f"its low end falls {placement_phrase(low)}; its high end {placement_phrase(high)} {cited}".strip()


def _gap_sources(computed: Computed) -> set[str]:
    assert computed.placements is not None
    return {b.figure.source for p in computed.placements for b in (p.above, p.below) if b is not None}
