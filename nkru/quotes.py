"""Whether a figure's quote states its numbers: the numbers a quote holds, in digits or words
("six million", "$1.7–5.5 billion"), and a located problem for each number it does not."""

from __future__ import annotations

import math
import re

from nkru.errors import Problem
from nkru.model import Dataset, plain

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "fifty": 50,
    "hundred": 100,
}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3, "m": 1e6, "bn": 1e9, "b": 1e9}
_NUMBER = re.compile(
    r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|" + "|".join(_WORDS) + r")"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|[kKmMbB])(?![\w]))?",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"^\s*(?:–|-|to|and)\s*\$?\s*$")


def numbers_in(text: str) -> list[float]:
    """Every number a text states, with its scale applied: "$1.3 billion" -> 1.3e9,
    "six million" -> 6e6, "$1.7–5.5B" -> 1.7, 1.7e9 and 5.5e9 (a range shares its scale)."""
    found: list[float] = []
    matches = list(_NUMBER.finditer(text))
    for index, match in enumerate(matches):
        raw = match["num"].lower()
        base = float(_WORDS[raw]) if raw in _WORDS else float(raw.replace(",", ""))
        scale = _SCALES[match["scale"].lower()] if match["scale"] else 1.0
        found.append(base * scale)
        following = matches[index + 1] if index + 1 < len(matches) else None
        if scale == 1.0 and following and following["scale"] and _RANGE_JOIN.match(text[match.end():following.start()]):
            found.append(base * _SCALES[following["scale"].lower()])
    return found


def _stated(numbers: list[float], x: float) -> bool:
    return any(math.isclose(x, n, rel_tol=1e-9) for n in numbers)


def quote_findings(ds: Dataset) -> list[Problem]:
    """A figure whose quote does not state each of its numbers is not sourced."""
    findings = []
    for figure in ds.figures.values():
        section = "context" if figure.id in ds.context_ids else "figures"
        numbers = numbers_in(figure.quote)
        for key in ("value", "low", "high"):
            x = getattr(figure, key)
            if x is not None and not _stated(numbers, x):
                findings.append(ds.locator.problem(section, figure.id, (key,), f"{plain(x)} is not in the quote \"{figure.quote}\""))
    return findings
