"""The options commands share, as Typer `Annotated` types, and the records they fill.

The parsers read an option's text the way nkru reads the command line (ASCII digits only, as
in --set and YAML) and refuse it in the CLI's own words (`BadValue`): the app prints that as one
`Error: --seed abc: give a whole number (0 or more)` line. The `complete_*` functions give the
shell the names a value can take; they read the data lazily and never raise.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from nkru.errors import shown


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


# ---------------------------------------------------------------------------- parsing option values


class BadValue(typer.BadParameter):
    """An option's value nkru cannot read: shown as `--option VALUE: what to give instead`."""

    def __init__(self, value: object, reason: str) -> None:
        super().__init__(reason)
        self.value = value

    def format_message(self) -> str:
        return f"{option_name(self.param)} {quoted(self.value)}: {self.message}"


def option_name(param: Any) -> str:
    """How the user names a parameter: an option by its long name (--format, even when typed -f), an argument by its metavar."""
    opts = list(getattr(param, "opts", None) or ())
    if getattr(param, "param_type_name", None) == "option" and opts:
        return str(next((o for o in opts if o.startswith("--")), opts[0]))
    return str(getattr(param, "metavar", None) or (getattr(param, "name", None) or "value").upper())


_PLAIN_WORD = re.compile(r"""[^\s'"\\$`!*?;&|<>(){}\[\]#~]+""")


def quoted(value: object) -> str:
    """A value as the user would retype it: '' for nothing, quotes around spaces and shell
    characters, escapes for control characters."""
    text = shown(value if isinstance(value, str) else str(value))
    return text if _PLAIN_WORD.fullmatch(text) else shlex.quote(text)


ALIASES = {"md": Format.markdown}


def parse_format(value: object) -> Format:
    """--format: any case, and md for markdown."""
    if isinstance(value, Format):
        return value
    text = str(value).strip().casefold()
    if text in ALIASES:
        return ALIASES[text]
    try:
        return Format(text)
    except ValueError:
        raise BadValue(value, "use table, json, csv or markdown (md)") from None


# A whole number as --set reads one: ASCII digits, optionally grouped by ',' in threes or by '_'.
_WHOLE = re.compile(r"[0-9]{1,3}(,[0-9]{3})+|[0-9]+(_[0-9]+)*", re.ASCII)
_YEAR = re.compile(r"[0-9]{1,4}", re.ASCII)


def _whole(value: object, reason: str, least: int, pattern: re.Pattern[str] = _WHOLE) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if not pattern.fullmatch(text):
            raise BadValue(value, reason)
        try:
            number = int(text.replace(",", ""))
        except ValueError:  # more digits than Python converts
            raise BadValue(value, reason) from None
    if number < least:
        raise BadValue(value, reason)
    return number


def parse_seed(value: object) -> int:
    """--seed S: a whole number, 0 or more."""
    return _whole(value, "give a whole number (0 or more)", 0)


def parse_samples(value: object) -> int:
    """--simulate N: a whole number of samples, 1 or more (fit for sensitivity's --simulate too)."""
    return _whole(value, "give a whole number of samples (1 or more), e.g. 10000", 1)


def parse_year(value: object) -> int:
    """--dollars YEAR: a year in digits; which years have a price index is the data's to say."""
    return _whole(value, "give a year, e.g. 2024", 1, _YEAR)


# ---------------------------------------------------------------------------- shell completion
#
# Each is Typer's `autocompletion=` callback: (ctx, incomplete) -> candidates, as (value, help)
# pairs where there is a help. They read --data when it is already on the command line, load
# the data only when asked (a cached dataset is quick), and return [] on any problem: a shell
# completing a word must never see a traceback.

Candidates = list[tuple[str, str]]


def _data_dir(ctx: typer.Context | None) -> Path | None:
    value = (getattr(ctx, "params", None) or {}).get("data")
    return Path(value) if isinstance(value, (str, Path)) and str(value) else None


def _matching(incomplete: str, produce: Callable[[], Iterable[tuple[str, str]]]) -> Candidates:
    try:
        return [(value, help_) for value, help_ in produce() if value.startswith(incomplete or "")]
    except Exception:  # a broken data folder, an unreadable file, anything: no candidates
        return []


def _scenario_names(ctx: typer.Context | None) -> list[tuple[str, str]]:
    from nkru.load import scenario_files

    return [(name, "") for name in sorted(scenario_files(_data_dir(ctx)))]


def _dataset(ctx: typer.Context | None) -> Any:
    from nkru.load import load_dataset

    return load_dataset(_data_dir(ctx))


