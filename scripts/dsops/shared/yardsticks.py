"""What benchmarks measure pipeline steps against: bare reads by the libraries the
steps build on. Each is called by `benchmarks.child_run` in a fresh process, which
imports this module (and so the library) before it starts the clock, as it does for
the step measured against it."""

import pandas as pd
import pyarrow.csv


def pyarrow_csv_read(path: str) -> None:
    """pyarrow.csv reads a CSV file (types inferred, every core)."""
    pyarrow.csv.read_csv(path)


def pandas_csv_read(path: str) -> None:
    """pandas reads a CSV file with Arrow's parser."""
    pd.read_csv(path, engine="pyarrow")
