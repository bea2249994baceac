"""Every format carries what the command computed: the CSV of a computing command holds the
simulation and the context rows the JSON holds, and every JSON output records what
reproduces it."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import run

COMPUTING = [("deal-value",), ("casualties",), ("calc", "annual_value_usd", "casualty_rate")]


def _output(*args: str) -> str:
    result = run(*args)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


@pytest.mark.parametrize("args", COMPUTING, ids=" ".join)
def test_the_csv_holds_the_simulation_and_the_context_rows_the_json_holds(args: tuple[str, ...]):
    extra = ("--simulate", "2000", "--seed", "3") + (("--context",) if args[0] != "calc" else ())
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(_output(*args, *extra, "--format", "csv")))}
    data = json.loads(_output(*args, *extra, "--format", "json"))
    simulated = data["simulation"]
    for stat in ("p5", "p25", "p50", "p75", "p95", "mean"):
        row = rows.pop(f"{simulated['result']}.{stat}")
        assert (float(row["value"]), row["kind"]) == (simulated[stat], "simulation")
        assert "2,000 samples, seed 3" in row["label"]
    assert data["probabilities"] or args[0] == "calc"  # calc asks no questions of its quantity
    for p in data["probabilities"]:
        row = rows.pop(p["id"])
        assert (float(row["value"]), row["unit"], row["kind"]) == (p["probability"], "1", "probability")
        assert row["label"].startswith("P(")
    for r in data.get("context", []):
        assert rows.pop(r["id"])["kind"] == "context"
    assert {r["id"]: r["kind"] for r in rows.values()} == {r["id"]: "result" for r in data["results"]}


def test_the_csv_without_simulation_or_context_is_the_results():
    rows = list(csv.DictReader(io.StringIO(_output("deal-value", "--format", "csv"))))
    assert [r["id"] for r in rows] == [r["id"] for r in json.loads(_output("deal-value", "--format", "json"))["results"]]
    assert {r["kind"] for r in rows} == {"result"}
