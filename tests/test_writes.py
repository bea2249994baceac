"""Writes go only where they should: regular files, never a file the command reads, created
exclusively without --force, whole, with the usual mode, and nothing left behind; `init`
copies all or nothing. The tests run as root, so permission errors are simulated."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nkru.files import WriteError, remove_stale_temporaries, write_atomic, write_output

from .conftest import ROOT, run

NOT_REGULAR = "is not a regular file (a device, pipe or socket); nkru writes only regular files"
DANGLING = "is a symbolic link to a missing file; nkru writes through a link only to an existing file"
READS = "is a file this command reads; write the output elsewhere"
JSON = ("sources", "--format", "json")


def _error(result) -> tuple[int, str]:
    return result.exit_code, result.stderr


# ---------------------------------------------------------------------------- what is refused


def test_dev_null_stays_a_device_with_force():
    result = run(*JSON, "--output", "/dev/null", "--force")
    assert _error(result) == (2, f"Error: --output /dev/null: {NOT_REGULAR}\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for force in ([], ["--force"]):
        assert _error(run(*JSON, "--output", str(fifo), *force)) == (2, f"Error: --output {fifo}: {NOT_REGULAR}\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_directory_is_refused(tmp_path: Path):
    assert _error(run(*JSON, "--output", str(tmp_path), "--force")) == (2, f"Error: --output {tmp_path}: is a directory\n")


@pytest.mark.parametrize("option", ["--output", "--svg", "--html", "--samples-out"])
def test_a_missing_folder_is_an_error_not_created(tmp_path: Path, option: str):
    path = tmp_path / "missing" / {"--svg": "out.svg", "--html": "out.html"}.get(option, "out.csv")
    result = run("deal-value", "--simulate", "50", "--output", str(tmp_path / "first.json"), option, str(path))
    assert _error(result) == (2, f"Error: {option} {path}: no such directory {path.parent}\n")
    assert list(tmp_path.iterdir()) == []  # found before anything was written


def test_a_file_as_folder_is_named(tmp_path: Path):
    assert _error(run(*JSON, "--output", "/dev/null/x")) == (2, "Error: --output /dev/null/x: /dev/null is not a directory\n")
    (tmp_path / "file").write_text("mine")
    path = tmp_path / "file" / "deeper" / "out.json"
    assert _error(run(*JSON, "--output", str(path))) == (2, f"Error: --output {path}: {tmp_path / 'file'} is not a directory\n")


# ---------------------------------------------------------------------------- the files a command reads


def test_the_data_is_never_replaced_by_an_output(data_copy: Path):
    figures = data_copy / "figures.yaml"
    before = figures.read_bytes()
    result = run("deal-value", "--data", str(data_copy), "--format", "json", "--output", str(figures), "--force")
    assert _error(result) == (2, f"Error: --output {figures}: {READS}\n")
    assert figures.read_bytes() == before


def test_nor_through_a_link_nor_a_scenario_file(data_copy: Path, tmp_path: Path):
    link = tmp_path / "link.json"
    link.symlink_to(data_copy / "assumptions.yaml")
    result = run("deal-value", "--data", str(data_copy), "--format", "json", "--output", str(link), "--force")
    assert _error(result) == (2, f"Error: --output {link}: {READS}\n")
    scenario = data_copy / "scenarios" / "mine.yaml"
    scenario.write_bytes((data_copy / "scenarios" / "high.yaml").read_bytes())
    other = tmp_path / "other.yaml"
    other.write_bytes(scenario.read_bytes())
    result = run("deal-value", "--scenario", str(other), "--format", "json", "--output", str(other), "--force")
    assert _error(result) == (2, f"Error: --output {other}: {READS}\n")
    result = run("deal-value", "--data", str(data_copy), "--format", "json", "--output", str(scenario), "--force")
    assert _error(result) == (2, f"Error: --output {scenario}: {READS}\n")


def test_the_shipped_data_is_never_replaced():
    from nkru.load import bundled_data_dir

    model = bundled_data_dir() / "model.yaml"
    before = model.read_bytes()
    assert _error(run(*JSON, "--output", str(model), "--force")) == (2, f"Error: --output {model}: {READS}\n")
    assert model.read_bytes() == before


def test_a_hard_link_to_a_file_read_is_the_same_file(tmp_path: Path):
    read = tmp_path / "read.yaml"
    read.write_text("data")
    os.link(read, tmp_path / "alias.json")
    with pytest.raises(WriteError) as caught:
        write_output(tmp_path / "alias.json", b"out", True, [read])
    assert caught.value.reason == READS and read.read_text() == "data"


# ---------------------------------------------------------------------------- symlinks


def test_a_symlink_is_replaced_only_with_force_and_then_written_through(tmp_path: Path):
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    real.write_text("mine")
    link.symlink_to(real)
    assert _error(run(*JSON, "--output", str(link))) == (2, f"Error: --output {link}: exists; add --force to replace it\n")
    assert real.read_text() == "mine"
    result = run(*JSON, "--output", str(link), "--force")
    assert (result.exit_code, result.stderr) == (0, f"wrote {link}\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["sources"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_a_dangling_symlink_is_refused_even_with_force(tmp_path: Path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "nowhere.json")
    for force in ([], ["--force"]):
        assert _error(run(*JSON, "--output", str(link), *force)) == (2, f"Error: --output {link}: {DANGLING}\n")
    assert link.is_symlink() and not (tmp_path / "nowhere.json").exists()


def test_a_symlink_to_a_device_or_a_directory_is_refused(tmp_path: Path):
    (tmp_path / "null").symlink_to("/dev/null")
    (tmp_path / "dir").symlink_to(tmp_path)
    assert _error(run(*JSON, "--output", str(tmp_path / "null"), "--force")) == (2, f"Error: --output {tmp_path / 'null'}: {NOT_REGULAR}\n")
    assert _error(run(*JSON, "--output", str(tmp_path / "dir"), "--force")) == (2, f"Error: --output {tmp_path / 'dir'}: is a directory\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# ---------------------------------------------------------------------------- how a file is written


def test_output_dash_is_stdout(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*JSON, "--output", "-")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)["sources"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_written_file_has_the_usual_mode(tmp_path: Path, mask: int):
    old = os.umask(mask)
    try:
        path = tmp_path / "out.json"
        assert run(*JSON, "--output", str(path)).exit_code == 0
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask
        os.chmod(path, 0o600)
        assert run(*JSON, "--output", str(path), "--force").exit_code == 0
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask
    finally:
        os.umask(old)


def _race(path: str, force: bool, barrier, number: int) -> str:
    barrier.wait()
    try:
        write_output(Path(path), f"writer {number}\n".encode() * 10_000, force)
    except WriteError as error:
        return error.reason
    return "wrote"


@pytest.mark.parametrize("force", [False, True])
def test_of_eight_racing_writers_exactly_one_creates_the_file(tmp_path: Path, force: bool):
    path = tmp_path / "same.txt"
    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(8)
    with context.Pool(8) as pool:
        outcomes = pool.starmap(_race, [(str(path), force, barrier, n) for n in range(8)])
    if force:
        assert outcomes == ["wrote"] * 8  # each replaced the file whole
    else:
        assert sorted(outcomes) == ["exists; add --force to replace it"] * 7 + ["wrote"]
    text = path.read_text()
    assert text == text.splitlines(keepends=True)[0] * 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["same.txt"]


def test_of_eight_racing_cli_runs_exactly_one_writes(tmp_path: Path):
    path = tmp_path / "same.json"
    command = [sys.executable, "-m", "nkru", *JSON, "--output", str(path)]
    runs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
    results = [(proc.returncode, err) for proc in runs for _, err in [proc.communicate()]]  # communicate closes the pipes
    assert sorted(results) == [(0, f"wrote {path}\n")] + [(2, f"Error: --output {path}: exists; add --force to replace it\n")] * 7
    assert json.loads(path.read_text())["sources"]


# ---------------------------------------------------------------------------- killed writes


KILLED_WRITER = """
import os, signal, sys, time
from pathlib import Path
from nkru import files
def fsync(fd):
    if sys.argv[2] == "TERM":
        os.kill(os.getpid(), signal.SIGTERM)
    else:
        print("writing", flush=True)
        time.sleep(60)
