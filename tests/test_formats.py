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


JSON_COMMANDS = [
    ("deal-value", "--scenario", "lowy"), ("casualties", "--set", "troops=12000"), ("calc",), ("calc", "annual_value_usd", "--simulate", "100"),
    ("compare", "baseline", "lowy"), ("explain", "annual_value_usd", "--set", "troops=12000"), ("sensitivity", "deal-value", "--simulate", "100"),
    ("solve", "annual_value_usd=5e8", "--for", "troops", "--scenario", "nis"), ("figures", "--source", "lowy"), ("sources",), ("scenarios",), ("check",),
]
RECORD = ["nkru_version", "data_digest", "data_files", "scenarios", "overrides", "rerun"]


def _record(data: dict) -> dict:
    return {key: data[key] for key in RECORD if key in data}


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=" ".join)
def test_every_json_output_records_what_reproduces_it(args: tuple[str, ...]):
    import shlex

    from nkru import __version__

    data = json.loads(_output(*args, "--format", "json"))
    assert list(data)[:1] == ["command"] and data["command"] == args[0]
    assert set(RECORD) <= set(data), f"{args[0]} JSON lacks {set(RECORD) - set(data)}"
    assert data["nkru_version"] == __version__
    assert {f["file"].rsplit("/", 1)[-1] for f in data["data_files"]} >= {"figures.yaml", "model.yaml", "sources.yaml"}
    applied = [s["name"] for s in data["scenarios"]] if args[0] != "scenarios" else []
    assert applied == ([args[args.index("--scenario") + 1]] if "--scenario" in args else []) or args[0] == "compare"
    assert [o["name"] for o in data["overrides"] if o["origin"].startswith("--set")] == (["troops"] if "--set" in args else [])
    # The rerun command prints the same record and the same numbers.
    again = shlex.split(data["rerun"])
    assert again[0] == "nkru"
    assert json.loads(_output(*again[1:], "--format", "json")) == data


def test_a_check_that_fails_still_records_the_files_it_read(data_copy):
    (data_copy / "claims.yaml").write_text("claims: [\n", encoding="utf-8")
    result = run("check", "--data", str(data_copy), "--format", "json")
    data = json.loads(result.stdout)
    assert (result.exit_code, data["ok"]) == (1, False)
    assert data["rerun"] == f"nkru check --data {data_copy}"
    files = {f["file"].rsplit("/", 1)[-1]: f["sha256"] for f in data["data_files"]}
    import hashlib

    assert files["claims.yaml"] == hashlib.sha256(b"claims: [\n").hexdigest()
