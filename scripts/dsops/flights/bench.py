"""Benchmarks of the flights ETL (run by `make bench`): the real tables and synthetic
ones with 10 and 30 times the flights, against a bare pandas read of the same CSV."""

import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from dsops.flights.columns import FILES, FLIGHTS_CSV
from dsops.flights.etl import run_flights_etl
from dsops.flights.samples import read_flight_lines
from dsops.shared import benchmarks, paths

NAME = "flights-etl"
SCALES = (1, 10, 30)
GOALS = {"throughput_vs_bare_read_at_least": 0.5, "peak_memory_vs_in_memory_at_most": 3.0}
YARDSTICK = "dsops.shared.yardsticks:pandas_csv_read"
# Memory written to before each timed run (see benchmarks.child_run): more than either
# run needs (the ETL's peak was about 0.6 GB, 2.6 GB and 7.0 GB for 56 MB, 559 MB and 1.7 GB of
# flights in memory).
WARM_BYTES_PER_IN_MEMORY_BYTE, WARM_BYTES_AT_LEAST = 6, 1 << 29


def synthetic_raw(scale: int, target: Path, seed: int = paths.SEED) -> Path:
    """The raw folder with `scale` times the flights: whole real rows drawn at random
    (so every column keeps its distribution and its relations to the others), the other
    four tables as they are. Scale 1 is the real folder, copied."""
    target.mkdir(parents=True, exist_ok=True)
    for name, file in FILES.items():
        if name != "flights":
            shutil.copyfile(paths.RAW_FLIGHTS_DIR / file, target / file)
    source = paths.RAW_FLIGHTS_DIR / FILES["flights"]
    if scale == 1:
        shutil.copyfile(source, target / FILES["flights"])
        return target
    header, body = read_flight_lines(source)
    lines = pyarrow.array([line.decode() for line in body], pyarrow.large_string())
    rng = np.random.default_rng(seed)
    drawn = lines.take(np.sort(rng.integers(0, len(lines), size=len(lines) * scale)))
    newline = pyarrow.array([""], pyarrow.large_string()).take(np.zeros(len(drawn), np.int64))
    text = pc.binary_join_element_wise(drawn, newline, pyarrow.scalar("\n", drawn.type))
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)
    data = memoryview(text.buffers()[2])[offsets[text.offset] : offsets[text.offset + len(text)]]
    with (
        zipfile.ZipFile(target / FILES["flights"], "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open(FLIGHTS_CSV, "w", force_zip64=True) as out,
    ):
        out.write(header + b"\n")
        out.write(data)
    return target


def etl_once(raw_dir: str, database: str) -> None:
    """One full `dsops flights-etl` run into a new database."""
    Path(database).unlink(missing_ok=True)
    run_flights_etl(Path(raw_dir), Path(database))


def run(scales: tuple[int, ...] = SCALES, repeat: int = 3, folder: Path = paths.BENCHMARKS_DIR):
    """Each scale: the ETL (a fresh process per run) against a bare read of the same
    decompressed flights CSV, medians and peak memory; the real data runs `repeat`
    times, the synthetic scales once each."""
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="dsops-flights-bench-") as scratch:
        for scale in scales:
            raw = synthetic_raw(scale, Path(scratch) / f"raw-{scale}")
            csv = Path(scratch) / f"flights-{scale}.csv"
            with zipfile.ZipFile(raw / FILES["flights"]) as archive, open(csv, "wb") as out:
                shutil.copyfileobj(archive.open(FLIGHTS_CSV), out, 1 << 20)
            frame = pd.read_csv(csv, engine="pyarrow")
            rows, in_memory = len(frame), int(frame.memory_usage(deep=True).sum())
            del frame
            runs = repeat if scale == 1 else 1
            warm = WARM_BYTES_PER_IN_MEMORY_BYTE * in_memory + WARM_BYTES_AT_LEAST
            reads, etls = benchmarks.interleaved(
                (YARDSTICK, str(csv)),
                (f"{__name__}:etl_once", str(raw), f"{scratch}/f.duckdb"),
                runs,
                warm,
            )
            read = benchmarks.summarise([r["seconds"] for r in reads], digits=3)
            etl = benchmarks.summarise([r["seconds"] for r in etls], digits=3)
            etl_peak = max(r["peak_bytes"] for r in etls)
            figures[f"scale_{scale}"] = {
                "scale": scale,
                "flights": rows,
                "csv_mb": round(csv.stat().st_size / 1e6),
                "in_memory_mb": round(in_memory / 1e6),
                **{f"bare_read_{k}": v for k, v in read.items()},
                **{f"etl_{k}": v for k, v in etl.items()},
                "bare_read_peak_mb": round(max(r["peak_bytes"] for r in reads) / 1e6),
                "etl_peak_mb": round(etl_peak / 1e6),
                "throughput_vs_bare_read": round(read["median_s"] / etl["median_s"], 3),
                "peak_memory_vs_in_memory": round(etl_peak / in_memory, 2),
            }
            shutil.rmtree(raw)
            csv.unlink()
    figures["goals"] = GOALS
    return benchmarks.record(
        NAME,
        "dsops flights-etl (a full load into a new DuckDB file) on the real NYC flights 2013 "
        "tables and on synthetic ones with 10 and 30 times the flights (real rows drawn at "
        "random), each run in a fresh process, against pandas.read_csv(engine='pyarrow') of "
        "the same decompressed flights CSV, each after the same memory warm-up: seconds of "
        "the call, peak resident memory, and the bare read's DataFrame size in memory.",
        figures,
        folder,
    )
