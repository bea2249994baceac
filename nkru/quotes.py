"""Whether a figure's quote states its numbers: the numbers a quote holds, in digits or words
("six million", "$1.7–5.5 billion"), and a located problem for each number it does not; and,
in an article's text, the numbers that are neither in a figure's quote nor listed as left out."""

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


# What an article writes with digits or number words that is not a quantity: a year, a date, a
# footnote marker, a designation (MiG-29, KN-23, COVID-19), a calibre (152mm), a URL.
_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE_BEFORE = re.compile(_MONTHS + r"\.?\s*$")
_DATE_AFTER = re.compile(r"\s*" + _MONTHS + r"\b")
_URL = re.compile(r"https?://\S+")


def _not_a_quantity(text: str, match: re.Match[str], urls: list[tuple[int, int]]) -> bool:
    start, end, raw = match.start(), match.end(), match["num"]
    before, after = text[max(0, start - 12):start], text[end:end + 12]
    return bool(
        (re.fullmatch(r"(?:19|20)\d\d", raw) and not match["scale"] and not before.endswith("$"))
        or (before.endswith("[") and after.startswith("]"))
        or _DATE_BEFORE.search(before) or _DATE_AFTER.match(after)
        or re.search(r"[A-Za-z]-$", before) or after.startswith("mm")
        or any(a <= start < b for a, b in urls)
    )


def unlisted_numbers(text: str, covered: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """The numbers a normalised article text states outside the `covered` spans (its figures'
    quotes and its left-out entries) that are quantities: each as written, with its context."""
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    found = []
    for match in _NUMBER.finditer(text):
        if any(a <= match.start() and match.end() <= b for a, b in covered) or _not_a_quantity(text, match, urls):
            continue
        found.append((match.group(), " ".join(text[max(0, match.start() - 40):match.end() + 30].split())))
    return found
