"""Benchmarks of the penguins pipeline steps (run by `make bench`)."""

import tempfile
from pathlib import Path

from dsops.penguins.data import load_penguins
from dsops.penguins.etl import run_etl
from dsops.penguins.train import train
from dsops.shared import benchmarks, paths
from dsops.shared.store import ModelStore

NAME = "penguins-pipeline"


def run(repeat: int = 5) -> Path:
    """Time the ETL, reading the processed table, and training; record the figures."""
    with tempfile.TemporaryDirectory(prefix="dsops-bench-") as scratch:
        out = Path(scratch)
        figures = {
            "etl": benchmarks.timed(lambda: run_etl(paths.RAW_PENGUINS, out / "p"), repeat),
            "load_processed": benchmarks.timed(lambda: load_penguins(out / "p/penguins.parquet")),
            "train": benchmarks.timed(
                lambda: train(out / "p/penguins.parquet", ModelStore(out / "m")), repeat=3
            ),
        }
    return benchmarks.record(
        NAME,
        "Penguins pipeline steps on the real export (344 rows), in-process, warm imports: "
        "dsops etl, reading the processed Parquet, dsops train (evaluation and store write).",
        figures,
    )
