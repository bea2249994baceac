"""What people read: the answer first, labels in words, stable citations, one number policy,
and nothing cut or padded at 80 columns."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nkru.load import load_dataset
from nkru.render.sheets import fmt3, signed
from tests.conftest import run


def _terminal(*args: str, columns: int = 80) -> str:
    """What a user sees in a real process at this width (Rich reads COLUMNS there)."""
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-m", "nkru", *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def deal_value() -> str:
    return _terminal("deal-value")


def test_deal_value_opens_with_its_answer_in_words(deal_value: str):
    opening = " ".join(deal_value.split("\n\n", 1)[0].split())
    assert opening == (
        "11,000 soldiers serving 12 months are worth $286M ($286M–$456M) [1][3][4][5][6][7]; that covers "
        "57.2%–91.2% of China's S-400 price, $500M per regiment (2014) [1]. Of the articles' claims recomputed "
        "here from their stated inputs, 2 reproduce and 3 do not (--full shows each)."
    )


def test_the_answer_is_computed_from_the_run():
    opening = " ".join(run("deal-value", "--set", "troops=12000", "--set", "months=24").stdout.split("\n\n", 1)[0].split())
    assert opening.startswith("12,000 soldiers serving 24 months are worth $600M ($600M–$888M) [3][4][5][6] --set troops=12000 --set months=24; "
                              "that covers 120%–178% of China's S-400 price")
    casualties = " ".join(run("casualties").stdout.split("\n\n", 1)[0].split())
    assert casualties.startswith("The casualty rate is 8.33%–34.5% [1][3][7], from 1,000–3,800 losses among 11,000–12,000 troops; "
                                 "its low end falls below 10%, where the article gives no label; its high end over 30% (often combat-ineffective) [1].")


def test_deal_value_fits_about_fifty_lines_and_keeps_the_rest_behind_full(deal_value: str):
    assert len(deal_value.splitlines()) <= 60
    assert "claims, recomputed" not in deal_value and "Shortfall" not in deal_value.split("--full adds")[0]
    full = _terminal("deal-value", "--full")
    assert "The articles' claims, recomputed from their stated inputs" in full and "Shortfall" in full and "$314M" in full


@pytest.mark.parametrize("command", ["deal-value", "casualties", "deal-value --full", "casualties --full", "deal-value --context --simulate 2000"])
def test_nothing_is_cut_or_padded_at_80_columns(command: str):
    out = _terminal(*command.split())
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80
    assert not [line for line in lines if line != line.rstrip()], "trailing spaces"
    assert "…" not in out
    # Every name a user must type is whole on one line: the inputs in the --set hint.
    words = set(out.split())
    hint = re.search(r"one of ([a-z0-9_, ]+)\.", " ".join(out.split()))
    assert hint and all(name in words or f"{name}," in words or f"{name}." in words for name in hint.group(1).split(", "))


def test_ids_reach_readers_only_where_they_type_them(deal_value: str):
    ds = load_dataset(None)
    ids = set(ds.figures) | {c.id for c in ds.claims} | set(ds.quantities)
    tokens = set(re.findall(r"[a-z][a-z0-9_-]*[a-z0-9]", deal_value))
    leaked = {t for t in tokens & ids if f"nkru explain {t}" not in deal_value}
    assert not leaked
    full = _terminal("deal-value", "--full", "--context")
    assert not {t for t in set(re.findall(r"[a-z][a-z0-9_-]*[a-z0-9]", full)) & ids if f"nkru explain {t}" not in full}


def test_citations_follow_sources_yaml_in_every_command():
    """Pasted deal-value and casualties tables give Lowy the same number, and the brief too."""
    deal, casualties = run("deal-value").stdout, run("casualties").stdout
    for out in (deal, casualties):
        assert "[1]  Lowy Institute, The Interpreter" in out and "[3]  Brief on Russia-DPRK alignment" in out
    assert "[2]" not in deal  # ISDP is second in sources.yaml and cited by neither: its number is skipped, not reused
    ds = load_dataset(None)
    assert list(ds.sources)[:3] == ["lowy", "isdp", "brief"]


def test_a_column_keeps_its_significant_figures():
    """57.2% / 45.8% / 22.0%, not 57.2% / 45.76% / 22%; $1.01B beside $286M; a whole year stays whole."""
    assert [fmt3(x, "1") for x in (0.572, 0.45764, 0.22, 0.000123, 0.0)] == ["57.2%", "45.8%", "22.0%", "0.0123%", "0%"]
    assert [fmt3(x, "USD") for x in (286e6, 1.014e9, 44e6, 4545.45)] == ["$286M", "$1.01B", "$44.0M", "$4,550"]
    assert [fmt3(x, "years") for x in (1.0, 1.814, 12.0)] == ["1", "1.81", "12"]
    assert fmt3(-28e6, "USD") == "−$28.0M" and signed(0.0909, "percent", 3) == "+0.09 pp" and signed(-28e6, "USD", 3) == "−$28.0M"
    table = run("deal-value").stdout
    assert all(cell in table for cell in ("57.2%", "45.8%", "22.0%")) and "45.76%" not in table


def test_markdown_cites_and_lists_sources_by_their_numbers():
    markdown = run("deal-value", "--format", "markdown").stdout
    assert "\n1. Lowy Institute" in markdown and "\n3. Brief on Russia-DPRK alignment" in markdown
    assert "[1][3][4][5][6][7]" in markdown


def test_an_answer_may_name_only_what_the_command_computes(tmp_path: Path):
    import shutil

    from nkru.errors import DataError

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent.parent / "data", data)
    model = data / "model.yaml"
    text = model.read_text()
    model.write_text(text.replace("{ratio_to_s400_price_china.range}", "{ratio_to_s400_price_chna.range} {troops.low}"))
    with pytest.raises(DataError) as caught:
        load_dataset(data)
    messages = [p.message for p in caught.value.problems]
    assert any("{ratio_to_s400_price_chna.range}: unknown row, input or figure 'ratio_to_s400_price_chna' (did you mean ratio_to_s400_price_china?)" in m for m in messages)
    assert any("{troops.low}: after the name comes .value, .range or .count, not .low" in m for m in messages)
    figures = data / "figures.yaml"
    model.write_text(text)
    figures.write_text(figures.read_text().replace("    label: China's S-400 price\n", ""))
    with pytest.raises(DataError) as caught:
        load_dataset(data)
    assert any("give the figure a label: measure ratio_to of comparison s400 names it in words" in p.message for p in caught.value.problems)


words = st.text(alphabet="abcdefghij_-0123456789$%中文é", min_size=1, max_size=12)  # 中 and 文 take two cells
cells = st.lists(words, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(st.lists(words, min_size=n, max_size=n, unique=True),
                                                     st.lists(st.lists(cells, min_size=n, max_size=n), min_size=1, max_size=4))),
       st.integers(40, 120))
def test_a_table_wraps_at_spaces_and_never_cuts_a_word(shape, width):
    """Any table, at any width its words fit in: no line is wider, and every word is whole."""
    from rich.cells import cell_len
    from rich.console import Console

    from nkru.render.sheets import sheet
    from nkru.render.terminal import to_rich

    columns, rows = shape
    longest = [max(cell_len(w) for cell in (c, *(r[i] for r in rows)) for w in cell.split()) for i, c in enumerate(columns)]
    assume(sum(longest) + 3 * len(columns) - 1 <= width)
    table = sheet("T", tuple(columns), rows)
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(to_rich([table]))
    lines = console.export_text().splitlines()
    assert max(map(cell_len, lines)) <= width
    shown = set(" ".join(lines).split())
    assert all(word in shown for row in rows for cell in row for word in cell.split())


def test_a_detail_flag_is_true_or_false(tmp_path: Path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent.parent / "data", data)
    model = data / "model.yaml"
    model.write_text(model.read_text().replace("        detail: true\n", "        detail: yes\n", 1))
    result = run("deal-value", "--data", str(data))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {model}:")
    assert result.stderr.splitlines()[0].endswith(": comparisons.s400.measures.shortfall_to.detail: expected true or false, found 'yes'")


def test_computed_numbers_never_run_to_hundreds_of_digits_or_read_1000m():
    assert fmt3(1e-300, "1") == "1.00e-298%" and fmt3(5e-324, "soldiers") == "4.94e-324"
    assert fmt3(999.6e6, "USD") == "$1.00B" and fmt3(999_500, "USD") == "$1.00M"


def test_a_label_is_never_blank(tmp_path: Path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent.parent / "data", data)
    figures = data / "figures.yaml"
    figures.write_text(figures.read_text().replace("    label: China's S-400 price\n", '    label: " "\n'))
    result = run("deal-value", "--data", str(data))
    assert result.exit_code == 2
    assert result.stderr.endswith(": figures[s400_price_china].label: a label must not be blank: write what a reader should see\n")


def test_an_answer_names_figures_in_three_ways_and_bands_only_where_there_are_some(tmp_path: Path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent.parent / "data", data)
    model = data / "model.yaml"
    text = model.read_text()
    model.write_text(text.replace("that covers\n      {ratio_to_s400_price_china.range} of {s400_price_china}.",
                                  "Lowy prices it at {s400_price_range_lowy.range}, or {s400_price_range_lowy}; {s400_price_china.value}."))
    opening = " ".join(run("deal-value", "--data", str(data)).stdout.split("\n\n", 1)[0].split())
    assert "Lowy prices it at $500M–$1.3B, or Lowy's S-400 price range, $500M–$1.3B per system unit unstated [1]; $500M." in opening
    model.write_text(text.replace("{ratio_to_s400_price_china.range}", "{bands}"))
    result = run("deal-value", "--data", str(data))
    assert result.exit_code == 2
    assert result.stderr.endswith(": commands.deal-value.answer: {bands} needs bands: the command places its headline among none\n")


def test_the_command_list_is_whole_at_80_columns():
    listing = _terminal("-h").split("Commands:", 1)[1].split("\n\n", 1)[0]
    assert "..." not in listing and len(listing.splitlines()) >= 12


def test_an_output_file_is_written_in_the_format_its_name_says(tmp_path: Path):
    import json

    assert run("deal-value", "-o", str(tmp_path / "r.json")).exit_code == 0
    assert json.loads((tmp_path / "r.json").read_text())["command"] == "deal-value"
    assert run("deal-value", "-o", str(tmp_path / "r.csv")).exit_code == 0
    assert (tmp_path / "r.csv").read_text().startswith("id,label,value,low,high,")
    refused = run("report", "-o", str(tmp_path / "r.pdf"))
    assert (refused.exit_code, refused.stderr) == (2, f"Error: --output {tmp_path / 'r.pdf'}: the report is HTML; give a file ending in .html or .htm\n")


def test_sources_carry_their_numbers_and_cite_each_other_by_them():
    listing = " ".join(_terminal("sources", columns=250).split())
    assert "lowy [1] article Lowy Institute" in listing and "brief [3] article" in listing
    assert "(cited by [3])" in run("deal-value").stdout and "(cited by brief)" not in run("deal-value").stdout


def test_dollars_cite_the_price_index_and_the_answer_names_the_restated_price():
    out = " ".join(run("deal-value", "--dollars", "2024").stdout.split())
    assert "Results (in 2024 dollars by the price index [14][15]; the inputs above as stated)" in out
    assert "that covers 43.2%–68.8% of China's S-400 price, $500M per regiment (2014) [1], $663M in 2024 dollars." in out
    assert "[14] US Bureau of Labor Statistics" in out


def test_the_first_column_names_the_row_and_gives_way_last():
    """At 80 columns the ids a user types (figures' and sources' first column) stay whole."""
    from nkru.render.terminal import fit

    least = fit([31, 21, 17, 10, 9], 66)
    assert least[0] == 31 and sum(least) <= 66
    ds = load_dataset(None)
    for command, ids in (("figures", {f.id for f in ds.article_figures()}), ("sources", set(ds.sources))):
        words = set(_terminal(command).split())
        assert ids <= words, sorted(ids - words)[:5]


def test_a_count_is_singular_for_one():
    opening = " ".join(run("deal-value", "--set", "months=1", "--set", "troops=1").stdout.split("\n\n", 1)[0].split())
    assert opening.startswith("1 soldier serving 1 month ")


@pytest.mark.parametrize("command", ["deal-value", "figures", "check"])
def test_a_reader_that_leaves_early_is_no_internal_error(command: str):
    """`nkru … | head`: the pipe closes before nkru writes; it stops quietly with 141, as SIGPIPE would."""
    process = subprocess.Popen([sys.executable, "-m", "nkru", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    error = process.stderr.read().decode()
    assert (process.wait(timeout=60), error) == (141, "")


def test_a_pay_of_zero_leaves_only_the_measures_it_breaks_undefined():
    """monthly_pay_usd has min 0: at 0, years to equal divides by zero; that column shows —, the rest stands."""
    import json

    result = run("deal-value", "--set", "monthly_pay_usd=0")
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert "Warning: Years to equal cannot be computed on these inputs (divides by zero: payroll_usd can be 0): its cells show —." in out
    rows = {r["id"] for r in json.loads(run("deal-value", "--set", "monthly_pay_usd=0", "-f", "json").stdout)["results"]}
    assert "ratio_to_s400_price_china" in rows and "years_to_equal_s400_price_china" not in rows
    assert run("explain", "casualty_rate", "--set", "monthly_pay_usd=0").exit_code == 0


def test_a_set_that_changes_nothing_shown_says_so():
    result = run("deal-value", "--set", "losses=5")
    assert result.exit_code == 0 and result.stderr == "Warning: --set losses: deal-value does not use losses; nothing it shows changed\n"
    assert run("deal-value", "--set", "troops=12000").stderr == ""
