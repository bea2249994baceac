"""The dataset cache runs no code, survives any damage, deletes only its own entries, and is
shared by every working directory; --data errors say what is wrong in one line."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from nkru.load import cache, dataset, load_dataset

from .conftest import run

ENTRY_GLOB = "nkru-*.json"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own."""
    path = tmp_path / "cache"
    monkeypatch.setenv("NKRU_CACHE_DIR", str(path))
    monkeypatch.delenv("NKRU_NO_CACHE", raising=False)
    return path


def only_entry(folder: Path) -> Path:
    (entry,) = folder.glob(ENTRY_GLOB)
    return entry


def payload(entry: Path) -> bytes:
    """The JSON of an entry, without its seal."""
    return entry.read_bytes().split(b"\n", 1)[1]


def reseal(folder: Path, entry: Path, data: bytes) -> None:
    """Write `data` under the entry's key with a valid seal, as a damaged nkru run might: the decoder must catch it."""
    key = entry.name.removeprefix("nkru-").removesuffix(".json")
    entry.write_bytes(cache._mac((folder / cache.SECRET).read_bytes(), key, data) + b"\n" + data)


def deal_value_json() -> str:
    result = run("deal-value", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.stdout


class Planted:
    """A pickle that runs a command when it is loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# ---------------------------------------------------------------------------- no code, no crash


def test_a_planted_pickle_never_runs(folder: Path, tmp_path: Path):
    expected = deal_value_json()
    marker = tmp_path / "MARKER"
    planted = pickle.dumps(Planted(marker))
    entry = only_entry(folder)
    entry.write_bytes(planted)
    assert deal_value_json() == expected
    reseal(folder, entry, planted)  # even sealed as ours it is only a miss
    assert deal_value_json() == expected
    with pytest.raises(ValueError):
        cache.load(planted)
    assert not marker.exists()


def _retyped(data: bytes, change) -> bytes:
    tree = json.loads(data)
    change(tree["\0c"][1])
    return json.dumps(tree).encode()


def _table(fields: dict, name: str) -> list:
    """A dict of instances, as the cache writes it: [class, field names, keys, rows, row of each key]."""
    return fields[name]["\0T"]


def _set_first(fields: dict, name: str, **values) -> None:
    """Set fields of the first row of a table."""
    _, names, _, rows, _ = _table(fields, name)
    for key, value in values.items():
        rows[0][names.index(key)] = value


def _locator_file(fields: dict) -> list:
    return fields["locator"]["\0l"]["figures"]


TAMPERED = {
    "truncated": lambda data: data[: len(data) // 2],
    "12-byte length bomb": lambda data: b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7f.",
    "12 bytes of garbage": lambda data: b"\xff\xfe\x00garbage!!",
    "empty": lambda data: b"",
    "huge nested list": lambda data: b"[" * 200_000 + b"]" * 200_000,
    "not a dataset": lambda data: b'{"\\u0000t": [1, 2]}',
    "unknown class name": lambda data: data.replace(b'"\\u0000T":["Figure"', b'"\\u0000T":["Popen"', 1),
    "unknown tag": lambda data: data.replace(b'"\\u0000t":', b'"\\u0000z":', 1),
    "a module path as class name": lambda data: data.replace(b'"\\u0000T":["Figure"', b'"\\u0000T":["os.system"', 1),
    "figures a list": lambda data: _retyped(data, lambda f: f.update(figures=[])),
    "a value as text": lambda data: _retyped(data, lambda f: _set_first(f, "figures", value="12")),
    "a number as a boolean": lambda data: _retyped(data, lambda f: _set_first(f, "figures", value=True)),
    "a list of numbers as cites": lambda data: _retyped(data, lambda f: _set_first(f, "figures", cites=[1])),
    "a kind outside its literal": lambda data: _retyped(data, lambda f: _set_first(f, "sources", kind="x")),
    "a row without a field": lambda data: _retyped(data, lambda f: _table(f, "figures")[3][0].pop()),
    "a field renamed": lambda data: _retyped(data, lambda f: _table(f, "figures")[1].__setitem__(0, "ident")),
    "a row number out of range": lambda data: _retyped(data, lambda f: _table(f, "figures")[4].__setitem__(0, 10**6)),
    "a key that is not text": lambda data: _retyped(data, lambda f: _table(f, "figures")[2].__setitem__(0, 7)),
    "a key without its row": lambda data: _retyped(data, lambda f: _table(f, "figures")[4].pop()),
    "a missing field": lambda data: _retyped(data, lambda f: f.pop("claims")),
    "an extra field": lambda data: _retyped(data, lambda f: f.update(extra=1)),
    "context ids a list": lambda data: _retyped(data, lambda f: f.update(context_ids=["a"])),
    "a registry of numbers": lambda data: _retyped(data, lambda f: f.update(registry={"\0r": {"soldier": 5}})),
    "a formula that calls": lambda data: _retyped(data, lambda f: _set_first(f, "quantities", formula={"\0x": "__import__('os').system('true')"})),
    "a line as text": lambda data: _retyped(data, lambda f: _locator_file(f)[3].__setitem__(0, "1")),
    "marks missing": lambda data: _retyped(data, lambda f: _locator_file(f)[3].pop()),
    "a path step as a float": lambda data: _retyped(data, lambda f: _locator_file(f)[2][0].append(1.5)),
    "a unit of text": lambda data: _retyped(data, lambda f: _set_first(f, "units", scale="1")),
}


@pytest.mark.parametrize("how", list(TAMPERED))
def test_a_damaged_entry_is_only_a_miss(folder: Path, how: str):
    expected = deal_value_json()
    entry = only_entry(folder)
    good = payload(entry)
    bad = TAMPERED[how](good)
    assert bad != good
    with pytest.raises(cache.CacheError):
        cache.load(bad)
    entry.write_bytes(bad)  # unsealed: refused before it is parsed
    assert deal_value_json() == expected
    reseal(folder, entry, bad)  # sealed: refused by the decoder
    assert deal_value_json() == expected
    assert payload(only_entry(folder)) == good  # the miss wrote the entry again
    assert deal_value_json() == expected


def test_an_entry_sealed_with_another_secret_is_a_miss(folder: Path, monkeypatch: pytest.MonkeyPatch):
    expected = deal_value_json()
    entry = only_entry(folder)
    before = payload(entry)
    (folder / cache.SECRET).write_bytes(os.urandom(32))
    fresh = []
    real = dataset._load_fresh
    monkeypatch.setattr(dataset, "_load_fresh", lambda *args: fresh.append(1) or real(*args))
    assert deal_value_json() == expected
    assert deal_value_json() == expected
    assert fresh == [1] and payload(entry) == before  # one miss, sealed again under the new secret


def test_an_entry_of_another_key_is_a_miss(folder: Path, data_copy: Path):
    load_dataset()
    shipped = only_entry(folder)
    load_dataset(data_copy)
    (copied,) = set(folder.glob(ENTRY_GLOB)) - {shipped}
    copied.write_bytes(shipped.read_bytes())  # the shipped data's entry, at the copy's key
    assert load_dataset(data_copy).files[0][1] == data_copy / "sources.yaml"


def test_a_fifo_at_the_entry_does_not_block(folder: Path):
    expected = deal_value_json()
    entry = only_entry(folder)
    entry.unlink()
    os.mkfifo(entry)
    assert deal_value_json() == expected


def test_a_secret_others_can_read_turns_the_cache_off(folder: Path):
    folder.mkdir()
    secret = folder / cache.SECRET
    secret.write_bytes(os.urandom(32))
    secret.chmod(0o644)
    expected = deal_value_json()
    assert list(folder.glob(ENTRY_GLOB)) == []
    assert deal_value_json() == expected


def test_an_unwritable_cache_costs_speed_not_the_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NKRU_CACHE_DIR", str(blocker / "cache"))
    assert deal_value_json() == deal_value_json()


# ---------------------------------------------------------------------------- same answers, one entry


def test_a_warm_run_prints_what_a_cold_run_prints(folder: Path, monkeypatch: pytest.MonkeyPatch):
    cold = deal_value_json()
    with monkeypatch.context() as patch:
        patch.setattr(dataset, "_load_fresh", lambda *_: pytest.fail("the warm run loaded afresh"))
        assert deal_value_json() == cold


@pytest.mark.parametrize("command", ["check", "casualties", "figures", "sources"])
def test_every_command_prints_the_same_warm_and_uncached(folder: Path, command: str, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as patch:
        patch.setenv("NKRU_NO_CACHE", "1")
        uncached = run(command)
    cold, warm = run(command), run(command)
    assert (cold.exit_code, cold.stdout) == (warm.exit_code, warm.stdout) == (uncached.exit_code, uncached.stdout)


def test_a_dataset_survives_the_round_trip(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NKRU_NO_CACHE", "1")
    fresh = load_dataset()
    again = cache.load(cache.dump(fresh))
    assert cache.dump(again) == cache.dump(fresh)
    assert again.registry.show(again.units["troops"]) == fresh.registry.show(fresh.units["troops"])
    assert type(again.claims) is tuple and type(again.context_ids) is frozenset
    assert {q.formula for q in again.quantities.values()} == {q.formula for q in fresh.quantities.values()}


def test_three_working_directories_share_one_entry(folder: Path, data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd, given in ((tmp_path, "data"), (data_copy, "."), (elsewhere, str(data_copy))):
        monkeypatch.chdir(cwd)
        monkeypatch.setenv("NKRU_NO_CACHE", "1")
        uncached = run("deal-value", "--format", "json", "--data", given).stdout
        monkeypatch.delenv("NKRU_NO_CACHE")
        assert run("deal-value", "--format", "json", "--data", given).stdout == uncached  # names as seen from here
    assert len(list(folder.glob(ENTRY_GLOB))) == 1


def test_the_key_covers_every_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    package = tmp_path / "nkru"
    (package / "engine").mkdir(parents=True)
    for name in ("errors.py", "engine/units.py"):
        (package / name).write_text("")
    paths = dataset.data_paths(None)
    contents = dataset._contents(paths)
    monkeypatch.setattr(dataset, "PACKAGE", package)
    keys = {dataset._cache_key(paths, contents)}
    for name in ("errors.py", "engine/units.py"):
        (package / name).write_text("# edited")
        keys.add(dataset._cache_key(paths, contents))
    assert len(keys) == 3


# ---------------------------------------------------------------------------- pruning


def test_pruning_keeps_the_newest_entries_and_every_file_of_the_user(folder: Path):
    folder.mkdir()
    for n in range(40):
        stale = folder / f"nkru-{n:064x}.json"
        stale.write_bytes(b"old")
        os.utime(stale, (1_000_000 + n, 1_000_000 + n))
    mine = ["notes.json", "model.pickle", f"{0:064x}.pickle", "nkru-notes.json", f"nkru-{0:064x}.json.bak", f"NKRU-{1:064x}.json"]
    for name in mine:
        (folder / name).write_text("the user's")
        os.utime(folder / name, (1, 1))
    deal_value_json()
    entries = sorted(p.name for p in folder.glob(ENTRY_GLOB) if cache.ENTRY.fullmatch(p.name))
    assert len(entries) == dataset.CACHE_ENTRIES
    assert f"nkru-{0:064x}.json" not in entries and f"nkru-{39:064x}.json" in entries  # the oldest went first
    assert all((folder / name).read_text() == "the user's" for name in mine)


# ---------------------------------------------------------------------------- --data


def _error(*args: str) -> str:
    result = run("deal-value", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    return result.stderr


def test_data_that_does_not_exist(tmp_path: Path):
    assert _error("--data", str(tmp_path / "none")) == f"Error: --data {tmp_path}/none: no such directory\n"


def test_data_that_is_a_file(tmp_path: Path):
    (tmp_path / "x").write_text("")
    assert _error("--data", str(tmp_path / "x")) == f"Error: --data {tmp_path}/x: is a file; give the directory that holds the YAML files\n"


def test_data_that_is_a_dangling_symlink(tmp_path: Path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    assert _error("--data", str(tmp_path / "link")) == f"Error: --data {tmp_path}/link: is a dangling symlink (its target does not exist)\n"


def test_data_that_is_a_symlink_loop(tmp_path: Path):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert _error("--data", str(tmp_path / "loop")) == f"Error: --data {tmp_path}/loop: is a symlink loop\n"


def _deny(monkeypatch: pytest.MonkeyPatch, name: str, target: Path) -> None:
    """Make os.<name> refuse `target` as it would for a user without permission (tests run as root)."""
    real = getattr(os, name)

    def denied(path, *args, **kwargs):
        if os.fspath(path) == str(target):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, denied)


def test_data_under_an_unreadable_parent(data_copy: Path, monkeypatch: pytest.MonkeyPatch):
    _deny(monkeypatch, "stat", data_copy)
    assert _error("--data", str(data_copy)) == f"Error: --data {data_copy}: cannot be reached: permission denied on a directory above it\n"


def test_data_that_cannot_be_listed(data_copy: Path, monkeypatch: pytest.MonkeyPatch):
    _deny(monkeypatch, "listdir", data_copy)
    assert _error("--data", str(data_copy)) == f"Error: --data {data_copy}: cannot be listed: permission denied\n"


def test_data_whose_name_is_not_utf8(tmp_path: Path):
    path = tmp_path / os.fsdecode(b"caf\xe9")
    path.mkdir()
    assert _error("--data", str(path)) == f"Error: --data {tmp_path}/caf\\xe9: the name is not UTF-8; rename the directory\n"


def test_data_whose_name_is_not_utf8_from_the_shell(tmp_path: Path):
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9")
    os.mkdir(path)
    done = subprocess.run([sys.executable, "-m", "nkru", "deal-value", "--data", path], capture_output=True, env=os.environ | {"LC_ALL": "C.UTF-8"})
    assert (done.returncode, done.stderr) == (2, f"Error: --data {tmp_path}/caf\\xe9: the name is not UTF-8; rename the directory\n".encode())


def test_a_data_file_that_is_a_dangling_symlink_is_not_replaced_by_the_shipped_one(data_copy: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(data_copy)
    (data_copy / "figures.yaml").unlink()
    (data_copy / "figures.yaml").symlink_to(data_copy / "gone.yaml")
    assert _error("--data", ".") == "Error: figures.yaml:1:1: no such file\n"
