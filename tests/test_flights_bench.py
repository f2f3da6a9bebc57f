"""The flights ETL benchmark measures what it says, on synthetic data the ETL accepts."""

import json
import zipfile

import jsonschema

from dsops.flights import bench
from dsops.shared import benchmarks, paths

SCHEMA = json.loads((paths.BENCHMARKS_DIR / benchmarks.SCHEMA_FILE).read_text())


def test_synthetic_flights_are_real_rows_scaled(tmp_path):
    raw = bench.synthetic_raw(2, tmp_path / "raw")
    with zipfile.ZipFile(raw / "flights.csv.zip") as archive:
        lines = archive.read("flights.csv").decode().splitlines()
    with zipfile.ZipFile(paths.RAW_FLIGHTS_DIR / "flights.csv.zip") as archive:
        real = archive.read("flights.csv").decode().splitlines()
    assert lines[0] == real[0]
    assert len(lines) - 1 == 2 * (len(real) - 1)
    assert set(lines[1:]) <= set(real[1:])
    weather = paths.RAW_FLIGHTS_DIR / "weather.csv"
    assert (raw / "weather.csv").read_bytes() == weather.read_bytes()


def test_the_benchmark_records_the_etl_against_a_bare_read(tmp_path):
    path = bench.run(scales=(1,), repeat=1, folder=tmp_path)
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    real = data["figures"]["scale_1"]
    assert real["flights"] == 336_776
    assert real["etl_runs"] == real["bare_read_runs"] == 1
    assert real["throughput_vs_bare_read"] == round(
        real["bare_read_median_s"] / real["etl_median_s"], 3
    )
    assert real["etl_peak_mb"] > real["in_memory_mb"] > 0
    assert data["figures"]["goals"] == bench.GOALS
