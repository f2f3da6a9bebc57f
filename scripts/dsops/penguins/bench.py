"""Benchmarks of the penguins pipeline steps (run by `make bench`)."""

import statistics
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


SCALE_NAME = "penguins-etl-scale"
SCALE_ROWS = (1_000_000, 10_000_000)
# Sizes also measured with a different Individual ID on every row, the case the ETL's
# distinct-text design is weakest at (the plain synthetic export repeats the real IDs).
DISTINCT_ID_ROWS = (1_000_000,)
# The goals the ETL is held to at scale, against a bare Arrow read of the same file.
GOALS = {"throughput_vs_pyarrow_at_least": 0.25, "peak_memory_vs_file_at_most": 2.0}
YARDSTICK = "dsops.shared.yardsticks:pyarrow_csv_read"
# Memory written to before each timed run (see benchmarks.child_run): more than either
# run needs (the typed Arrow read peaks at 3-4 times the file, the ETL at about 0.9 GB
# for a 158 MB file and 2.8 GB for a 1.6 GB one).
WARM_BYTES_PER_FILE_BYTE, WARM_BYTES_AT_LEAST = 4, 1 << 30


def etl_once(raw: str, out: str) -> None:
    """One `dsops etl` run, as the library call the command makes."""
    run_etl(Path(raw), Path(out))


def _summary(prefix: str, runs: list[dict[str, float]]) -> dict[str, float | int]:
    figures = benchmarks.summarise([run["seconds"] for run in runs], digits=3)
    figures["cpu_median_s"] = round(statistics.median(run["cpu_seconds"] for run in runs), 3)
    figures["peak_mb"] = round(max(run["peak_bytes"] for run in runs) / 1e6)
    return {f"{prefix}_{key}": value for key, value in figures.items()}


def run_scale(
    rows: tuple[int, ...] = SCALE_ROWS,
    repeat: int = 5,
    folder: Path = paths.BENCHMARKS_DIR,
    distinct_id_rows: tuple[int, ...] = DISTINCT_ID_ROWS,
) -> Path:
    """The ETL on synthetic exports of each size in `rows` (and in `distinct_id_rows`,
    with an ID per row), each run in a fresh process that starts after the same memory
    warm-up, interleaved with a pyarrow.csv read of the same file; medians and peak
    memory."""
    figures: dict[str, dict] = {}
    runs = [(count, False) for count in rows] + [(count, True) for count in distinct_id_rows]
    with tempfile.TemporaryDirectory(prefix="dsops-scale-") as scratch:
        for count, distinct_ids in runs:
            name = f"rows_{count}" + ("_distinct_ids" if distinct_ids else "")
            raw = synthetic_export(
                count, Path(scratch) / f"penguins-{name}.csv", distinct_ids=distinct_ids
            )
            warm = max(WARM_BYTES_PER_FILE_BYTE * raw.stat().st_size, WARM_BYTES_AT_LEAST)
            reads, etls = benchmarks.interleaved(
                (YARDSTICK, str(raw)),
                (f"{__name__}:etl_once", str(raw), f"{scratch}/out"),
                repeat,
                warm,
            )
            read, etl = _summary("pyarrow_read", reads), _summary("etl", etls)
            size = raw.stat().st_size
            figures[name] = {
                "rows": count,
                "individual_ids": "one per row" if distinct_ids else "drawn from the real ones",
                "file_mb": round(size / 1e6),
                **read,
                **etl,
                "throughput_vs_pyarrow": round(
                    read["pyarrow_read_median_s"] / etl["etl_median_s"], 3
                ),
                # the same on CPU seconds: the work done, however well it uses the cores
                "cpu_throughput_vs_pyarrow": round(
                    read["pyarrow_read_cpu_median_s"] / etl["etl_cpu_median_s"], 3
                ),
                "peak_memory_vs_file": round(etl["etl_peak_mb"] * 1e6 / size, 2),
            }
            raw.unlink()
    figures["goals"] = GOALS
    return benchmarks.record(
        SCALE_NAME,
        "dsops etl on synthetic exports in the LTER file's format (rows drawn from the real "
        "export's per-species values; with distinct_ids, a different Individual ID on every "
        "row), each run in a fresh process after the same memory "
        "warm-up, against a pyarrow.csv read of the same file: wall-clock and CPU seconds "
        "of the call (imports excluded) and the process's peak resident memory.",
        figures,
        folder,
    )


