from pathlib import Path

import pytest

from dsops.shared.errors import DsopsError
from sitebuild.ci import summary
from sitebuild.ci import test_counts as count_tests

SITES = Path(__file__).parent / "fixtures" / "site"
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="10"/></testsuites>
"""


def test_counts_come_from_the_junit_report(tmp_path):
    report = tmp_path / "results.xml"
    report.write_text(JUNIT)
    assert count_tests(report) == {"passed": 4, "skipped": 3, "failed": 3}


def test_summary_names_tests_pages_and_the_preview(tmp_path):
    report = tmp_path / "results.xml"
    report.write_text(JUNIT)
    text = summary(
        report,
        SITES / "good",
        "https://example.org/artifact/1",
        ["index.html", "sub/page.html", "missing.html"],
    )
    assert text == (
        "❌ Tests: 4 passed, 3 skipped, 3 failed\n\n"
        "📄 Pages built: 2 of 3 (missing: missing.html)\n\n"
        "📦 Preview: [download the rendered site](https://example.org/artifact/1) "
        "(unzip, open index.html)\n"
    )


def test_an_unreadable_report_is_one_clear_error(tmp_path):
    with pytest.raises(DsopsError, match="cannot read the JUnit report"):
        count_tests(tmp_path / "missing.xml")


def test_a_missing_report_is_said_and_the_summary_still_written(tmp_path, runner):
    from sitebuild.cli import app

    missing = tmp_path / "never-written.xml"
    result = runner.invoke(app, ["ci-summary", "--junit", str(missing)])
    assert result.exit_code == 0
    assert result.stdout == (
        f"❌ Tests: no JUnit report at {missing}: the tests did not run to the end "
        "(see the step that failed above)\n"
    )


SCORES = {
    "tool": "lighthouse",
    "version": "12.8.2",
    "form_factor": "mobile",
    "runs_per_page": 3,
    "statistic": "median",
    "goals": {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100},
    "pages": {
        "index.html": {
            "scores": {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}
        },
        "eda.html": {
            "scores": {"performance": 72, "accessibility": 93, "best-practices": 100, "seo": 100}
        },
    },
}


def test_the_summary_shows_the_lighthouse_scores_and_marks_missed_goals(tmp_path, runner):
    import json

    from sitebuild.cli import app

    scores = tmp_path / "lighthouse.json"
    scores.write_text(json.dumps(SCORES))
    result = runner.invoke(app, ["ci-summary", "--lighthouse", str(scores)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "❌ Lighthouse 12.8.2 (mobile, median of 3 runs per page; goals: Performance ≥ 90, "
        "Accessibility 100, Best practices 100, SEO 100)\n"
        "\n"
        "| Page | Performance | Accessibility | Best practices | SEO |\n"
        "|---|---:|---:|---:|---:|\n"
        "| index.html | 98 | 100 | 100 | 100 |\n"
        "| eda.html | 72 ❌ | 93 ❌ | 100 | 100 |\n"
    )


def test_missing_scores_are_said_and_unreadable_ones_are_an_error(tmp_path, runner):
    from sitebuild.cli import app

    missing = runner.invoke(app, ["ci-summary", "--lighthouse", str(tmp_path / "none.json")])
    assert missing.exit_code == 0
    assert missing.stdout.startswith(f"⚠️ Lighthouse: no scores at {tmp_path / 'none.json'}")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    bad = runner.invoke(app, ["ci-summary", "--lighthouse", str(broken)])
    assert bad.exit_code == 1
    assert bad.stderr.startswith(f"error: {broken}: cannot read the Lighthouse scores")
