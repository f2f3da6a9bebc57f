"""Benchmarks of the penguins pipeline steps at their real size (run by `make bench`):
the ETL's three parts and the whole of it, reading the processed table, training."""

import tempfile
from pathlib import Path

from dsops.penguins.data import load_penguins
from dsops.penguins.etl import clean_penguins, read_raw, run_etl, write_outputs
from dsops.penguins.train import train
from dsops.shared import benchmarks, paths
from dsops.shared.store import ModelStore

NAME = "penguins-pipeline"


def run(repeat: int = 5, folder: Path = paths.BENCHMARKS_DIR) -> Path:
    """Time each step on the real export; record the figures."""
    raw = read_raw(paths.RAW_PENGUINS)  # also imports everything the steps use
    clean = clean_penguins(raw)
    with tempfile.TemporaryDirectory(prefix="dsops-bench-") as scratch:
        out = Path(scratch)
        figures = {
            "data": {"rows": len(clean)},
            "etl_read_and_check": benchmarks.timed(lambda: read_raw(paths.RAW_PENGUINS), repeat),
            "etl_clean": benchmarks.timed(lambda: clean_penguins(raw), repeat),
            "etl_write": benchmarks.timed(lambda: write_outputs(clean, out / "w"), repeat),
            "etl": benchmarks.timed(lambda: run_etl(paths.RAW_PENGUINS, out / "p"), repeat),
            "load_processed": benchmarks.timed(
                lambda: load_penguins(out / "p" / paths.PENGUINS_PARQUET_NAME), repeat
            ),
            "train": benchmarks.timed(
                lambda: train(out / "p" / paths.PENGUINS_PARQUET_NAME, ModelStore(out / "m")),
                repeat=min(repeat, 3),
            ),
        }
    return benchmarks.record(
        NAME,
        "The penguins pipeline on the real export (344 rows): dsops etl in its three parts "
        "(read and check the text against the raw schema; the cleaning steps and the clean "
        "schema; writing Parquet and DuckDB) and whole, reading the processed Parquet, and "
        "dsops train (evaluation, cross-validation and the model store write).",
        f"In one Python process with every library already imported; each step called "
        f"{repeat} times in a row (training {min(repeat, 3)}), wall-clock seconds of each "
        "call, summarised by median, fastest and slowest.",
        figures,
        folder,
    )
