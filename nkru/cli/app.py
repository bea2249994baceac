"""The `nkru` application: the Typer app, how a command's errors become exit codes, and the
entry point. Typer wiring only; the commands live in nkru.cli.commands.

Heavy modules (pydantic, PyYAML, Rich) are imported inside the commands that use them, so
`nkru --version` and `--help` start fast; and a command's options are read without pydantic
(see `_read_plainly`), so a run whose data is cached never imports it.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.core import Context as ClickContext
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperArgument, TyperCommand, TyperGroup

from nkru import __version__
from nkru.cli.options import BadValue
from nkru.errors import NkruError, clip, shown, suggest

EXIT_FINDINGS, EXIT_INPUT, EXIT_BUG = 1, 2, 70
EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a program whose reader closed the pipe

# Plain help and usage errors: paragraphs rewrap to the terminal, and a usage mistake reads
# "Error: …" like every other nkru error.
PLAIN: dict[str, Any] = {"pretty_exceptions_enable": False, "rich_markup_mode": None}
# -h as well as --help, on the app and on every command (also when main() builds one alone).
HELP: dict[str, Any] = {"help_option_names": ["-h", "--help"]}
COMPLETE_VAR = "_NKRU_COMPLETE"  # set by the shell's completion script; Typer derives it from prog_name "nkru"


# ---------------------------------------------------------------------------- usage errors in one line


class OneLineUsageError(ClickUsageError):
    """A usage mistake as nkru shows every error: one `Error: …` line on stderr, exit 2 (no
    usage block, no "Try --help" line)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(line.strip() for line in message.splitlines() if line.strip()))


def one_line(error: ClickUsageError) -> OneLineUsageError:
    """The mistake in Click's words, but on one line; an unknown option says which was meant."""
    if isinstance(error, OneLineUsageError):
        return error
    if isinstance(error, NoSuchOption):
        message = error.message + (f" (did you mean {error.possibilities[0]}?)" if error.possibilities else "")
    else:
        message = error.format_message()
    return OneLineUsageError(message)


@contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except NoArgsIsHelpError:  # `nkru` alone: the help itself, not a mistake
        raise
    except ClickUsageError as error:
        raise one_line(error) from None


# ---------------------------------------------------------------------------- options without pydantic
#
# Typer 0.29 converts every option through a pydantic TypeAdapter, built on each run for each
# option: that imports pydantic (which a cached dataset never needs) and took about a third of
# `nkru deal-value`'s time. nkru's options are strings, paths, flags and whole numbers, or have
# their own parser (nkru.cli.options), so each is read directly instead. A parameter of any other
# kind, or a Typer whose internals differ, keeps Typer's own conversion: same values, slower.

try:
    from typer._coercion import RuntimeParam
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - another Typer: its conversion applies
    RuntimeParam = None  # type: ignore[assignment,misc]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else os.fsdecode(value) if isinstance(value, bytes) else str(value)


_TRUE, _FALSE = frozenset({"1", "true", "t", "yes", "y", "on"}), frozenset({"", "0", "false", "f", "no", "n", "off"})


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise BadValue(value, "give true or false")


_INTEGER = re.compile(r"-?[0-9]{1,100}", re.ASCII)


