"""The build report's figures: from a JUnit report when there is one, else from the
committed benchmark record; slowest first; the source said."""

import pytest

from dsops.shared.build_report import REPORT_ENV, from_benchmark, page_times
from dsops.shared.errors import DsopsError

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4">
<testcase classname="tests.test_pages" name="test_page_executes[index.qmd]" time="0.9"/>
<testcase classname="tests.test_pages" name="test_page_executes[analyses/a/eda.qmd]" time="9.5"/>
<testcase classname="tests.test_pages" name="test_page_executes[analyses/a/model.qmd]" time="2.0">
<failure message="boom">Traceback</failure></testcase>
<testcase classname="tests.test_etl" name="test_something_else" time="5.0"/>
</testsuite></testsuites>
"""


def test_a_junit_report_gives_times_and_status_slowest_first(tmp_path):
    report = tmp_path / "results.xml"
    report.write_text(JUNIT)
    times = page_times({REPORT_ENV: str(report)})
    assert times.table.to_dict("records") == [
        {"page": "analyses/a/eda.qmd", "seconds": 9.5, "status": "passed"},
        {"page": "analyses/a/model.qmd", "seconds": 2.0, "status": "failed"},
        {"page": "index.qmd", "seconds": 0.9, "status": "passed"},
    ]
    assert times.source == "the page-execution tests of this build (their JUnit report)"


def test_without_a_report_the_committed_benchmark_is_used_and_named():
    times = page_times({})
    assert "analyses/penguins/eda.qmd" in set(times.table["page"])
    assert times.table["seconds"].is_monotonic_decreasing
    assert times.source.startswith("make bench (medians of ")
    assert "measured on " in times.source


def test_benchmark_pages_only():
    record = {"figures": {"kernel start": {"median_s": 1}, "page: x.qmd": {"median_s": 2.5}}}
    assert from_benchmark(record).to_dict("records") == [
        {"page": "x.qmd", "seconds": 2.5, "status": "passed"}
    ]


def test_an_unreadable_report_is_one_sentence(tmp_path):
    report = tmp_path / "results.xml"
    report.write_text("<testsuites><testsuite")
    with pytest.raises(DsopsError, match=r"results\.xml: cannot read the JUnit report"):
        page_times({REPORT_ENV: str(report)})


def test_a_missing_report_falls_back_to_the_benchmark_and_says_why(tmp_path):
    times = page_times({REPORT_ENV: str(tmp_path / "test-results.xml")})
    assert "analyses/penguins/eda.qmd" in set(times.table["page"])
    assert times.source.startswith("make bench (medians of ")
    assert times.source.endswith(
        ", because this build has no page-execution report (test-results.xml was not "
        "written: see the build's test job)"
    )