def _as_written(values: list[str]) -> list[str]:
    """Each value as a CSV writer writes it (quoted only when it must be)."""
    import csv
    import io

    written = []
    for value in values:
        line = io.StringIO()
        csv.writer(line, lineterminator="").writerow([value])
        written.append(line.getvalue())
    return written


def synthetic_export(
    rows: int, target: Path, seed: int = paths.SEED, distinct_ids: bool = False
) -> Path:
    """A raw export of `rows` rows in the LTER file's exact format, drawn from the real
    rows (each column sampled from the real values of the row's species, so every value
    is one the schema accepts), with sample numbers renumbered so the key stays unique
    (and with `distinct_ids`, Individual IDs N1A1, N2A1, ..., one per row). Built with
    Arrow's kernels and written as one buffer per column join: ten million
    rows take about half a minute."""
    import numpy as np
    import pyarrow
    import pyarrow.compute as pc
    import pyarrow.csv

    real = pyarrow.csv.read_csv(
        paths.RAW_PENGUINS,
        convert_options=pyarrow.csv.ConvertOptions(
            column_types={}, strings_can_be_null=False, null_values=[]
        ),
    )
    TEXT = pyarrow.large_string()  # 64-bit offsets: the joined rows pass 2 GB at 14M rows
    real = real.cast(pyarrow.schema([(name, pyarrow.string()) for name in real.column_names]))
    rng = np.random.default_rng(seed)
    labels = real.column("Species").to_numpy(zero_copy_only=False)
    names = np.unique(labels)
    species = rng.integers(0, len(names), size=rows)
    rows_of = [np.flatnonzero(labels == name) for name in names]
    counts = np.bincount(species, minlength=len(names))
    columns = []
    for column in real.column_names:
        if column == "Species":
            columns.append(pyarrow.array(_as_written(list(names)), TEXT).take(species))
        elif column == "Sample Number":  # 1, 2, ... within each species, in file order
            number = np.empty(rows, dtype=np.int64)
            order = np.argsort(species, kind="stable")
            number[order] = np.arange(rows) - np.repeat(np.cumsum(counts) - counts, counts) + 1
            columns.append(pyarrow.array(number).cast(TEXT))
        else:
            pick = np.empty(rows, dtype=np.int64)
            for code, candidates in enumerate(rows_of):
                where = species == code
                pick[where] = candidates[rng.integers(0, len(candidates), size=int(where.sum()))]
            pool = pyarrow.array(_as_written(real.column(column).to_pylist()), TEXT)
            columns.append(pool.take(pick))
            if column == "Individual ID" and distinct_ids:  # N1A1, N2A1, ... (same draws)
                row = pyarrow.array(np.arange(1, rows + 1)).cast(TEXT)
                parts = [pyarrow.scalar(text, TEXT) for text in ("N", "A1", "")]
                columns[-1] = pc.binary_join_element_wise(parts[0], row, *parts[1:])
    lines = pc.binary_join_element_wise(*columns, pyarrow.scalar(",", TEXT))
    newline = pyarrow.array([""], TEXT).take(np.zeros(rows, dtype=np.int64))
    lines = pc.binary_join_element_wise(
        lines, newline, pyarrow.scalar("\n", TEXT)
    )  # each row ends in \n
    with open(target, "wb") as handle:
        handle.write((",".join(_as_written(real.column_names)) + "\n").encode())
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
        start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
        handle.write(memoryview(lines.buffers()[2])[start:end])
    return target
