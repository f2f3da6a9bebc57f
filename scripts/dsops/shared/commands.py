"""What the project's two command lines (`dsops`, `sitebuild`) share: one error
boundary and the `--verbose` switch.

Library code raises `DsopsError` with a sentence saying what is wrong and what to do;
the boundary is the one place that turns it into `error: <sentence>` on stderr and exit
code 1, so no command repeats a try/except. Usage mistakes stay Click's: exit code 2
with a usage message.
"""

import logging
import sys

import typer
from typer.core import TyperGroup

from dsops.shared.errors import DsopsError


class ErrorBoundary(TyperGroup):
    """A command group whose commands end a `DsopsError` with its message and exit 1."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except DsopsError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(code=1) from None


def command_line(help_text: str) -> typer.Typer:
    """A Typer app behind the error boundary, with no completion install or pretty
    tracebacks (a traceback is a bug to report, not something to decorate)."""
    return typer.Typer(
        cls=ErrorBoundary,
        help=help_text,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )


def log_to_stderr(verbose: bool) -> None:
    """INFO lines (each pipeline step, each write) with --verbose; warnings only without."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


VERBOSE_HELP = "Log each step and what it wrote to stderr."
