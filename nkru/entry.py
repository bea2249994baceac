"""The `nkru` program. It answers `--version` before importing anything heavy (the question an
install check asks), runs the command, and ends the process as soon as the output is flushed:
tearing the interpreter down module by module costs tens of milliseconds and does nothing a
finished run needs. `--debug` (or NKRU_DEBUG=1) keeps the normal exit; tests call the app."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run nkru with the process's arguments and exit with its code."""
    if sys.argv[1:] == ["--version"] and not os.environ.get("_NKRU_COMPLETE"):
        from nkru import __version__

        sys.stdout.write(f"nkru {__version__}\n")
        return
    from nkru.cli import main as run

    try:
        run()
        code = 0
    except SystemExit as stop:
        if isinstance(stop.code, str):  # what sys.exit("message") does: the message, then status 1
            sys.stderr.write(stop.code + "\n")
        code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
    if os.environ.get("NKRU_DEBUG") or "--debug" in sys.argv[1:]:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `nkru … | head`: the reader left; nothing more to say
        pass
    os._exit(code)
