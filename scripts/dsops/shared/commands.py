"""What the project's two command lines (`dsops`, `sitebuild`) share: one error
boundary, shell completion, the `--verbose` switch and a progress bar.

Library code raises `DsopsError` with a sentence saying what is wrong and what to do;
the boundary is the one place that turns it into `error: <sentence>` on stderr and exit
code 1, so no command repeats a try/except. Usage mistakes stay Click's: exit code 2
with a usage message.
"""

import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

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
    """A Typer app behind the error boundary, with plain help and usage text (the same
    in a terminal, a pipe, a CI log and a page: no boxes drawn for one terminal's
    width), without pretty tracebacks (a traceback is a bug to report, not something to
    decorate), and with shell completion: `--install-completion` adds it to the shell
    in use. Each Tab runs the program, which imports only its command layer (commands
    import their libraries inside), so completion answers quickly."""
    return typer.Typer(
        cls=ErrorBoundary,
        help=help_text,
        no_args_is_help=True,
        add_completion=True,
        rich_markup_mode=None,
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


Item = TypeVar("Item")


def progress_bar(description: str) -> Callable[[Sequence[Item]], Iterable[Item]]:
    """Wraps a list of work in a progress bar on stderr, shown only when stderr is a
    terminal: in a pipe, a log file or CI it would be noise among the output."""

    def wrap(items: Sequence[Item]) -> Iterable[Item]:
        if not sys.stderr.isatty():
            return items
        from rich.console import Console
        from rich.progress import track

        console = Console(stderr=True)
        return track(items, description=description, console=console, transient=True)

    return wrap
