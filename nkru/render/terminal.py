"""Sheets for the terminal: Rich tables drawn at the console's width, each column as wide as
its longest word so nothing a reader must read or type is cut, and no line ending in spaces."""

from __future__ import annotations

import io
import re
from typing import Any

from nkru.errors import safe_text
from nkru.render.sheets import Sheet, View, safe_sheet

STATUS_STYLE = {"reproduces": "green", "unexplained": "yellow", "differs": "bold red"}
WHOLE_WORD = 40  # the longest word a column keeps whole while the table fits; only a longer one (a URL) folds
NARROWEST = 6  # no column is squeezed below this to make a table fit
ATOM = 24  # a word up to this long (an id, a date, a number) is kept whole before any shorter one folds
TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)  # spaces at a line's end, before any colour codes


def to_rich(sheets: list[Sheet]) -> Any:
    """Sheets as Rich renderables. Every cell is Text, so nothing a user wrote is read as markup
    ("[citation needed]" stays) and Rich is spared parsing each cell for it."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    for s in map(safe_sheet, sheets):
        if s.prose:
            parts += [Text(s.rows[0][0]), Text()]
        elif s.listing:
            table = Table(title=Text(s.title), title_justify="left", show_header=False, box=None, pad_edge=False)
            table.add_column(justify="right", no_wrap=True)
            table.add_column(overflow="fold")
            for row in s.rows:
                table.add_row(*map(Text, row))
            parts.append(table)
        else:
            parts.append(Fitted(s))
    return Group(*parts)


class Fitted:
    """A grid built when it is drawn, at the width it is drawn at."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text

        # The title and the caption take the whole width, not the table's: a narrow table's
        # notes would otherwise wrap at a few words a line.
        yield Text(self.sheet.title, style="bold")
        yield grid(self.sheet, options.max_width)
        if self.sheet.caption:
            yield Text(self.sheet.caption)


def widths(s: Sheet, room: int) -> list[int]:
    """Each column's width: as wide as its longest line where the table fits; otherwise the
    widest column gives up room first, none below its longest word (at most WHOLE_WORD), so
    numbers and citations stay on one line and long text wraps. (Rich's own collapse ignores a
    column's minimum and cuts words, so nkru decides.)"""
    from rich.cells import cell_len  # screen cells, not characters: 中 takes two

    columns = [(column, *(row[i] for row in s.rows)) for i, column in enumerate(s.columns)]
    out = [max(cell_len(line) for cell in cells for line in cell.split("\n")) for cells in columns]
    least = fit([min(WHOLE_WORD, max((cell_len(w) for cell in cells for w in cell.split()), default=1)) for cells in columns], room)
    while sum(out) > room:
        shrinkable = [i for i in range(len(out)) if out[i] > least[i]]
        if not shrinkable:
            break
        out[max(shrinkable, key=lambda i: out[i])] -= 1  # at most the table's total width in steps, whatever its rows
    return out


def fit(least: list[int], room: int) -> list[int]:
    """Minimum widths that fit in `room`. The first column names the row (an id a user types,
    a label) and gives way last; the others give up long words (URLs, prose) first, down to
    ATOM, then ids and numbers, the widest first, none below NARROWEST."""
    least = list(least)
    for floor, first_too in ((ATOM, False), (NARROWEST, False), (NARROWEST, True)):
        while sum(least) > room:
            wider = [i for i in range(int(not first_too), len(least)) if least[i] > floor]
            if not wider:
                break
            least[max(wider, key=least.__getitem__)] -= 1
    return least


def grid(s: Sheet, width: int) -> Any:
    """The sheet's rows as a Rich table: rules under the heading only (fewer lines, rows that
    paste cleanly), each column at least as wide as its longest word while the table fits."""
    from rich.box import SIMPLE_HEAD
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold", box=SIMPLE_HEAD, show_edge=False)
    padding = 3 * len(s.columns) - 1  # a space each side of a cell, and the rule between columns
    for column, wide in zip(s.columns, widths(s, width - padding)):
        table.add_column(Text(column), justify="right" if column in s.right else "left", overflow="fold", width=wide)
    for row in s.rows:
        table.add_row(*(Text(cell, style=_style(column, cell)) for column, cell in zip(s.columns, row)))
    return table


def _style(column: str, cell: str) -> str:
    return STATUS_STYLE.get(cell.split("\n", 1)[0], "") if column == "Status" else ""


def safe_renderable(renderable: Any) -> Any:
    """A Rich Text or Tree (and the Trees and Texts in it) made safe in place, as safe_sheet does a sheet."""
    from rich.text import Text
    from rich.tree import Tree

    if isinstance(renderable, Text):
        renderable.plain = safe_text(renderable.plain)
    elif isinstance(renderable, Tree):
        safe_renderable(renderable.label)
        for child in renderable.children:
            safe_renderable(child)
    return renderable


def no_trailing_spaces(text: str) -> str:
    """Text without the spaces Rich pads each line with: a pasted table carries none."""
    return TRAILING.sub(r"\1", text)


def terminal_text(renderable: Any) -> str:
    """A renderable as the terminal would show it (its width and colours), without trailing spaces."""
    from rich.console import Console

    probe = Console(highlight=False)
    buffer = io.StringIO()
    console = Console(highlight=False, file=buffer, width=probe.width, color_system=probe.color_system,  # type: ignore[arg-type]
                      force_terminal=probe.is_terminal, no_color=probe.no_color, legacy_windows=False)
    console.print(renderable)
    return no_trailing_spaces(buffer.getvalue())


def as_rich(view: View) -> Any:
    """The view as a Rich renderable for the terminal."""
    return safe_renderable(view.rich()) if view.rich else to_rich(view.sheets())
