"""The `nkru` application: the Typer app, how a command's errors become exit codes, and the
entry point. Typer wiring only; the commands live in nkru.cli.commands.

Heavy modules (pydantic, PyYAML, Rich) are imported inside the commands that use them, so
`nkru --version` and `--help` start fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from nkru import __version__
from nkru.errors import NkruError

EXIT_FINDINGS, EXIT_INPUT, EXIT_BUG = 1, 2, 70

# Plain help and usage errors: paragraphs rewrap to the terminal, and a usage mistake reads
# "Error: …" like every other nkru error.
PLAIN: dict[str, Any] = {"pretty_exceptions_enable": False, "rich_markup_mode": None}

app = typer.Typer(
    no_args_is_help=True,
    **PLAIN,
    help="Recompute the economics of North Korea's troop deployment to Russia from sourced figures.",
    epilog="Every number is computed from the YAML in data/, each figure with its source and a verbatim quote.",
)



def _version(show: bool) -> None:
    if show:
        sys.stdout.write(f"nkru {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error (or set NKRU_DEBUG=1).")] = False,
) -> None:
    if debug:
        os.environ["NKRU_DEBUG"] = "1"


def _fail(lines: list[str], code: int) -> None:
    sys.stderr.write("".join(f"Error: {line}\n" for line in lines))
    raise typer.Exit(code)


COMMANDS: dict[str, Callable[..., Any]] = {}


def command(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command whose NkruErrors become `Error:` lines and exit 2, and whose bugs
    become one line and exit 70, so a bug never passes for a finding."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except NkruError as error:
                _fail(error.lines(), EXIT_INPUT)
            except (typer.Exit, typer.Abort, KeyboardInterrupt):
                raise
            except Exception as error:
                if os.environ.get("NKRU_DEBUG"):
                    raise
                sys.stderr.write(
                    f"nkru: internal error (a bug in nkru, not a problem in your data): {type(error).__name__}: {error}. "
                    "Rerun as `nkru --debug COMMAND ...` (or with NKRU_DEBUG=1) for the traceback and report it.\n"
                )
                raise typer.Exit(EXIT_BUG) from None

        COMMANDS[name] = run
        return app.command(name)(run)

    return register



def main() -> None:
    # `nkru --version` is run to check an install: answer before Typer builds every command.
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"nkru {__version__}\n")
        return
    # Typer converts every command's options on each run; when the first word names a command,
    # build only that one (the same function, so the same options, help and errors).
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name in COMMANDS:
        single = typer.Typer(add_completion=False, **PLAIN)
        single.command(name)(COMMANDS[name])
        single(args=sys.argv[2:], prog_name=f"nkru {name}")
        return
    app(prog_name="nkru")
