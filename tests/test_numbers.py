"""One number grammar for the data files and the command line (nkru.numbers), the forms `--set`
takes beyond it, solve's targets, and the names of scenarios."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nkru.errors import UsageError
from nkru.load import load_dataset, parse_override, parse_target, read_yaml, scenario_files, scenario_path
from nkru.load.options import _number, percent_hint

from .conftest import run

QUOTE = ", or quote it if it is text"

# A plain YAML scalar -> the value read, or the exact problem (read as `v: TEXT` on line 1, column 4).
YAML = [
    ("11_000", 11000),
    ("314_000_000", 314_000_000),
    ("1e9", 1e9),
    ("1.3e9", 1.3e9),
    ("-2.5", -2.5),
    ("+7", 7),
    (".5", 0.5),
    ("1.", 1.0),
    ("0", 0),
    ("0.25", 0.25),
    ("1E-3", 0.001),
    ("2024-12-05", "2024-12-05"),
    ("no", "no"),
    ("lowy", "lowy"),
    ("1.2.3", "1.2.3"),
    ("12:30", "12:30"),
    ("١٢", "١٢"),  # not ASCII digits: text, which a number field refuses (test below)
    ("017", f"017 has a leading zero; write 17{QUOTE}"),
    ("-017.5", f"-017.5 has a leading zero; write -17.5{QUOTE}"),
    ("00", f"00 has a leading zero; write 0{QUOTE}"),
    ("1__000", f"1__000 has a '_' that is not between two digits; write 1000{QUOTE}"),
    ("1_", f"1_ has a '_' that is not between two digits; write 1{QUOTE}"),
    ("1e", "1e has no digits after its exponent, as in 1e6; quote it if it is text"),
    ("1.5e+", "1.5e+ has no digits after its exponent, as in 1e6; quote it if it is text"),
    ("0x1F", f"0x1F is not a decimal number; write 31{QUOTE}"),
    ("0o17", f"0o17 is not a decimal number; write 15{QUOTE}"),
    ("10e-400", "10e-400 is too small: it would be read as 0"),
    ("1e400", "1e400 is too large; nkru's numbers go up to about 1.8e308"),
    ("1" * 400, f"{'1' * 20}… is too large; nkru's numbers go up to about 1.8e308"),
    (".nan", ".nan is not a finite number; NaN and infinity are not allowed"),
    ("-.inf", "-.inf is not a finite number; NaN and infinity are not allowed"),
]


@pytest.mark.parametrize(("text", "expected"), YAML, ids=[t[:12] for t, _ in YAML])
def test_yaml_numbers(text: str, expected: object, tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_text(f"v: {text}\n", encoding="utf-8")
    read = read_yaml(path, "x.yaml")
    if isinstance(expected, str) and expected.startswith((text + " ", text[:20] + "…")):
        assert [str(p) for p in read.problems] == [f"x.yaml:1:4: v: {expected}"]
    else:
        assert read.problems == []
        assert read.data["v"] == expected and type(read.data["v"]) is type(expected)


def test_a_number_field_says_which_digits_to_write(data_copy: Path):
    from nkru.errors import DataError

    (data_copy / "assumptions.yaml").write_text(
        (data_copy / "assumptions.yaml").read_text(encoding="utf-8").replace("value: 11_000", "value: ١١٠٠٠"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_dataset(data_copy)
    assert [p.message for p in caught.value.problems] == ["'١١٠٠٠' uses digits other than 0-9; write 11000"]


FORMS = "write it as 12000, 12,000, 12_000, 1.2e4 or 12k (k, M and B suffixes), and a range as LOW..HIGH"

# `--set NAME=TEXT` -> the value (a point, or (low, high)), or the exact error.
SET = [
    ("troops=12000", 12000),
    ("troops=12,000", 12000),
    ("troops=12_000", 12000),
    ("troops=1.2e4", 12000),
    ("troops=12k", 12000),
    ("troops=12K", 12000),
    ("troops=1.5k", 1500),
    ("troops=1,000,000", 1_000_000),
    ("troops=10k..12k", (10000, 12000)),
    ("troops=12,000..15k", (12000, 15000)),
    ("monthly_pay_usd=$2,000", 2000),
    ("bonus_usd=$1.3B", 1.3e9),
    ("bonus_usd=500M", 5e8),
    ("bonus_usd=1.2B", 1.2e9),
    ("troops=abc", f"--set troops=abc: 'abc' is not a number; {FORMS}"),
    ("troops=inf", f"--set troops=inf: 'inf' is not a number; {FORMS}"),
    ("troops=12 000", f"--set troops=12 000: '12 000' is not a number; {FORMS}"),
    ("troops=10000-12000", "--set troops=10000-12000: '10000-12000' is not a number; use 10000..12000 for a range"),
    ("troops=10k–12k", "--set troops=10k–12k: '10k–12k' is not a number; use 10k..12k for a range"),
    ("troops=e5", "--set troops=e5: 'e5' has an exponent but no number before it; write 1e5"),
    ("troops=1..e5", "--set troops=1..e5: 'e5' has an exponent but no number before it; write 1e5"),
    ("troops=1e", "--set troops=1e: '1e' has no digits after its exponent, as in 1e6"),
    ("troops=１２", "--set troops=１２: '１２' uses digits other than 0-9; write 12"),
    ("troops=١٢", "--set troops=١٢: '١٢' uses digits other than 0-9; write 12"),
    ("troops=017", "--set troops=017: '017' has a leading zero; write 17"),
    ("troops=0,123", "--set troops=0,123: '0,123' has a leading zero; write 123"),
    ("troops=1,2", f"--set troops=1,2: '1,2' is not a number; {FORMS}"),
    ("troops=0x10", "--set troops=0x10: '0x10' is not a decimal number; write 16"),
    ("troops=1e400", "--set troops=1e400: '1e400' is too large; nkru's numbers go up to about 1.8e308"),
    ("troops=10e-400", "--set troops=10e-400: '10e-400' is too small: it would be read as 0"),
    ("troops=$2,000", "--set troops=$2,000: '$2,000' is in dollars, but the input is in soldiers; write it without '$'"),
    ("troops=30%", "--set troops=30%: '30%' is a percentage, but the input is in soldiers, not a fraction; write the number in soldiers"),
    ("troops=−5", "--set troops=−5: -5 is below the input's min 1 (assumptions.yaml)"),  # nkru prints − (U+2212) for minus
]


@pytest.mark.parametrize(("text", "expected"), SET, ids=[t for t, _ in SET])
def test_set_numbers(text: str, expected: object):
    ds = load_dataset()
    if isinstance(expected, str):
        with pytest.raises(UsageError) as caught:
            parse_override(text, ds)
        assert str(caught.value) == expected
        return
    value = parse_override(text, ds).range
    assert ((value.low, value.high) if isinstance(expected, tuple) else value.value) == expected


def test_triangular_mode_takes_the_same_forms():
    override = parse_override("troops=10k..12k:triangular@11k", load_dataset())
    assert (override.range.low, override.range.high, override.mode) == (10000, 12000, 11000)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [("30%", "1", 0.3), ("30%", "fraction", 0.3), ("12.5%", "1", 0.125), ("30%", "percent", 30), ("$1.3B", "USD/soldier", 1.3e9), ("0.3", "1", 0.3)],
)
def test_percent_and_dollars_follow_the_unit(text: str, unit: str, expected: float):
    assert _number(text, "--set x", unit) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("casualty_rate=30%", ("casualty_rate", 0.3, True)),
        ("casualty_rate=30", ("casualty_rate", 30, False)),
        ("annual_value_usd=$500M", ("annual_value_usd", 5e8, False)),
        ("annual_value_usd=500,000,000", ("annual_value_usd", 5e8, False)),
        ("annual_value_usd=5e8", ("annual_value_usd", 5e8, False)),
    ],
)
def test_targets(text: str, expected: tuple):
    target = parse_target(text)
    assert tuple(target) == expected and (target.quantity, target.value, target.percent) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("casualty_rate=", "casualty_rate=: give a number after '='"),
        ("casualty_rate=abc", "casualty_rate=abc: 'abc' is not a number; write it as 12000, 12,000, 12_000, 1.2e4 or 12k (k, M and B suffixes)"),
        ("casualty_rate=017", "casualty_rate=017: '017' has a leading zero; write 17"),
        ("=5", "=5: expected QUANTITY=TARGET, e.g. QUANTITY=500000000"),
    ],
)
def test_bad_targets(text: str, message: str):
    with pytest.raises(UsageError) as caught:
        parse_target(text)
    assert str(caught.value) == message


def test_percent_hint():
    assert percent_hint(30, "1") == "30 means 3,000% here; did you mean 30%?"
    assert percent_hint(1.5, "fraction") == "1.5 means 150% here; did you mean 1.5%?"
    assert percent_hint(0.3, "1") is None
    assert percent_hint(30, "USD") is None


# ---------------------------------------------------------------------------- scenario names


@pytest.mark.parametrize(
    ("spec", "option", "message"),
    [
        ("LOWY", "--scenario", "--scenario LOWY: unknown scenario (did you mean lowy?)"),
        ("Lim-INSS", "--scenario", "--scenario Lim-INSS: unknown scenario (did you mean lim-inss?)"),
        ("lowyy", "--scenario", "--scenario lowyy: unknown scenario (did you mean lowy?)"),
        ("lowy.yaml", "--scenario", "--scenario lowy.yaml: no such file (did you mean lowy?)"),
        ("LOWY.yml", "--scenario", "--scenario LOWY.yml: no such file (did you mean lowy?)"),
        ("nope", "compare SCENARIO", "compare SCENARIO nope: unknown scenario (known: high, lim-inss, low, lowy, nis; or give a .yaml file)"),
        ("nope.yaml", "compare SCENARIO", "compare SCENARIO nope.yaml: no such file"),
    ],
)
def test_scenario_names_are_suggested(spec: str, option: str, message: str, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as caught:
        scenario_path(spec, None, option) if option != "--scenario" else scenario_path(spec, None)
    assert str(caught.value) == message


def test_a_scenario_file_in_a_folder_that_cannot_be_searched_is_left_to_the_reader(tmp_path: Path, monkeypatch):
    import nkru.load.options as options

    def denied(path: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(options.os, "lstat", denied)
    assert scenario_path(str(tmp_path / "locked" / "x.yaml"), None) == tmp_path / "locked" / "x.yaml"


def test_a_scenarios_folder_that_cannot_be_listed_is_an_error(data_copy: Path, monkeypatch):
    import nkru.load.options as options

    real = os.scandir

    def denied(path: object):  # type: ignore[no-untyped-def]
        if Path(str(path)) == data_copy / "scenarios":
            raise PermissionError(13, "Permission denied")
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(options.os, "scandir", denied)
    monkeypatch.chdir(data_copy)
    with pytest.raises(UsageError) as caught:
        scenario_files(data_copy)
    assert str(caught.value) == "scenarios: the scenarios folder cannot be listed (Permission denied)"
    result = run("deal-value", "--data", str(data_copy), "--scenario", "lowy")
    assert (result.exit_code, result.stderr) == (2, "Error: scenarios: the scenarios folder cannot be listed (Permission denied)\n")


def test_a_scenarios_file_where_the_folder_should_be_is_an_error(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").write_text("not a folder")
    with pytest.raises(UsageError) as caught:
        scenario_files(tmp_path)
    assert str(caught.value) == "scenarios: is a file; scenarios/ must be a folder of scenario files"


def test_a_dangling_scenario_symlink_is_listed_and_reported(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    (data_copy / "scenarios" / "gone.yaml").symlink_to(data_copy / "nowhere.yaml")
    assert scenario_files(data_copy)["gone"] == data_copy / "scenarios" / "gone.yaml"
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1
    assert "scenarios/gone.yaml:1:1: no such file" in result.stdout.splitlines()
