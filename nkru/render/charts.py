"""The report's charts as SVG text, drawn with matplotlib's SVG backend from numbers already
computed: a simulated distribution against the figures it is compared with, a range against
stated bands, and a tornado. Only `nkru report` imports this module, and matplotlib is
imported inside it, so no other command pays for it.

Text stays text (`svg.fonttype: none`): labels can be selected, searched, read aloud and
printed sharp, the files are several times smaller than with glyphs drawn as paths, and the
output does not change with the version of a font file. Layout is measured with DejaVu Sans,
which matplotlib ships; a reader without it gets the next font of the stack, much the same
width. `svg.hashsalt` is fixed (per chart, so two charts in one page never share an id) and
the date is left out, so the same numbers give the same bytes."""

from __future__ import annotations

import io
import re
import textwrap
from typing import Any, NamedTuple

from nkru.render.bands import band_text
from nkru.render.sheets import SIG, fmt, fmt3, fmt_range, named, stated

# Okabe & Ito's colour-blind-safe palette (2008), the colours a chart draws with.
BLUE, ORANGE, SKY, GREEN, VERMILLION, PURPLE, GREY = "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#595959"
FONTS = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"]  # then the generic sans-serif
WIDTH = 7.5  # inches: a printed page's text width


class Chart(NamedTuple):
    """One chart: its title, the SVG (no XML prolog) and a caption saying what it shows in words."""

    title: str
    svg: str
    caption: str


def _figure(height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("svg")
    from matplotlib.figure import Figure

    matplotlib.rcParams.update({
        "svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": FONTS, "font.size": 9,
        "axes.edgecolor": GREY, "axes.labelcolor": "#1a1a1a", "xtick.color": "#1a1a1a", "ytick.color": "#1a1a1a",
        "axes.spines.top": False, "axes.spines.right": False,
        "text.parse_math": False,  # "$2,000 – $3,000" is money, not TeX
    })
    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    return figure, figure.subplots()


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def svg_text(figure: Any, salt: str) -> str:
    """The figure as inline SVG: no XML prolog or doctype, no metadata (it names the date)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"nkru-{salt}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1), count=1).strip()


def _money_axis(axis: Any, unit: str) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _: fmt(x, unit)))


def _wrapped(text: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def distribution_chart(simulated: Any, compared: list[tuple[str, Any, Any]], salt: str) -> Chart:
    """A histogram of the simulated headline, each figure compared against a labelled vertical
    line (at both ends if it is a range). `compared` is (label, figure, price range) each."""
    counts, low, high = simulated.histogram
    unit = simulated.unit
    figure, ax = _figure(3.6)
    step = (high - low) / len(counts) if len(counts) > 1 else max(abs(high) * 0.01, 1.0)
    lefts = [low + i * step for i in range(len(counts))]
    ax.bar(lefts, counts, width=step, align="edge", color=SKY, edgecolor=BLUE, linewidth=0.4, label=f"{simulated.label}, simulated")
    styles = ["--", ":", "-."]
    for i, (label, _, price) in enumerate(compared):
        ends = [price.low] if price.is_point else [price.low, price.high]
        for end in ends:
            ax.axvline(end, color=VERMILLION, linestyle=styles[i % len(styles)], linewidth=1.4)
        # Staggered, so the labels of prices close together do not overprint each other.
        ax.annotate(_wrapped(label, 22), (ends[-1], 1 - 0.2 * (i % 4)), xycoords=("data", "axes fraction"), xytext=(3, -3),
                    textcoords="offset points", va="top", ha="left", fontsize=8, color="#1a1a1a",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.85})
    _money_axis(ax.xaxis, unit)
    ax.set_xlabel(f"{simulated.label} ({unit})")
    ax.set_ylabel("samples")
    s = simulated.summary
    prices = "; ".join(label for label, _, _ in compared)
    caption = (f"{simulated.label}: {s['samples']:,} samples (seed {simulated.simulation.seed}), "
               f"median {fmt3(s['p50'], unit)}, 90% between {fmt3(s['p5'], unit)} and {fmt3(s['p95'], unit)}; "
               f"the bars run from the 0.5th to the 99.5th percentile. Vertical lines: {prices}.")
    return Chart(f"{simulated.label}: how it is distributed, against the figures it is compared with", svg_text(figure, salt), caption)


def bands_chart(rows: list[Any], bands: list[Any], salt: str) -> Chart:
    """Each row's range as a bar, over the stated bands shaded (an open band to the axis end)."""
    unit = rows[0].unit
    top = max([r.range.high for r in rows] + [b.high if b.high is not None else b.low for b in bands]) * 1.15 or 1.0
    figure, ax = _figure(1.2 + 0.45 * len(rows))
    shades = [ORANGE, PURPLE, GREEN, SKY]
    for i, band in enumerate(bands):
        right = band.high if band.high is not None else top
        ax.axvspan(band.low, max(right, band.low + top * 0.004), color=shades[i % len(shades)], alpha=0.3, linewidth=0,
                   label=f"{band_text(band)}: {band.label}")
    for y, r in enumerate(reversed(rows)):
        ax.plot([r.range.low, r.range.high], [y, y], color=BLUE, linewidth=6, solid_capstyle="butt")
        ax.plot([r.range.low, r.range.high], [y, y], linestyle="none", marker="|", markersize=14, color="#1a1a1a")
    ax.set_yticks(range(len(rows)), [_wrapped(r.label, 34) for r in reversed(rows)])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(0, top)
    _money_axis(ax.xaxis, unit)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(rows) < 3 else -0.15), ncol=1, frameon=False, fontsize=8)
    ranges = "; ".join(f"{r.label}: {fmt_range(r.range, unit, SIG)}" for r in rows)
    shaded = "; ".join(f"{band_text(b)} ({b.label})" for b in bands)
    caption = f"{ranges}. Shaded, the bands the source states: {shaded}; unshaded values fall where it gives no label."
    return Chart(f"{rows[0].label} against the stated bands", svg_text(figure, salt), caption)


