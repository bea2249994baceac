"""No injection into terminals or documents: hostile text in the data or the arguments reaches
tables, error lines, CSV, Markdown, SVG, HTML and JSON escaped, and numbers at the edges of a
float still print."""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nkru.errors import LINE_LIMIT, Problem, UsageError, clip, safe_text, shown
from nkru.render.sheets import csv_cell, fmt, num, sheet, to_csv, to_json, to_markdown

from .conftest import edit, run

# What must never reach a terminal raw: ESC, BEL, C1 CSI, a vertical tab, bidi overrides.
RAW = ("\x1b", "\x07", "\x9b", "\x0b", "\u202e", "\u202c", "\u2066")
# The same, as YAML double-quoted escapes (the YAML reader refuses raw control characters).
HOSTILE = r"\e[31mRED\x07 \x9b2J \u202eevil\u202c \u2066x \x0b <script>alert(1)</script> & a | b"
LABEL = "label: Lowy Institute, The Interpreter (7 Jan 2025)"
QUOTE = 'quote: "an additional contingent of 11,000 troops to fight in Russia’s Kursk region"'
LONGEST_LINE = LINE_LIMIT + 40  # a clipped line and its "… (N more characters)"


def _no_raw(text: str) -> None:
    found = sorted({repr(c) for c in RAW if c in text})
    assert not found, f"raw {', '.join(found)} in the output"


@pytest.fixture
def hostile(data_copy: Path) -> Path:
    """The shipped data with hostile text in a source's label and in a figure's quote."""
    edit(data_copy / "sources.yaml", LABEL, f'label: "=Lowy {HOSTILE}"')
    edit(data_copy / "figures.yaml", QUOTE, f'quote: "an additional {HOSTILE} contingent of 11,000 troops"')
    return data_copy


# ---------------------------------------------------------------------------- the rules


def test_safe_text_escapes_what_steers_a_terminal_and_keeps_the_rest():
    assert safe_text("a\x1b[2Jb\x07\x9b\x7f\u202e\u200f\u061c\u2069\t\r") == "a\\x1b[2Jb\\x07\\x9b\\x7f\\u202e\\u200f\\u061c\\u2069\\t\\r"
    assert safe_text("two\nlines — 한국어 $286M × 12") == "two\nlines — 한국어 $286M × 12"
    assert safe_text(safe_text("\x1b")) == "\\x1b"
    assert safe_text("\udcff") == "\\udcff"  # an undecodable byte in an argument


def test_shown_escapes_only_the_unprintable_characters():
    assert shown("/tmp/\x1b]0;x\x07/한.yaml\n") == "/tmp/\\x1b]0;x\\x07/한.yaml\\n"
    assert shown("\u202eevil") == "\\u202eevil"
    assert shown("plain text") == "plain text"


def test_error_lines_are_clipped_and_say_how_much_was_cut():
    assert clip("x" * 10, 4) == "xxxx… (6 more characters)"
    assert clip("short") == "short"
    long = "y" * 5000
    assert all(len(line) <= LONGEST_LINE for line in UsageError(f"--set {long}\nsecond").lines())
    line = str(Problem("f" * 900, 1, 1, "p" * 900, "found '" + "z" * 5000 + "'"))
    assert len(line) < 3 * LONGEST_LINE and "more characters)" in line


def test_csv_cells_that_start_like_a_formula_are_neutralised_and_numbers_stay_numbers():
    assert [csv_cell(c) for c in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "plain")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "\\t=1", "\\r=1", "plain"]
    assert [csv_cell(c) for c in (-5.0, -3, 0, None, False)] == [-5.0, -3, 0, "", False]
    rows = list(csv.reader(io.StringIO(to_csv(("a", "b"), [("=cmd|' /C calc'!A0", -1.5)]))))
    assert rows == [["a", "b"], ["'=cmd|' /C calc'!A0", "-1.5"]]


def test_markdown_escapes_raw_html_and_keeps_its_own_line_breaks():
    text = to_markdown([sheet("T <b>", ("A", "B"), [("<script>x</script> & |", "one\ntwo")], caption="<i>c</i>")])
    assert "<script>" not in text and "<b>" not in text and "<i>" not in text
    assert "&lt;script&gt;x&lt;/script&gt; &amp; \\|" in text and "one<br>two" in text


def test_json_is_always_valid_json():
    text = to_json({"inf": math.inf, "nan": [math.nan], "low": -math.inf, "ok": 1.5, "text": "\x1b\x9b\u202e"})
    assert "Infinity" not in text and "NaN" not in text
    _no_raw(text)
    assert json.loads(text) == {"inf": None, "nan": [None], "low": None, "ok": 1.5, "text": "\x1b\x9b\u202e"}


def test_numbers_at_the_edges_of_a_float_format():
    big = 1.7976931348623157e308
    assert fmt(big, "USD") == "$1.79769e+308" and fmt(-big, "soldiers") == "−1.79769e+308"
    assert fmt(big, "fraction") == "1.79769e+310%" and fmt(big, "KRW") == "1.79769e+308 KRW"
    assert fmt(math.inf, "USD") == "∞" and fmt(-math.inf, "1") == "−∞" and fmt(math.nan, "USD") == "not a number"
    assert fmt(286e6, "USD") == "$286M" and fmt(11000, "soldiers") == "11,000"
    assert num(big) == big and num(math.inf) == math.inf and num(286e6) == 286000000


