"""DuckDB connections as pipeline steps want them."""

import contextlib

import duckdb


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bar: a command-line step prints one line, not bars. In a Jupyter
    kernel DuckDB refuses the setting unless ipywidgets is installed; the page runner's
    check that nothing reaches stderr shows it draws no bar there."""
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