def tornado_chart(ds: Any, tornado: Any, salt: str) -> Chart:
    """One bar pair per ranged input: the headline at the input's low and at its high, the rest held."""
    unit = tornado.unit
    swings = list(reversed(tornado.swings))  # the largest at the top
    figure, ax = _figure(1.0 + 0.5 * max(len(swings), 1))
    for y, s in enumerate(swings):
        ax.barh(y, s.at_low - tornado.baseline, left=tornado.baseline, color=BLUE, height=0.6, label="input at its low" if y == 0 else None)
        ax.barh(y, s.at_high - tornado.baseline, left=tornado.baseline, color=ORANGE, height=0.6, label="input at its high" if y == 0 else None)
    names = [f"{_wrapped(named(ds, s.name))}\n{fmt(s.low, tornado.input_units.get(s.name, ''))} – {fmt(s.high, tornado.input_units.get(s.name, ''))}" for s in swings]
    ax.set_yticks(range(len(swings)), names)
    ax.axvline(tornado.baseline, color="#1a1a1a", linewidth=1)
    _money_axis(ax.xaxis, unit)
    ax.set_xlabel(f"{tornado.label} ({unit})")
    if swings:
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    else:
        ax.text(0.5, 0.5, "no input has a range in this run", transform=ax.transAxes, ha="center", va="center")
    moved = "; ".join(f"{named(ds, s.name)} moves it from {fmt3(s.at_low, unit)} to {fmt3(s.at_high, unit)}" for s in tornado.swings)
    caption = (f"{tornado.label}, one input at a time from its low to its high, the others at their central values "
               f"(there it is {fmt3(tornado.baseline, unit)}): {moved or 'no input has a range'}.")
    return Chart(f"What moves it: {tornado.label}", svg_text(figure, salt), caption)


def compared_figures(comparison: Any) -> list[tuple[str, Any, Any]]:
    """The figures a comparison table sets its quantity against: (label, figure, price as compared)."""
    out = []
    for _basis, members in comparison.groups:
        for m in members:
            out.append((stated(m.figure, ": "), m.figure, m.price))  # as the comparison table names it
    return out


def report_charts(ds: Any, parts: list[Any]) -> list[Chart]:
    """The report's charts, as the model declares its commands: the distribution of each
    headline compared against figures, each headline placed against bands (with the variants
    on the stated counts), then a tornado of each compared headline."""
    distributions, ranges, tornadoes = [], [], []
    for p in parts:
        computed = p.computed
        if computed.comparison is not None and computed.simulated is not None:
            distributions.append(lambda n, c=computed: distribution_chart(c.simulated, compared_figures(c.comparison), n))
        if p.bands:
            rows = [r for r in computed.results if r.id == computed.headline or r.variant]
            ranges.append(lambda n, rows=rows, bands=p.bands: bands_chart(rows, bands, n))
        if p.tornado is not None:
            tornadoes.append(lambda n, t=p.tornado: tornado_chart(ds, t, n))
    return [draw(str(n)) for n, draw in enumerate([*distributions, *ranges, *tornadoes], 1)]