os.fsync = fsync
files.write_output(Path(sys.argv[1]), b"x" * 100_000_000, False)
"""


def _writer(path: Path, how: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path), how], cwd=ROOT, stdout=subprocess.PIPE, text=True)


def test_a_write_stopped_by_sigterm_leaves_no_temporary_file(tmp_path: Path):
    writer = _writer(tmp_path / "big.bin", "TERM")
    writer.communicate(timeout=60)  # closes the pipes
    assert writer.returncode == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_a_write_killed_outright_is_cleaned_up_by_the_next_write(tmp_path: Path):
    writer = _writer(tmp_path / "big.bin", "KILL")
    assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    writer.kill()
    writer.communicate()  # waits, and closes the pipes
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".nkru-big.bin.") and left.stat().st_size == 100_000_000
    write_output(tmp_path / "other.txt", b"new", False)
    assert left.exists()  # a fresh one may be a live writer's on another machine; only an old one goes
    hours_ago = time.time() - 2 * 3600
    os.utime(left, (hours_ago, hours_ago))
    write_output(tmp_path / "third.txt", b"new", False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "third.txt"]


def test_only_old_temporaries_of_dead_writers_are_removed(tmp_path: Path):
    def temporary(pid: int, hours: float, name: str = "out.json") -> Path:
        path = tmp_path / f".nkru-{name}.{pid}.0123abcd.tmp"
        path.write_bytes(b"partial")
        os.utime(path, (time.time() - hours * 3600,) * 2)
        return path

    dead = 2**22 + 12345  # above Linux's largest pid
    old_dead, young_dead = temporary(dead, 2), temporary(dead, 0.5, "young")
    old_alive, abandoned = temporary(os.getpid(), 2, "alive"), temporary(os.getpid(), 25, "abandoned")
    other = tmp_path / ".out.json.abc.tmp"
    other.write_bytes(b"not nkru's")
    os.utime(other, (0, 0))
    remove_stale_temporaries(tmp_path)
    assert not old_dead.exists() and not abandoned.exists()
    assert young_dead.exists() and old_alive.exists() and other.exists()


def test_write_atomic_still_makes_its_folder(tmp_path: Path):
    write_atomic(tmp_path / "cache" / "x.pickle", b"data")
    assert (tmp_path / "cache" / "x.pickle").read_bytes() == b"data"


# ---------------------------------------------------------------------------- init


def test_init_into_a_path_under_a_device_is_a_clear_error():
    assert _error(run("init", "/dev/null/x")) == (2, "Error: /dev/null/x: /dev/null is not a directory\n")
    assert _error(run("init", "/dev/null")) == (2, "Error: /dev/null: is not a directory; give a directory\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_init_where_scenarios_is_a_file_writes_nothing(tmp_path: Path):
    (tmp_path / "scenarios").write_text("mine")
    result = run("init", str(tmp_path))
    assert _error(result) == (2, f"Error: {tmp_path}: {tmp_path / 'scenarios'} is a file; the copy needs a directory there\n")
    assert [p.name for p in tmp_path.iterdir()] == ["scenarios"]


def test_init_with_force_over_a_directory_writes_nothing(tmp_path: Path):
    (tmp_path / "figures.yaml").mkdir()
    result = run("init", str(tmp_path), "--force")
    assert _error(result) == (2, f"Error: {tmp_path}: {tmp_path / 'figures.yaml'} is a directory\n")
    assert [p.name for p in tmp_path.iterdir()] == ["figures.yaml"]


def _failing(monkeypatch, name: str, under: Path, code: int, after: int = 0) -> None:
    """Make os.<name> fail once with `code` for a path under `under`, after `after` calls succeed
    (every call after that, for a read-only directory: after=-1)."""
    real, calls = getattr(os, name), []

    def fake(path, *args, **kwargs):
        if str(path).startswith(str(under)):
            calls.append(path)
            if len(calls) == after + 1 or after < 0:
                raise OSError(code, os.strerror(code), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, fake)


@pytest.mark.parametrize("exists", [True, False])
def test_init_into_a_read_only_directory_leaves_nothing(tmp_path: Path, monkeypatch, exists: bool):
    target = tmp_path / "mywork"
    if exists:
        target.mkdir()
    _failing(monkeypatch, "mkdir", target, errno.EACCES, -1)
    assert _error(run("init", str(target))) == (2, f"Error: {target}: cannot be written: Permission denied\n")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == (["mywork"] if exists else [])
    assert not exists or list(target.iterdir()) == []


@pytest.mark.parametrize(("name", "after"), [("open", 5), ("link", 3)])
def test_init_failing_midway_leaves_no_partial_copy(tmp_path: Path, monkeypatch, name: str, after: int):
    target = tmp_path / "mywork"
    _failing(monkeypatch, name, tmp_path, errno.ENOSPC, after)
    assert _error(run("init", str(target))) == (2, f"Error: {target}: cannot be written: No space left on device\n")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_init_failing_midway_keeps_what_was_there(tmp_path: Path, monkeypatch):
    (tmp_path / "assumptions.yaml").write_text("mine")
    _failing(monkeypatch, "link", tmp_path, errno.ENOSPC, 3)
    assert run("init", str(tmp_path)).exit_code == 2
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["assumptions.yaml"]
    assert (tmp_path / "assumptions.yaml").read_text() == "mine"


def test_init_with_force_writes_through_a_symlink(tmp_path: Path):
    target, elsewhere = tmp_path / "mywork", tmp_path / "elsewhere.yaml"
    target.mkdir()
    elsewhere.write_text("mine")
    (target / "assumptions.yaml").symlink_to(elsewhere)
    assert run("init", str(target)).stdout.startswith(f"Wrote 10 files to {target}; kept 1")
    assert run("init", str(target), "--force").stdout.startswith(f"Wrote 11 files to {target}.")
    assert (target / "assumptions.yaml").is_symlink() and "troops" in elsewhere.read_text()
    assert not [p for p in target.rglob(".nkru*")]


# ---------------------------------------------------------------------------- every option that writes


WRITERS = {
    "--output": ("deal-value", "--output", "out.txt"),
    "--svg": ("deal-value", "--svg", "out.svg"),
    "--html": ("deal-value", "--html", "out.html"),
    "--samples-out": ("deal-value", "--simulate", "50", "--samples-out", "out.npy"),
    "init": ("init", "out"),
}


@pytest.mark.parametrize("mask", [0o022, 0o077])
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_file_written_has_the_usual_mode(tmp_path: Path, monkeypatch, writer: str, mask: int):
    monkeypatch.chdir(tmp_path)
    old = os.umask(mask)
    try:
        assert run(*WRITERS[writer]).exit_code == 0
    finally:
        os.umask(old)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o666 & ~mask}


def test_init_refuses_a_missing_parent(tmp_path: Path):
    target = tmp_path / "missing" / "mywork"
    assert _error(run("init", str(target))) == (2, f"Error: {target}: no such directory {target.parent}\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (("--svg", "x.png"), "--svg x.png: an SVG file must end in .svg"),
    (("--svg", "-"), "--svg -: give a file ending in .svg; only --output writes to stdout"),
    (("--html", "x.txt"), "--html x.txt: an HTML file must end in .html or .htm"),
    (("--html", "-"), "--html -: give a file ending in .html or .htm; only --output writes to stdout"),
    (("--simulate", "50", "--samples-out", "x.txt"), "--samples-out x.txt: a samples file must end in .csv or .npy"),
    (("--simulate", "50", "--samples-out", "-"), "--samples-out -: give a file ending in .csv or .npy; only --output writes to stdout"),
    (("--samples-out", "x.json"), "--samples-out x.json: a samples file must end in .csv or .npy"),
])
def test_a_file_option_refuses_the_wrong_kind_of_file_before_writing_anything(tmp_path: Path, monkeypatch, args: tuple[str, ...], message: str):
    monkeypatch.chdir(tmp_path)
    assert _error(run("deal-value", "--output", "first.json", *args)) == (2, f"Error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_endings_are_read_in_any_case(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("deal-value", "--svg", "A.SVG", "--html", "a.HTM", "--simulate", "50", "--samples-out", "s.NPY").exit_code == 0
    assert (tmp_path / "s.NPY").read_bytes().startswith(b"\x93NUMPY")


OUTPUT_COMMANDS = [
    ("deal-value",), ("casualties",), ("calc",), ("calc", "annual_value_usd"), ("compare", "baseline", "lowy"),
    ("explain", "annual_value_usd"), ("sensitivity", "deal-value", "--simulate", "200"), ("solve", "annual_value_usd=5e8", "--for", "troops"),
    ("figures",), ("sources",), ("scenarios",), ("check",),
]


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
@pytest.mark.parametrize("args", OUTPUT_COMMANDS, ids=" ".join)
def test_output_dash_writes_to_stdout_what_the_command_prints(tmp_path: Path, monkeypatch, args: tuple[str, ...], fmt: str):
    monkeypatch.chdir(tmp_path)
    plain = run(*args, "--format", fmt)
    dashed = run(*args, "--format", fmt, "--output", "-")
    assert (dashed.exit_code, dashed.stderr) == (plain.exit_code, plain.stderr) == (0, "")
    assert dashed.stdout == plain.stdout != ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_check_writes_to_a_file_exactly_what_it_prints(tmp_path: Path, fmt: str):
    path = tmp_path / "check.out"
    written = run("check", "--format", fmt, "--output", str(path))
    assert (written.exit_code, written.stdout, written.stderr) == (0, "", f"wrote {path}\n")
    assert path.read_text(encoding="utf-8") == run("check", "--format", fmt).stdout


@pytest.mark.parametrize("suffix", ["svg", "html"])
def test_svg_and_html_exports_print_without_the_web_or_a_window(tmp_path: Path, suffix: str):
    import re

    from nkru.load import load_dataset

    path = tmp_path / f"table.{suffix}"
    assert run("deal-value", f"--{suffix}", str(path)).exit_code == 0
    text = path.read_text(encoding="utf-8")
    cited = {s.url for s in load_dataset(None).sources.values() if s.url}  # the data's own links are content
    links = set(re.findall(r"https?://[^\s\"'<>&]+", text)) - cited
    assert links == ({"http://www.w3.org/2000/svg"} if suffix == "svg" else set())
    assert not any(word in text for word in ("fonts.", "cdnjs", "@font-face", "<link", "<circle", "#ff5f57"))
    assert "#ffffff" in text.lower() and "#000000" in text.lower()  # black on white
    assert "Value of the months served" in text.replace("&#160;", " ")


def test_an_output_that_exists_is_refused_before_the_samples_are_written(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.json").write_text("mine")
    result = run("deal-value", "--simulate", "50", "--samples-out", "s.csv", "--svg", "t.svg", "--output", "out.json")
    assert _error(result) == (2, "Error: --output out.json: exists; add --force to replace it\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    assert run("deal-value", "--simulate", "50", "--samples-out", "s.csv", "--output", "out.json", "--force").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "s.csv"]
