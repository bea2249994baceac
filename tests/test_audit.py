"""`nkru check`: the shipped data passes; editing a figure a claim depends on fails it."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest

from nkru.load import load_dataset
from nkru.quotes import numbers_in

from .conftest import DOMAIN, SEEDS, edit, run


def check_after(data_copy: Path, *edits: tuple[str, str, str]) -> list[str]:
    """Apply (file, old, new) edits to a copy of the data; check must fail; its stdout lines,
    each without its line and column (the test pins the file and key, not the layout)."""
    for name, old, new in edits:
        edit(data_copy / name, old, new)
    result = run("check", "--data", str(data_copy))
    assert result.exit_code == 1, result.stdout
    return [re.sub(r"^([^:]+):\d+:\d+: ", r"\1: ", line) for line in result.stdout.splitlines()]


def test_shipped_data_passes_check():
    result = run("check")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "nkru check: ok: 15 sources, 59 figures, 13 claims (8 reproduce, 5 known not to)"


def test_unexplained_claims_are_listed_not_failed():
    lines = run("check").stdout.splitlines()
    assert any("claims[lowy-annual-value]: unexplained (known, not a finding)" in line and "one-time bonus per soldier of $4,550" in line for line in lines)


def test_editing_a_figure_a_claim_depends_on_fails_check(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    lines = check_after(
        data_copy,
        ("figures.yaml", "  high: 3_800\n", "  high: 4_800\n"),
        ("figures.yaml", "between 1,000 and 3,800 losses", "between 1,000 and 4,800 losses"),
    )
    # The losses assumption cites the edited figure too, so it no longer holds either.
    assert lines[0].startswith("assumptions.yaml: assumptions.losses.high: 3,800 is not stated by its figures (losses_lowy)")
    assert lines[1] == (
        "claims.yaml: claims[lowy-casualty-rate].stated: differs: recomputed 9.09..43.64 against the stated 9..35 (test: equal) — "
        "1,000 to 3,800 losses among 11,000 troops equate to a casualty rate of 9-35%. — no longer reproduces from losses_lowy, troops_lowy"
    )
    assert lines[-1] == "nkru check: 2 findings"


def test_a_quote_that_does_not_contain_its_figure_fails_check(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    lines = check_after(data_copy, ("figures.yaml", "value: 625_000_000", "value: 652_000_000"))
    assert 'figures.yaml: figures[s400_price_turkey].value: 652,000,000 is not in the quote "Turkey $625 million in 2017"' in lines


def test_an_assumption_no_figure_states_fails_check(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    lines = check_after(data_copy, ("assumptions.yaml", "value: 11_000", "value: 15_000"), ("assumptions.yaml", "high: 12_000", "high: 15_000"))
    assert lines[0].startswith(
        "assumptions.yaml: assumptions.troops.value: 15,000 is not stated by its figures (troops_lowy, troops_brief_kursk)"
    )


def test_an_unexplained_claim_that_starts_reproducing_is_flagged(data_copy: Path, monkeypatch):
    monkeypatch.chdir(data_copy)
    nis_pay = "      monthly_pay_usd: pay_nis_monthly\n      months: {value: 12"
    lines = check_after(data_copy, ("claims.yaml", nis_pay, nis_pay.replace("pay_nis_monthly", "{figure: pay_mercenary_monthly, take: midpoint}")))
    assert "claims.yaml: claims[brief-annual-value-nis].expect: now reproduces from its inputs; set `expect: reproduces` if that is right" in lines


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("over six million rounds of 152mm and 122mm", [6e6, 152, 122]),
        ("$500 million to $1.3 billion", [5e8, 1.3e9]),
        ("worth $1.7–5.5B", [1.7, 1.7e9, 5.5e9]),
        ("2.75 million won", [2.75e6]),
        ("a casualty rate of 9–35%", [9, 35]),
        ("between 1,000 and 3,800 losses", [1000, 3800]),
        ("~$500M in 2023", [5e8, 2023]),
    ],
)
def test_numbers_in_quotes(text, numbers):
    assert numbers_in(text) == numbers


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for typographic, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("**", "")):
        text = text.replace(typographic, plain)
    return re.sub(r"\s+", " ", text)


def _seeds() -> Path:
    """The articles' texts beside the checkout; CI always has them, so there a missing folder fails."""
    if not SEEDS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the articles' texts are missing: {SEEDS}")
        pytest.skip("the articles' texts (shared/seeds) are not beside this checkout")
    return SEEDS


def test_every_quote_is_verbatim_from_its_document():
    _seeds()
    ds = load_dataset()
    texts = {s.id: _normalise((SEEDS / s.seed).read_text(encoding="utf-8")) for s in ds.sources.values() if s.seed}
    texts["domain-brief"] = _normalise(DOMAIN.read_text(encoding="utf-8"))
    missing = [f.id for f in ds.figures.values() if _normalise(f.quote) not in texts[f.source]]
    assert missing == []


def test_article_figures_quote_articles_and_context_figures_do_not():
    ds = load_dataset()
    assert all(ds.sources[f.source].kind == "article" for f in ds.article_figures())
    assert all(ds.sources[ds.figures[i].source].kind != "article" for i in ds.context_ids)


def test_check_verifies_quotes_against_the_articles_text(data_copy: Path, monkeypatch):
    seeds = _seeds()
    ok = run("check", "--texts", str(seeds))
    assert ok.exit_code == 0, ok.stdout
    monkeypatch.chdir(data_copy)
    # A quote that still holds its number but is not what the article says: only the text can tell.
    edit(data_copy / "figures.yaml", "an additional contingent of 11,000 troops", "a further contingent of 11,000 troops")
    assert run("check", "--data", str(data_copy)).exit_code == 0
    made_up = run("check", "--data", str(data_copy), "--texts", str(seeds))
    assert made_up.exit_code == 1
    assert re.sub(r":\d+:\d+:", ":", made_up.stdout.splitlines()[0]) == (
        "figures.yaml: figures[troops_lowy].quote: the quote is not verbatim in lowy's text (000_87db266390ce7880.txt)"
    )


def test_a_source_can_name_its_own_text_file(data_copy: Path, monkeypatch, tmp_path: Path):
    monkeypatch.chdir(data_copy)
    (data_copy / "lowy.txt").write_text("an additional contingent of 11,000 troops to fight in Russia’s Kursk region", encoding="utf-8")
    edit(data_copy / "sources.yaml", "    seed: 000_87db266390ce7880.txt\n", "    seed: 000_87db266390ce7880.txt\n    text: lowy.txt\n")
    lines = [re.sub(r":\d+:\d+:", ":", line) for line in run("check", "--data", str(data_copy)).stdout.splitlines()]
    # Only the one quote the short text holds is found; every other Lowy quote is reported, located.
    assert "figures.yaml: figures[losses_lowy].quote: the quote is not verbatim in lowy's text (lowy.txt)" in lines
    assert not any("figures[troops_lowy].quote" in line for line in lines)
