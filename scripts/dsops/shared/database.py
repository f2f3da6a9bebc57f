"""DuckDB connections as pipeline steps want them, and write errors as one sentence."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from dsops.shared.errors import DsopsError


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bar: a command-line step prints one line, not bars. In a Jupyter
    kernel DuckDB refuses the setting unless ipywidgets is installed; the page runner's
    check that nothing reaches stderr shows it draws no bar there."""
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")


@contextlib.contextmanager
def reported_write_errors(what: str, folder: Path) -> Iterator[None]:
    """A failed write of `what` in `folder` (the disk, a permission, DuckDB) as one
    sentence; outputs are written atomically, so earlier ones are still there."""
    kept = "earlier outputs were left as they were."
    try:
        yield
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        raise DsopsError(
            f"cannot write {what} in {folder}: {err.strerror or err}{where}. "
            f"Pass --out with a folder you can write to; {kept}"
        ) from None
    except duckdb.Error as err:
        raise DsopsError(
            f"DuckDB could not write {what} in {folder} ({' '.join(str(err).split())}); {kept}"
        ) from None
