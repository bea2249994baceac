"""Quotes verified verbatim against a source's text: only typography is forgiven, never a word or a digit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nkru.texts import TextError, missing_quotes, normalise, quote_found, read_text

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kim Jong-un\u2019s \u201cKoksan\u201d", "Kim Jong-un's \"Koksan\""),
        ("\u2018a\u2019 \u201ab\u201b \u201cc\u201d \u201ed\u201f 5\u2032 6\u2033 \u00abe\u00bb", "'a' 'b' \"c\" \"d\" 5' 6\" \"e\""),
        ("9\u201035 9\u201135 9\u201235 9\u201335 9\u201435 9\u201535 \u221235", "9-35 9-35 9-35 9-35 9-35 9-35 -35"),
        ("co\u00adoperation", "cooperation"),
        ("one\n two\r\n\tthree", "one two three"),
        ("a\u00a0b\u2009c\u202fd\u3000e", "a b c d e"),
        ("won\u2026 What", "won... What"),
        ("  \n padded \u00a0 ", "padded"),
        ("Case, Punctuation; Kept! (yes) $2,000 [1]", "Case, Punctuation; Kept! (yes) $2,000 [1]"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


TEXT = (
    "First, North Korean forces have reportedly suffered between 1,000 and 3,800 losses since November,\n"
    "which equates to a casualty rate of 9\u201335%. Kim Jong-un\u2019s decision to send\u00a011,000 troops.\n"
    "\u2018\u2019Bulletproof\u2018 Russian mercenary's monthly salary of 2.75 million won... What about the soldiers?\u2019"
)


@pytest.mark.parametrize(
    "quote",
    [
        "a casualty rate of 9-35%",  # hyphen for the text's en dash
        "a casualty rate of 9\u201335%",  # the same dash as the text
        "Kim Jong-un's decision",  # straight for curly
        "losses since November, which equates",  # a line break in the text
        "send 11,000 troops",  # NBSP in the text
        "  suffered between\n1,000  and 3,800 ",  # whitespace in the quote
        "monthly salary of 2.75 million won... What about",  # the text's own '...'
    ],
)
def test_quote_found_up_to_typography(quote: str) -> None:
    assert quote_found(quote, TEXT)


@pytest.mark.parametrize(
    "quote",
    [
        "North Korea earns $1 billion a year from troops",  # made up
        "a casualty rate of 9-36%",  # one digit changed
        "between 1,000 and 3,300 losses",  # one digit changed
        "kim jong-un's decision",  # case is not forgiven
        "a casualty rate of 9 35%",  # a dash is not a space
        "First North Korean forces",  # a dropped comma is not forgiven
        "",
        "   ",
        "...",
    ],
)
def test_quote_not_found(quote: str) -> None:
    assert not quote_found(quote, TEXT)


def test_ellipsis_fragments_must_appear_in_order() -> None:
    assert quote_found("reportedly suffered ... losses since November ... a casualty rate", TEXT)
    assert quote_found("reportedly suffered\u2026losses since November", TEXT)
    assert quote_found("... Kim Jong-un's decision ...", TEXT)
    assert not quote_found("a casualty rate ... reportedly suffered", TEXT)  # out of order
    assert not quote_found("reportedly suffered ... 4,800 losses", TEXT)  # a fragment not in the text
    assert not quote_found("losses since November ... November", TEXT)  # fragments may not overlap


def test_missing_quotes_returns_keys_in_order() -> None:
    quotes = [("rate", "casualty rate of 9-35%"), ("fake", "5,000 losses"), ("kim", "Kim Jong-un\u2019s"), ("digit", "send 12,000 troops")]
    assert missing_quotes(quotes, TEXT) == ["fake", "digit"]
    assert missing_quotes([], TEXT) == []


def test_read_text_strips_bom_and_keeps_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbfKim Jong-un\xe2\x80\x99s\n")
    assert read_text(path) == "Kim Jong-un\u2019s\n"
    (tmp_path / "link.txt").symlink_to(path)
    assert read_text(tmp_path / "link.txt") == "Kim Jong-un\u2019s\n"
    path.write_bytes(b"x" * 10)
    assert read_text(path, max_bytes=10) == "x" * 10


def _reason(path: Path, **kwargs: int) -> str:
    with pytest.raises(TextError) as caught:
        read_text(path, **kwargs)
    assert str(caught.value) == f"{path}: {caught.value.reason}" and "\n" not in str(caught.value)
    return caught.value.reason


def test_read_text_refuses_what_is_not_a_small_utf8_file(tmp_path: Path) -> None:
    assert _reason(tmp_path / "missing.txt") == "no such file"
    assert _reason(tmp_path) == "is a directory, not a text file"
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 11)
    assert _reason(big, max_bytes=10) == "is 11 bytes; nkru reads at most 10"
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("caf\u00e9".encode("latin-1"))
    assert _reason(latin) == "is not UTF-8 text (byte 0xe9 at offset 3)"
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    assert _reason(tmp_path / "dangling.txt") == "no such file"
    assert _reason(big / "below.txt") == "no such file"  # a file used as a folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_read_text_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert _reason(fifo) == "is not a regular file (a device, pipe or socket)"


# A few short quotes per article, typed with straight quotes and hyphens where the articles have curly quotes and
# en dashes, so that the normalisation is exercised on the real texts too. Never the articles' full text.
SEED_QUOTES = {
    "000_87db266390ce7880.txt": [
        "Kim Jong-un's decision to bolster Vladimir Putin's army with an additional contingent of 11,000 troops",
        "reportedly suffered between 1,000 and 3,800 losses since November, which equates to a casualty rate of 9-35%",
        "would barely exceed $314 million for one year of service - and this including the one-time bonuses",
        "China, for example, paid $500 million per regiment in 2014",
    ],
    "001_4e47437de3793436.txt": [
        "the promise of payment from Moscow, set for $2000 per soldier",
        "an annual revenue of 500 million dollars",
        "payment for over nine million artillery shells, KN-23 and KN-24 ballistic missiles",
    ],
    "002_6c1f440fc5f0b04f.txt": [
        "a monthly salary of $2,000 to $3,000 per person and an additional $2,000 as a lump sum payment for enlistment",
        "North Korea could earn $320 million annually in foreign exchange by sending 10,000 people as mercenaries each year",
        "It is reported that 12,000 North Korean soldiers have been sent to the city of Kursk alone.",
        "Russian mercenary's monthly salary of 2.75 million won\u2026 What about the North Korean soldiers deployed?",
    ],
}
ALTERED = {
    "000_87db266390ce7880.txt": "would barely exceed $341 million for one year of service",
    "001_4e47437de3793436.txt": "set for $3000 per soldier",
    "002_6c1f440fc5f0b04f.txt": "North Korea could earn $230 million annually in foreign exchange",
}


@pytest.mark.parametrize("name", sorted(SEED_QUOTES))
def test_quotes_from_the_real_articles(name: str) -> None:
    if not SEEDS.is_dir():
        if "CI" in os.environ:
            pytest.fail(f"the articles' texts are missing in CI: {SEEDS} does not exist")
        pytest.skip(f"the articles' texts are not beside this checkout ({SEEDS})")
    text = read_text(SEEDS / name)
    assert missing_quotes([(q, q) for q in SEED_QUOTES[name]], text) == []
    assert not quote_found(ALTERED[name], text)
