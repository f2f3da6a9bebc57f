"""What the project's two command lines (`dsops`, `sitebuild`) share: one error
boundary, shell completion, the `--verbose` switch and a progress bar.

Library code raises `DsopsError` with a sentence saying what is wrong and what to do;
the boundary is the one place that turns it into `error: <sentence>` on stderr and exit
code 1, so no command repeats a try/except. Usage mistakes stay Click's: exit code 2
with a usage message.
"""

import logging
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import typer
from typer.core import TyperGroup

from dsops.shared.errors import DsopsError
from dsops.shared.logs import RUN_LOGGER, close_log_files

run_log = logging.getLogger(RUN_LOGGER)


class ErrorBoundary(TyperGroup):
    """A command group whose commands end a `DsopsError` with its message and exit 1.

    It also records how each run ended, with its time, for a log file (`--log-file`),
    then closes the file: exit code 0, 1 for an error a user can fix, 2 for a wrong call,
    or a crash with its traceback. Those records go to the file only; on stderr the
    user reads one sentence."""

    def invoke(self, ctx: typer.Context):
        started = time.perf_counter()
        try:
            result = super().invoke(ctx)
        except DsopsError as err:
            record_end(ctx, started, 1, f"failed: {err}")
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(code=1) from None
        except typer.Exit as done:  # a command's own exit code
            record_end(ctx, started, done.exit_code)
            raise
        except typer.TyperException as err:  # a wrong call (Typer's copy of Click's errors)
            record_end(ctx, started, err.exit_code, f"failed: {err.format_message()}")
            raise
        except Exception:
            record_end(ctx, started, "crashed")
            raise
        else:
            record_end(ctx, started, 0)
            return result
        finally:
            close_log_files()


def record_end(ctx: typer.Context, started: float, exit_code: int | str, message: str = ""):
    """The last record of a run: its command, exit code and seconds."""
    if exit_code == "crashed":
        level, message = logging.CRITICAL, "crashed"
    else:
        level = logging.INFO if exit_code == 0 else logging.ERROR
        message = message or ("finished" if exit_code == 0 else "failed")
    run_log.log(
        level,
        f"{ctx.invoked_subcommand} {message}",
        extra={
            "command": ctx.invoked_subcommand,
            "exit_code": exit_code,
            "seconds": round(time.perf_counter() - started, 6),
        },
        exc_info=exit_code == "crashed",
    )


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
    """INFO lines (each pipeline step, each write) with --verbose; warnings only without.
    The level is set on the stderr handler, so that a log file (`logs.log_to_file`) can
    still keep every INFO record; the run's own records go to the file only."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(lambda record: record.name != RUN_LOGGER)
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


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
