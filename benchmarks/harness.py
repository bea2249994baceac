"""A small timeit-style harness for whole processes: run each command several times after a
warm-up, report median and minimum wall time, compare against a baseline timed in the same run."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Timing:
    label: str
    median: float
    best: float
    runs: int


def _once(label: str, argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{label}: exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def measure_all(commands: dict[str, list[str]], runs: int = 15, warmup: int = 2, env: dict | None = None) -> dict[str, Timing]:
    """Median and best wall time of each command as a whole process (each must exit 0).

    The commands run round-robin, so a slow spell of the machine falls on all of them alike
    rather than on whichever happened to be measured then."""
    # Bytecode as a user's install has it: pip compiles installed packages, and Python writes
    # .pyc for nkru's own modules on first run unless PYTHONDONTWRITEBYTECODE says not to.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment |= {"COLUMNS": "120"} | (env or {})
    times: dict[str, list[float]] = {label: [] for label in commands}
    for attempt in range(warmup + runs):
        for label, argv in commands.items():
            elapsed = _once(label, argv, environment)
            if attempt >= warmup:
                times[label].append(elapsed)
    return {label: Timing(label, statistics.median(t), min(t), runs) for label, t in times.items()}


def report(rows: list[tuple[Timing, Timing, float]]) -> bool:
    """Print each timing against its baseline and target ratio; True when every target is met."""
    ok = True
    print(f"{'command':44} {'median s':>9} {'best s':>8} {'baseline':>9} {'ratio':>6} {'target':>7}")
    for timing, baseline, target in rows:
        ratio = timing.median / baseline.median
        met = ratio <= target
        ok &= met
        print(
            f"{timing.label:44} {timing.median:9.3f} {timing.best:8.3f} {baseline.median:9.3f} "
            f"{ratio:6.2f} {'<= ' + format(target, '.2f'):>7} {'ok' if met else 'MISSED'}"
        )
    return ok


def nkru(*args: str) -> list[str]:
    return [str(VENV_BIN / "nkru"), *args]


def peak_rss(argv: list[str], env: dict | None = None) -> int:
    """The peak resident memory of one run of a command, in bytes (its own, from wait4)."""
    environment = dict(os.environ) | {"COLUMNS": "120"} | (env or {})
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exited {child.returncode}")
    return usage.ru_maxrss * 1024  # kilobytes on Linux