def complete_scenarios(ctx: typer.Context, incomplete: str) -> Candidates:
    """--scenario: the scenario names (shipped, and in --data DIR/scenarios/)."""
    return _matching(incomplete, lambda: _scenario_names(ctx))


def complete_compare(ctx: typer.Context, incomplete: str) -> Candidates:
    """compare SCENARIO...: baseline and the scenario names."""
    return _matching(incomplete, lambda: [("baseline", "no scenario"), *_scenario_names(ctx)])


def complete_set(ctx: typer.Context, incomplete: str) -> Candidates:
    """--set: each input as NAME=, ready for its value."""
    return _matching(incomplete, lambda: [(f"{name}=", spec.unit) for name, spec in _dataset(ctx).inputs.items()])


def complete_inputs(ctx: typer.Context, incomplete: str) -> Candidates:
    """An input name (solve --for)."""
    return _matching(incomplete, lambda: [(name, spec.unit) for name, spec in _dataset(ctx).inputs.items()])


def complete_quantities(ctx: typer.Context, incomplete: str) -> Candidates:
    """A quantity id of model.yaml (calc QUANTITY..., explain ID)."""
    return _matching(incomplete, lambda: [(q.id, q.label) for q in _dataset(ctx).quantities.values()])


def complete_headlines(ctx: typer.Context, incomplete: str) -> Candidates:
    """sensitivity QUANTITY: the commands with a headline (deal-value, casualties), then the quantity ids."""

    def produce() -> list[tuple[str, str]]:
        ds = _dataset(ctx)
        return [(name, f"its headline, {spec.headline}") for name, spec in ds.model.commands.items()] + [(q.id, q.label) for q in ds.quantities.values()]

    return _matching(incomplete, produce)


def complete_targets(ctx: typer.Context, incomplete: str) -> Candidates:
    """solve QUANTITY=TARGET: each quantity as ID=, ready for its target."""
    return _matching(incomplete, lambda: [(f"{q.id}=", q.unit) for q in _dataset(ctx).quantities.values()])


DataOption = Annotated[
    Path | None,
    typer.Option("--data", metavar="DIR", help="Read the YAML files (and scenarios/) found in DIR over the shipped ones."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", metavar="NAME=VALUE", autocompletion=complete_set,
        help="Set an input for this run: NAME=12000 or NAME=10000..12000 (the inputs are in assumptions.yaml). Repeatable; applied last.",
    ),
]
ScenarioOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario", metavar="NAME|FILE", autocompletion=complete_scenarios,
        help="Apply a scenario (see nkru scenarios) or a scenario file. Repeatable, in order.",
    ),
]
FormatOption = Annotated[
    Format, typer.Option(
        "--format", "-f", metavar="table|json|csv|markdown", parser=parse_format, help="table for people; json, csv or markdown (md) for scripts and reports.",
    ),
]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the chosen format to FILE (atomically) instead of stdout.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Let the files this command writes replace existing ones.")]
SvgOption = Annotated[Path | None, typer.Option("--svg", metavar="FILE", help="Also save the table as an SVG image.")]
HtmlOption = Annotated[Path | None, typer.Option("--html", metavar="FILE", help="Also save the table as an HTML page.")]


SimulateOption = Annotated[
    int | None,
    typer.Option("--simulate", metavar="N", parser=parse_samples, help="Also draw N seeded Monte Carlo samples: percentiles, a histogram and probabilities."),
]
SeedOption = Annotated[int, typer.Option("--seed", metavar="S", parser=parse_seed, help="The random seed; the same seed gives the same samples.")]
SamplesOption = Annotated[Path | None, typer.Option("--samples-out", metavar="FILE", help="With --simulate, save the raw samples (.csv, or .npy for a numpy structured array).")]


ContextOption = Annotated[bool, typer.Option("--context", help="Add rows from outside the audited articles (marked as context; never used in the results).")]
FullOption = Annotated[bool, typer.Option("--full", help="Show everything: the claims audit and every column of the comparison.")]
DollarsOption = Annotated[
    int | None,
    typer.Option("--dollars", metavar="YEAR", parser=parse_year, help="Show US dollars in constant dollars of YEAR (CPI-U); the default is nominal, as printed."),
]


class Sim(NamedTuple):
    samples: int | None
    seed: int
    samples_out: Path | None


class Out(NamedTuple):
    format: Format
    output: Path | None
    force: bool
    svg: Path | None
    html: Path | None
