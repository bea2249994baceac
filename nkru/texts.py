"""Check that quotes are verbatim in a source's text, up to typography (curly quotes, dashes, whitespace)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

# Typography that differs between a web page, its copy and a YAML file without the words differing. Nothing else is
# folded (case, digits and other punctuation are kept): the point is that a quote is the source's own words.
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        "\u00ad": None,  # soft hyphen: invisible, only marks where a word may break
        "…": "...",
    }
)
_WHITESPACE = re.compile(r"\s+")  # str patterns match Unicode whitespace: NBSP, thin space, line separators too
ELLIPSIS = "..."


class TextError(ValueError):
    """A source's text file that cannot be read; `reason` is the one-line why, `path` the file."""

    def __init__(self, path: Path, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


def normalise(text: str) -> str:
    """Text for comparing quotes: curly quotes to straight, dashes to '-', soft hyphens dropped, whitespace runs to one space, … to '...', stripped."""
    return _WHITESPACE.sub(" ", text.translate(_TYPOGRAPHY)).strip()


def _found(quote: str, text: str) -> bool:
    """Whether a normalised quote is in a normalised text; an elided quote ('a ... b') needs its
    fragments in order. An empty quote (or only '...') proves nothing, so it is never "found"."""
    return bool(_spans(quote, text))


def _spans(quote: str, text: str) -> list[tuple[int, int]]:
    """Where a normalised quote's fragments first sit, in order, in a normalised text; [] if not."""
    found, start = [], 0
    for fragment in [part.strip() for part in quote.split(ELLIPSIS) if part.strip()]:
        at = text.find(fragment, start)
        if at < 0:
            return []
        found.append((at, at + len(fragment)))
        start = at + len(fragment)
    return found


def quote_found(quote: str, text: str) -> bool:
    """Whether the quote appears verbatim in the text after normalising both.

    A quote that elides words with '...' or '…' matches when each non-empty fragment between the ellipses appears in
    the text, in that order and without overlapping; a quote that is blank after normalising is never found.
    """
    return _found(normalise(quote), normalise(text))


def missing_quotes(quotes: Sequence[tuple[str, str]], text: str) -> list[str]:
    """The keys of the (key, quote) pairs not found in `text` (by `quote_found`'s rules); normalises the text once."""
    normalised = normalise(text)
    return [key for key, quote in quotes if not _found(normalise(quote), normalised)]


def read_text(path: Path, max_bytes: int = 16 * 1024 * 1024) -> str:
    """A source's text: UTF-8 (BOM stripped), read only if `path` is a regular file of at most max_bytes; raises TextError otherwise."""
    from nkru.files import ReadError, read_regular

    try:
        data = read_regular(path, max_bytes, "a text file")
    except ReadError as error:
        raise TextError(path, error.reason) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TextError(path, f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})") from None
    return text.removeprefix("\ufeff")


def spans(quote: str, text: str, every: bool = False) -> list[tuple[int, int]]:
    """Where a quote's fragments sit in a normalised text: the first place, or with `every` each
    place a quote without an ellipsis occurs (an elided quote is placed once); [] if not found."""
    quote = normalise(quote)
    fragments = [part.strip() for part in quote.split(ELLIPSIS) if part.strip()]
    if every and len(fragments) == 1:
        return [(m.start(), m.end()) for m in re.finditer(re.escape(fragments[0]), text)]
    return _spans(quote, text)
