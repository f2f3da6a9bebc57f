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


def synthetic_export(rows: int, target: Path, seed: int = paths.SEED) -> Path:
    """A raw export of `rows` rows in the LTER file's exact format, drawn from the real
    rows (each column sampled from the real values of the row's species, so every value
    is one the schema accepts), with sample numbers renumbered so the key stays unique."""
    import numpy as np
    import pandas as pd

    real = pd.read_csv(paths.RAW_PENGUINS, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    species = rng.choice(real["Species"].unique(), size=rows)
    columns = {}
    for column in real.columns:
        values = np.empty(rows, dtype=object)
        for name in np.unique(species):
            pool = real.loc[real["Species"] == name, column].to_numpy()
            where = species == name
            values[where] = pool[rng.integers(0, len(pool), size=int(where.sum()))]
        columns[column] = values
    frame = pd.DataFrame(columns)
    frame["Species"] = species
    frame["Sample Number"] = (frame.groupby("Species").cumcount() + 1).astype(str)
    frame.to_csv(target, index=False)
    return target
