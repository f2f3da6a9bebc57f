"""The flights ETL benchmark measures what it says and writes a valid record."""

import json

import jsonschema

from dsops.flights import bench
from dsops.shared import benchmarks, paths

SCHEMA = json.loads((paths.BENCHMARKS_DIR / benchmarks.SCHEMA_FILE).read_text())


def test_the_benchmark_records_each_run_and_part(tmp_path):
    path = bench.run(repeat=1, folder=tmp_path)
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    figures = data["figures"]
    assert figures["data"] == {"flights": 336_776}
    timed = {name: f for name, f in figures.items() if name != "data"}
    assert set(timed) == {
        "full_load",
        "rerun_nothing_changed",
        "rerun_same_rows_new_file",
        "rerun_one_month_changed",
        "read_and_check",
        "cleaning_steps",
        "enrich",
    }
    assert all(f["runs"] == 1 and f["median_s"] > 0 for f in timed.values())
    # a rerun that finds nothing to do skips the join and the load
    assert figures["rerun_nothing_changed"]["median_s"] < figures["full_load"]["median_s"]
