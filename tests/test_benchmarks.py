"""Benchmark records: written with where and when, schema-checked, readable by pages."""

import json

import jsonschema
import pytest

from dsops.shared import benchmarks, paths
from dsops.shared.errors import DsopsError, MissingArtifactError

SCHEMA = json.loads((paths.BENCHMARKS_DIR / benchmarks.SCHEMA_FILE).read_text())
RECORDS = sorted(p for p in paths.BENCHMARKS_DIR.glob("*.json") if p.name != benchmarks.SCHEMA_FILE)


@pytest.mark.parametrize("record", RECORDS, ids=[p.name for p in RECORDS])
def test_committed_records_match_the_schema(record):
    data = json.loads(record.read_text())
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert record.stem == data["name"]


def test_there_is_at_least_one_committed_record():
    assert RECORDS, "run `make bench` and commit data/benchmarks/*.json"


def test_a_new_record_matches_the_schema_and_reads_back(tmp_path):
    figures = {"step": benchmarks.timed(lambda: sum(range(1000)), repeat=3)}
    path = benchmarks.record(
        "toy-step", "A toy measurement for the schema test.", figures, tmp_path
    )
    data = benchmarks.read("toy-step", tmp_path)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert data["figures"]["step"]["runs"] == 3
    assert data["figures"]["step"]["min_s"] <= data["figures"]["step"]["median_s"]
    assert path == tmp_path / "toy-step.json"


def test_a_missing_record_names_make_bench(tmp_path):
    with pytest.raises(
        MissingArtifactError, match=r"nothing\.json does not exist yet: run `make bench`"
    ):
        benchmarks.read("nothing", tmp_path)


def test_provenance_says_where_and_when():
    record = {
        "measured_at": "2026-11-22T19:32:47+00:00",
        "git": {"commit": "e60036664fece047e4324c865692f7a22aabeea5", "modified": True},
        "machine": {"cpus": 2, "system": "Linux", "machine": "x86_64", "python": "3.11.7"},
    }
    assert benchmarks.provenance(record) == (
        "measured on 2026-11-22 on a 2-CPU Linux x86_64 machine with Python 3.11.7, "
        "at commit e600366 with local changes"
    )


def test_the_page_benchmark_measures_what_it_says(tmp_path):
    from sitebuild import bench
    from sitebuild.project import load_project

    project = load_project()
    page = paths.PROJ_ROOT / "tests" / "fixtures" / "pages" / "ok.qmd"
    times = bench.page_times(project, [page], repeat=1)
    assert list(times) == ["tests/fixtures/pages/ok.qmd"]
    assert times["tests/fixtures/pages/ok.qmd"]["runs"] == 1
    floor = bench._seconds(bench.IMPORT_FLOORS["reads processed data"], repeat=1)
    assert 0 < floor["median_s"] < 60
    assert bench.kernel_start(project, repeat=1)["runs"] == 1


def test_a_child_run_reports_the_call_time_its_cpu_time_and_peak_memory():
    figures = benchmarks.child_run("json:loads", "[1, 2]")
    assert 0 < figures["seconds"] < 5
    assert 0 <= figures["cpu_seconds"] < 5
    idle = benchmarks.child_run("os:system", "sleep 0.5")  # waits on a shell: no CPU here
    assert idle["seconds"] >= 0.5 and idle["cpu_seconds"] < 0.2  # CPU time, not wall-clock
    busy = benchmarks.child_run("dsops.shared.benchmarks:touch_memory", str(400 << 20))
    assert busy["cpu_seconds"] > 0.05  # writing 400 MB takes CPU time
    assert 5e6 < figures["peak_bytes"] < 5e9  # a Python process: megabytes, not bytes


def test_a_failing_child_run_is_one_sentence():
    with pytest.raises(DsopsError, match=r"benchmark run json:loads \{ failed: .*JSONDecodeError"):
        benchmarks.child_run("json:loads", "{")


def test_the_scale_benchmark_compares_the_etl_with_a_bare_read(tmp_path):
    from dsops.penguins import bench

    path = bench.run_scale(rows=(3000,), repeat=1, folder=tmp_path, distinct_id_rows=(2000,))
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert set(data["figures"]) == {"rows_3000", "rows_2000_distinct_ids", "goals"}
    assert data["figures"]["rows_2000_distinct_ids"]["individual_ids"] == "one per row"
    run = data["figures"]["rows_3000"]
    assert run["rows"] == 3000 and run["file_mb"] >= 0
    assert run["individual_ids"] == "drawn from the real ones"
    assert run["etl_runs"] == run["pyarrow_read_runs"] == 1
    assert run["etl_peak_mb"] > 0
    assert run["throughput_vs_pyarrow"] == round(
        run["pyarrow_read_median_s"] / run["etl_median_s"], 3
    )
    assert run["cpu_throughput_vs_pyarrow"] == round(
        run["pyarrow_read_cpu_median_s"] / run["etl_cpu_median_s"], 3
    )
    assert run["etl_cpu_median_s"] > 0 and run["pyarrow_read_cpu_median_s"] > 0
    assert data["figures"]["goals"] == bench.GOALS


def test_a_child_run_does_not_count_the_parents_memory():
    ballast = b"\x01" * 400_000_000  # 400 MB resident in this process while the child runs
    figures = benchmarks.child_run("json:loads", "[1]")
    assert figures["peak_bytes"] < 300e6, figures
    del ballast


def test_a_warm_up_touches_memory_in_its_own_process(monkeypatch):
    """The warm-up really writes to the memory it is given, runs before the measured call
    when asked for (and only then), and the figures returned are the measured call's."""
    warmed = benchmarks._run_child("dsops.shared.benchmarks:touch_memory", "400000000")
    assert warmed["peak_bytes"] > 400e6, warmed
    figures = benchmarks.child_run("json:loads", "[1]", warm_bytes=400_000_000)
    assert figures["peak_bytes"] < 300e6, figures

    calls = []
    monkeypatch.setattr(benchmarks, "_run_child", lambda *args: calls.append(args) or {})
    benchmarks.child_run("json:loads", "[1]", warm_bytes=123)
    benchmarks.child_run("json:loads", "[2]")
    assert calls == [
        ("dsops.shared.benchmarks:touch_memory", "123"),
        ("json:loads", "[1]"),
        ("json:loads", "[2]"),
    ]
    calls.clear()
    benchmarks.interleaved(("json:loads", "[3]"), ("json:loads", "[4]"), runs=2, warm_bytes=5)
    warm_up = ("dsops.shared.benchmarks:touch_memory", "5")
    assert calls == [warm_up, ("json:loads", "[3]"), warm_up, ("json:loads", "[4]")] * 2
