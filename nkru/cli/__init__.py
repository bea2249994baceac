"""The `nkru` command line: the app and its commands (imported here so they register)."""

from nkru.cli import commands, report  # noqa: F401  - registers every command on the app
from nkru.cli.app import COMMANDS, EXIT_BUG, EXIT_FINDINGS, EXIT_INPUT, app, main

__all__ = ["COMMANDS", "EXIT_BUG", "EXIT_FINDINGS", "EXIT_INPUT", "app", "main"]