def _whole(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _text(value).strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    raise BadValue(value, "give a whole number")


def _path(value: Any) -> Path:
    path = value if isinstance(value, Path) else Path(_text(value))
    # As Typer's default (readable=True): an existing path the user cannot read is refused here.
    if os.path.exists(path) and not os.access(path, os.R_OK):
        raise BadValue(value, "cannot be read (permission denied)")
    return path


_PLAIN_PATH = {"exists": False, "file_okay": True, "dir_okay": True, "writable": False, "readable": True,
               "resolve_path": False, "allow_dash": False, "path_type": None}


def _reader(descriptor: Any) -> Callable[[Any], Any] | None:
    """How to read one value of a parameter, or None to leave it to Typer."""
    info, annotation = descriptor.parameter_info, descriptor.annotation
    if descriptor.is_file or descriptor.is_tuple:
        return None
    if descriptor.is_list:
        (annotation,) = getattr(annotation, "__args__", (None,))
    if info.parser is not None:
        return info.parser
    if annotation is str:
        return _text
    if annotation is bool:
        return _flag
    if annotation is int and info.min is None and info.max is None:
        return _whole
    if annotation is Path and all(getattr(info, key, default) == default for key, default in _PLAIN_PATH.items()):
        return _path
    return None


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class _Read(RuntimeParam):
        read: Callable[[Any], Any]

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if param.multiple or param.nargs == -1:
                return [self.read(item) for item in value]
            return self.read(value)


def _read_plainly(params: Sequence[Any]) -> None:
    """Give each parameter nkru can read directly its reader, before Typer builds an adapter."""
    if RuntimeParam is None:
        return  # pragma: no cover
    for param in params:
        if isinstance(param, _TyperParameter) and getattr(param, "_runtime_param", False) is None:
            read = _reader(param.type_descriptor)
            if read is not None:
                param._runtime_param = _Read(parameter_info=param.type_descriptor.parameter_info, annotation=param.type_descriptor.annotation, read=read)


# ---------------------------------------------------------------------------- the app and its commands


class WordArgument(TyperArgument):
    """An argument shown by its metavar alone, in words: `nkru calc [QUANTITY...]`, `ID` in the
    arguments table. Typer would add a Python type (`<list[str]>`, `<str>`) and brace a required
    one (`{ID}`), which reads as syntax to type."""

    def display_type_rich(self, ctx: ClickContext) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw + ("..." if self.nargs != 1 and not self.display_name_raw.endswith("...") else "")
        return name if self.required else f"[{name}]"


class NkruCommand(TyperCommand):
    """A command whose options are read without pydantic, whose usage errors take one line, and
    whose arguments are shown in words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = WordArgument  # Typer builds its own; only how it is shown changes

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        _read_plainly(self.get_params(ctx))
        with _one_line_usage_errors():
            return super().parse_args(ctx, args)


class NkruGroup(TyperGroup):
    """The app: as NkruCommand, and an unknown command is named with the one meant."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        _read_plainly(self.get_params(ctx))
        with _one_line_usage_errors():
            return super().parse_args(ctx, args)

    def resolve_command(self, ctx: ClickContext, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            known = list(self.commands)
            raise OneLineUsageError(f"No such command: {shown(name)}{suggest(name, known) or ' (known: ' + ', '.join(known) + ')'}")
        with _one_line_usage_errors():
            return super().resolve_command(ctx, args)

    def invoke(self, ctx: ClickContext) -> Any:
        # The command's own parsing errors are already one line; this catches any left.
        with _one_line_usage_errors():
            return super().invoke(ctx)


app = typer.Typer(
    cls=NkruGroup,
    no_args_is_help=True,
    context_settings=dict(HELP),
    **PLAIN,
    help=(
        "Recompute the economics of North Korea's troop deployment to Russia from sourced figures.\n\n"
        "\b\nExamples:\n"
        "  nkru deal-value                     what the deployment is worth\n"
        "  nkru explain QUANTITY               where one number comes from\n"
        "  nkru deal-value --set INPUT=VALUE   with one input changed, this run only\n"
        "  nkru init mywork                    an editable copy of the data; edit it,\n"
        "  nkru deal-value --data mywork       then compute from it"
    ),
    epilog=(
        "Every number is computed from YAML data shipped with nkru, each figure with its source and a verbatim quote. "
        "`nkru COMMAND -h` shows a command's options and an example."
    ),
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


def command(name: str, short: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command whose NkruErrors become `Error:` lines and exit 2, and whose bugs
    become one line and exit 70, so a bug never passes for a finding. `short` is its line in
    `nkru -h`, whole at 80 columns (Click cuts a longer first sentence with "...")."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except NkruError as error:
                _fail(error.lines(), EXIT_INPUT)
            except (typer.Exit, typer.Abort, KeyboardInterrupt):
                raise
            except BrokenPipeError:  # `nkru … | head`: the reader left; stop quietly, as a program SIGPIPE ends
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more reaches the closed pipe
                raise typer.Exit(EXIT_PIPE) from None
            except Exception as error:
                if os.environ.get("NKRU_DEBUG"):
                    raise
                sys.stderr.write(
                    f"nkru: internal error (a bug in nkru, not a problem in your data): {type(error).__name__}: {clip(shown(str(error)))}. "
                    "Rerun as `nkru --debug COMMAND ...` (or with NKRU_DEBUG=1) for the traceback and report it.\n"
                )
                raise typer.Exit(EXIT_BUG) from None

        COMMANDS[name] = run
        return app.command(name, cls=NkruCommand, context_settings=dict(HELP), short_help=short)(run)

    return register


def main() -> None:
    # Shell completion goes through the whole app, which knows every command and option.
    if os.environ.get(COMPLETE_VAR):
        app(prog_name="nkru")
        return
    # `nkru --version` is run to check an install: answer before Typer builds every command.
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"nkru {__version__}\n")
        return
    # Typer converts every command's options on each run; when the first word names a command,
    # build only that one (the same function, so the same options, help and errors).
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name in COMMANDS:
        single = typer.Typer(add_completion=False, context_settings=dict(HELP), **PLAIN)
        single.command(name, cls=NkruCommand, context_settings=dict(HELP))(COMMANDS[name])
        single(args=sys.argv[2:], prog_name=f"nkru {name}")
        return
    app(prog_name="nkru")