# ---------------------------------------------------------------------------- through the CLI


@pytest.mark.parametrize("words", [("sources",), ("figures",), ("explain", "annual_value_usd"), ("deal-value",)])
@pytest.mark.parametrize("form", ["table", "markdown", "csv", "json"])
def test_hostile_data_reaches_no_output_raw(hostile: Path, words: tuple[str, ...], form: str):
    result = run(*words, "--data", str(hostile), "--format", form)
    assert result.exit_code == 0, result.stderr
    _no_raw(result.stdout)
    if form == "markdown":
        assert "<script>" not in result.stdout
    if form == "json":
        json.loads(result.stdout)


def test_a_table_shows_the_escapes(hostile: Path):
    result = run("sources", "--data", str(hostile))
    assert "\\x1b[31mRED\\x07" in result.stdout.replace("\n", "").replace("│", "").replace(" ", "")


def test_csv_from_hostile_data_is_neutralised_and_json_keeps_the_text_exactly(hostile: Path):
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(run("sources", "--data", str(hostile), "--format", "csv").stdout))}
    assert rows["lowy"]["label"].startswith("'=Lowy \\x1b[31mRED")
    sources = json.loads(run("sources", "--data", str(hostile), "--format", "json").stdout)["sources"]
    assert next(s for s in sources if s["id"] == "lowy")["label"].startswith("=Lowy \x1b[31mRED\x07 \x9b2J \u202eevil")


class _Strict(HTMLParser):
    """Collects the text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_svg_and_html_stay_well_formed(hostile: Path, tmp_path: Path):
    svg, html = tmp_path / "out.svg", tmp_path / "out.html"
    result = run("sources", "--data", str(hostile), "--svg", str(svg), "--html", str(html))
    assert result.exit_code == 0, result.stderr
    ET.parse(svg)  # raises on a raw control character or an unescaped <
    page = html.read_text(encoding="utf-8")
    _no_raw(page)
    assert not any(ord(c) < 32 and c not in "\n\t\r" for c in page)
    assert "<script>" not in page
    parser = _Strict()
    parser.feed(page)
    assert "<script>alert(1)</script>" in "".join(parser.text)  # shown as text, not run


def test_an_argument_with_control_characters_is_escaped_in_the_error():
    result = run("deal-value", "--set", "troops=\x1b[2J\u202e\x9b")
    assert result.exit_code == 2
    _no_raw(result.stderr)
    assert "\\x1b[2J\\u202e\\x9b" in result.stderr


def test_an_echoed_path_with_control_characters_is_escaped():
    result = run("deal-value", "--scenario", "/nonexistent/\x1b]0;pwned\x07.yaml")
    assert result.exit_code == 2
    _no_raw(result.stderr)
    assert "/nonexistent/\\x1b]0;pwned\\x07.yaml" in result.stderr


def test_a_file_that_is_not_a_scenario_is_echoed_in_one_short_line(tmp_path: Path):
    passwd = tmp_path / "passwd"
    passwd.write_text("".join(f"user{i}:x:{i}:{i}:User {i}:/home/user{i}:/bin/bash\n" for i in range(200)), encoding="utf-8")
    result = run("deal-value", "--scenario", str(passwd))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and len(lines[0]) <= LONGEST_LINE + len(str(passwd)), lines
    assert "more characters)" in lines[0]


def test_a_long_argument_is_clipped():
    result = run("deal-value", "--set", "troops=" + "9" * 3000 + "x")
    assert result.exit_code == 2
    assert all(len(line) <= LONGEST_LINE for line in result.stderr.splitlines())


def test_a_data_problem_with_control_characters_is_escaped(data_copy: Path):
    edit(data_copy / "sources.yaml", LABEL, f'{LABEL}\n    "\\e[2Jkey\\u202e": 1')
    result = run("deal-value", "--data", str(data_copy))
    assert result.exit_code == 2
    _no_raw(result.stderr)
    assert "sources[lowy].\\x1b[2Jkey\\u202e: unknown key" in result.stderr
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1
    _no_raw(result.stdout)
    assert "sources[lowy].\\x1b[2Jkey\\u202e: unknown key" in result.stdout


def test_the_largest_float_in_the_data_prints_and_exports(data_copy: Path, tmp_path: Path):
    edit(data_copy / "figures.yaml", "    value: 50\n", "    value: 1.7976931348623157e308\n")
    edit(data_copy / "figures.yaml", 'quote: "50 North Korean-made', 'quote: "1.7976931348623157e308 North Korean-made')
    for form in ("table", "markdown", "csv", "json"):
        result = run("figures", "--data", str(data_copy), "--format", form)
        assert result.exit_code == 0, (form, result.stderr)
    assert "1.79769e+308" in run("figures", "--data", str(data_copy)).stdout
    figures = json.loads(run("figures", "--data", str(data_copy), "--format", "json").stdout)["figures"]
    assert next(f for f in figures if f["id"] == "howitzers_koksan")["value"] == 1.7976931348623157e308
    result = run("figures", "--data", str(data_copy), "--svg", str(tmp_path / "big.svg"))
    assert result.exit_code == 0, result.stderr
    ET.parse(tmp_path / "big.svg")
