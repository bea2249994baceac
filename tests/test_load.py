"""The strict loader: one bad file per failure mode, each with its exact located message."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from nkru.errors import DataError, UsageError
from nkru.load import bundled_data_dir, load_dataset, parse_override, read_yaml

from .conftest import edit, run

BAD = Path(__file__).parent / "bad"

# fixture file -> the exact stderr nkru gives for it (the file is read as <data file>.yaml)
EXPECTED = {
    "figures.empty.yaml": [
        "figures.yaml:1:1: is empty; it must hold a mapping (see the comment at the top of the shipped file)",
    ],
    "figures.not-utf8.yaml": ["figures.yaml:2:12: is not UTF-8 text (byte 0xe9)"],
    "figures.tab.yaml": ["figures.yaml:2:1: YAML syntax: a tab character; YAML indents with spaces only"],
    "figures.unclosed-quote.yaml": [
        "figures.yaml:3:1: YAML syntax: found unexpected end of stream (while scanning a quoted scalar that began at line 2, column 9)",
    ],
    "figures.unclosed-bracket.yaml": [
        "figures.yaml:3:1: YAML syntax: did not find expected ',' or '}' (while parsing a flow mapping that began at line 2, column 3)",
    ],
    "sources.duplicate-key.yaml": ["sources.yaml:5:5: sources[lowy].label: duplicate key (first given on line 4)"],
    "figures.int-tag.yaml": [
        "figures.yaml:3:12: figures[x].value: tags such as !!int are not allowed",
        *(f"figures.yaml:2:5: figures[x].{key}: missing" for key in ("quantity", "qualifier", "unit", "source", "quote")),
    ],
    "assumptions.infinity.yaml": [
        "assumptions.yaml:2:19: assumptions.troops.value: .inf is not a finite number; NaN and infinity are not allowed",
        "assumptions.yaml:3:28: assumptions.monthly_pay_usd.value: -.Inf is not a finite number; NaN and infinity are not allowed",
        "assumptions.yaml:6:19: assumptions.losses.value: 1e400 is too large; nkru's numbers go up to about 1.8e308",
    ],
    "figures.alias.yaml": [
        "figures.yaml:1:7: base: anchors (&lol) are not allowed",
        "figures.yaml:2:11: figures[0]: aliases (*lol) are not allowed",
        "figures.yaml:2:17: figures[1]: aliases (*lol) are not allowed",
    ],
    "figures.python-tag.yaml": [
        "figures.yaml:1:10: figures: tags such as !!python/object/apply:os.system are not allowed",
    ],
    "assumptions.float-tag.yaml": ["assumptions.yaml:2:19: assumptions.troops.value: tags such as !!float are not allowed"],
    "assumptions.legacy.yaml": [
        "assumptions.yaml:1:1: written for nkru 0.1: casualty_bands and compare_with now live in model.yaml (bands:, comparisons:); "
        "delete them here, and write each input's unit as the model uses it (a pay a soldier a month is USD/soldier/month); "
        "`nkru init NEWDIR` writes the current layout to compare with",
    ],
    "figures.bad-unit.yaml": [
        "figures.yaml:6:22: figures[pay].unit: unknown unit 'mnth' (did you mean 'month'?)",
        "data/model.yaml:L:C: quantities.monthly_loss_rate.formula: unknown name 'rotation_after_lowy': not an input, quantity or figure id",
        "data/model.yaml:L:C: quantities.share_of_total_deal.formula: unknown name 'total_deal_lowy': not an input, quantity or figure id",
    ],
    "claims.merge-key.yaml": ["claims.yaml:2:5: claims[0]: merge keys (<<) are not allowed"],
    "figures.list-not-mapping.yaml": ["figures.yaml:1:1: expected a mapping of keys to values, found a list"],
    "sources.unknown-key.yaml": ["sources.yaml:9:5: sources[lowy].website: unknown key"],
    "assumptions.bad-indent.yaml": [
        "assumptions.yaml:4:10: YAML syntax: mapping values are not allowed in this context; check the indentation of this line and the one "
        "above (keys of one mapping line up), or quote a value that holds ': '",
    ],
    "assumptions.misspelled-key.yaml": ["assumptions.yaml:2:51: assumptions.troops.lable: unknown key (did you mean label?)"],
    "assumptions.bad-numbers.yaml": [
        "assumptions.yaml:4:19: assumptions.months.value: .nan is not a finite number; NaN and infinity are not allowed",
        "assumptions.yaml:2:12: assumptions.troops.value: write numbers without commas or currency signs (11_000, 1.3e9), not '11,000'",
        "assumptions.yaml:3:21: assumptions.monthly_pay_usd.value: true is a boolean, not a number",
        "assumptions.yaml:5:15: assumptions.bonus_usd.value: write numbers without commas or currency signs (11_000, 1.3e9), not '$2000'",
        "assumptions.yaml:6:3: assumptions.losses: low 3,800 is above high 1,000",
    ],
    "figures.bad-fields.yaml": [
        "figures.yaml:15:5: figures[pay].qualifier: 'roughly' is not one of: 'exact', 'approximately', 'at least', 'over', 'barely exceeds' or 'likely exceeds'",
    ],
    "figures.two-documents.yaml": ["figures.yaml:2:1: holds more than one YAML document"],
    # libyaml reports these with a byte offset and parser text; nkru places them where an editor shows them.
    "figures.control-character.yaml": [
        "figures.yaml:3:20: a control character (U+0007) is not allowed in YAML; delete it, or write \\u0007 inside double quotes",
    ],
    # YAML reads U+2028 as a line break, an editor does not: every later line number would be off by one.
    "figures.line-separator.yaml": [
        "figures.yaml:3:20: a U+2028 line separator character: YAML reads it as a line break; replace it with a space",
    ],
}


# Data that loads but that `nkru check` finds wrong: a quantity that cannot be computed on it.
CHECK_ONLY = {
    "assumptions.zero-troops.yaml": [
        "data/model.yaml:L:C: quantities.casualty_rate.formula: cannot be computed on the data's inputs: "
        "losses ÷ troops: divides by zero: troops can be 0 (losses=1,000..3,800, troops=0)",
    ],
}


def shipped(line: str) -> str:
    """A problem in a shipped file, without its line and column: the tests do not pin the layout of the shipped YAML."""
    return re.sub(r"data/([a-z]+\.yaml):\d+:\d+:", r"data/\1:L:C:", line.replace(str(bundled_data_dir()), "data"))


def test_every_fixture_has_an_expectation():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED | CHECK_ONLY)


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_bad_file_gets_its_located_message_and_exit_2(fixture: str, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / (fixture.split(".")[0] + ".yaml")
    shutil.copyfile(BAD / fixture, target)
    result = run("deal-value", "--data", str(tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    shown = [shipped(line) for line in result.stderr.splitlines()]
    assert shown == [f"Error: {line}" for line in EXPECTED[fixture]]


@pytest.mark.parametrize("fixture", sorted(EXPECTED | CHECK_ONLY))
def test_bad_file_fails_check_with_exit_1(fixture: str, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(BAD / fixture, tmp_path / (fixture.split(".")[0] + ".yaml"))
    result = run("check", "--data", str(tmp_path))
    assert result.exit_code == 1
    expected = (EXPECTED | CHECK_ONLY)[fixture]
    shown = [shipped(line) for line in result.stdout.splitlines()]
    assert shown[: len(expected)] == expected


# (file, text to replace, replacement, the exact problem) for problems between files; L is the
# line the replacement lands on, found in the edited file (the shipped files' layout is not pinned)
CROSS_FILE = [
    ("figures.yaml", "source: lowy\n    quote: \"an additional", "source: lowy-2026\n    quote: \"an additional",
     "figures.yaml:L:5: figures[troops_lowy].source: unknown source 'lowy-2026' (did you mean lowy?)"),
    ("claims.yaml", "troops: troops_lowy\n    stated: casualty_rate_lowy", "troops: troops_lowie\n    stated: casualty_rate_lowy",
     "claims.yaml:L:7: claims[lowy-casualty-rate].inputs.troops: unknown figure 'troops_lowie' (did you mean troops_lowy?)"),
    ("claims.yaml", "monthly_pay_usd: pay_nis_monthly\n      months: service_period_lowy", "monthly_pay_usd: pay_isdp\n      months: service_period_lowy",
     "claims.yaml:L:7: claims[lowy-annual-value].inputs.monthly_pay_usd: figure pay_isdp is in USD/soldier; monthly_pay_usd is in USD/soldier/month"),
    ("assumptions.yaml", "figures: [losses_lowy]", "figures: [losses_lowie]",
     "assumptions.yaml:L:5: assumptions.losses.figures: unknown figure 'losses_lowie' (did you mean losses_lowy?)"),
    ("figures.yaml", "  - id: losses_lowy", "  - id: troops_lowy",
     "figures.yaml:L:5: figures[troops_lowy].id: id 'troops_lowy' is used twice"),
]


@pytest.mark.parametrize(("name", "old", "new", "problem"), CROSS_FILE, ids=[c[3].split(": ")[1] for c in CROSS_FILE])
def test_broken_reference_is_located(data_copy: Path, name, old, new, problem, monkeypatch):
    monkeypatch.chdir(data_copy)
    edit(data_copy / name, old, new)
    result = run("deal-value", "--data", str(data_copy))
    assert result.exit_code == 2

    text = (data_copy / name).read_text(encoding="utf-8")
    line = text.count("\n", 0, text.rfind(new)) + 1  # the last occurrence: a repeated id is reported where it is repeated
    assert f"Error: {problem.replace(':L:', f':{line}:', 1)}" in result.stderr.splitlines()


def test_numbers_dates_and_yes_no_are_read_as_written(tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1e9\nb: 1.3e9\nc: 314_000_000\nd: 2024-12-05\ne: no\nf: true\ng: '12'\nh: ~\n")
    read = read_yaml(path, "x.yaml")
    assert read.problems == []
    assert read.data == {"a": 1e9, "b": 1.3e9, "c": 314_000_000, "d": "2024-12-05", "e": "no", "f": True, "g": "12", "h": None}


def test_shipped_data_loads_every_article_figure():
    ds = load_dataset()
    assert {f.source for f in ds.article_figures()} == {"lowy", "isdp", "brief"}
    assert len(ds.claims) == 13


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("troops=abc", "--set troops=abc: 'abc' is not a number; write it as 12000, 12,000, 12_000, 1.2e4 or 12k (k, M and B suffixes), and a range as LOW..HIGH"),
        ("troops=", "--set troops=: give a number after '='"),
        ("=5", "--set =5: give the input's name before '=' (one of: bonus_usd, losses, monthly_pay_usd, months, troops)"),
        ("nosuch=1", "--set nosuch=1: unknown input 'nosuch' (known: bonus_usd, losses, monthly_pay_usd, months, troops)"),
        ("troop=1", "--set troop=1: unknown input 'troop' (did you mean troops?)"),
        ("annual_value_usd=1", "--set annual_value_usd=1: annual_value_usd is computed (model.yaml); set the inputs it uses instead"),
        ("troops=5..1", "--set troops=5..1: low 5 is above high 1"),
        ("troops=1..2..3", "--set troops=1..2..3: a range is LOW..HIGH, with one '..'"),
        ("troops=0", "--set troops=0: 0 is below the input's min 1 (assumptions.yaml)"),
        ("losses=-1", "--set losses=-1: -1 is below the input's min 0 (assumptions.yaml)"),
        ("troops=inf", "--set troops=inf: 'inf' is not a number; write it as 12000, 12,000, 12_000, 1.2e4 or 12k (k, M and B suffixes), and a range as LOW..HIGH"),
        ("troops", "--set troops: expected NAME=VALUE or NAME=LOW..HIGH"),
    ],
)
def test_bad_override_message(text: str, message: str):
    with pytest.raises(UsageError) as caught:
        parse_override(text, load_dataset())
    assert str(caught.value) == message


def test_override_forms():
    ds = load_dataset()
    assert parse_override("troops=12000", ds).range.value == 12000
    ranged = parse_override("troops=10_000..12,000", ds).range
    assert (ranged.value, ranged.low, ranged.high) == (None, 10000, 12000)
    assert parse_override("monthly_pay_usd=2.5e3", ds).range.low == 2500


def test_data_error_lists_every_problem_of_a_file(data_copy: Path):
    edit(data_copy / "assumptions.yaml", "value: 11_000", "value: eleven")
    edit(data_copy / "assumptions.yaml", "value: 12\n", "value: twelve\n")
    with pytest.raises(DataError) as caught:
        load_dataset(data_copy)
    assert [p.path for p in caught.value.problems] == ["assumptions.troops.value", "assumptions.months.value"]
