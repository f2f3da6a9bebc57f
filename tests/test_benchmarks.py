"""Benchmark records: written with where and when, schema-checked, readable by pages."""

import json

import jsonschema
import pytest

from dsops.shared import benchmarks, paths
from dsops.shared.errors import MissingArtifactError

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
        "toy-step",
        "A toy measurement for the schema test.",
        "Three calls in a row in the test's own process.",
        figures,
        tmp_path,
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
    floor = bench.seconds_in_fresh_interpreter(
        bench.IMPORT_FLOORS["reads processed data"], repeat=1
    )
    assert 0 < floor["median_s"] < 60
    assert bench.kernel_start(project, repeat=1)["runs"] == 1


def test_the_penguins_benchmark_times_each_part_of_the_etl(tmp_path):
    from dsops.penguins import bench

    data = json.loads(bench.run(repeat=1, folder=tmp_path).read_text())
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    figures = data["figures"]
    assert figures["data"] == {"rows": 344}
    parts = ["etl_read_and_check", "etl_clean", "etl_write"]
    assert all(figures[part]["runs"] == 1 and figures[part]["median_s"] > 0 for part in parts)
    assert figures["train"]["runs"] == 1
    assert "one Python process" in data["method"]
