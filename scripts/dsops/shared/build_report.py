"""Execution time and status of every page, for the site's build report page: from the
page-execution tests' JUnit report when the build has one (DSOPS_PAGE_REPORT names it),
else from the committed `make bench` record. If DSOPS_PAGE_REPORT names a file that is
not there (in CI: the test job wrote no report), the record is used and the report page
says why."""

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dsops.shared import benchmarks
from dsops.shared.errors import DsopsError

REPORT_ENV = "DSOPS_PAGE_REPORT"
PAGE_TEST = re.compile(r"^test_page_executes\[(?P<page>.+)\]$")
BENCH_RECORD = "site-pages"


@dataclass(frozen=True)
class PageTimes:
    table: pd.DataFrame  # page, seconds, status; slowest first
    source: str  # a sentence saying where the figures come from


def from_junit(path: Path) -> pd.DataFrame:
    """Each page-execution test case of a pytest JUnit report: page, seconds, status."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise DsopsError(f"{path}: cannot read the JUnit report ({err}).") from None
    rows = []
    for case in root.iter("testcase"):
        match = PAGE_TEST.match(case.get("name", ""))
        if not match:
            continue
        status = "passed"
        if case.find("failure") is not None or case.find("error") is not None:
            status = "failed"
        elif case.find("skipped") is not None:
            status = "skipped"
        rows.append(
            {"page": match["page"], "seconds": float(case.get("time", 0)), "status": status}
        )
    return pd.DataFrame(rows, columns=["page", "seconds", "status"])


def from_benchmark(record: dict) -> pd.DataFrame:
    """Page medians from a `make bench` record."""
    rows = [
        {"page": name.removeprefix("page: "), "seconds": figures["median_s"], "status": "passed"}
        for name, figures in record["figures"].items()
        if name.startswith("page: ")
    ]
    return pd.DataFrame(rows, columns=["page", "seconds", "status"])


def page_times(environ: dict | None = None) -> PageTimes:
    """The figures the build report shows, slowest first, and where they come from."""
    environ = dict(os.environ) if environ is None else environ
    junit = environ.get(REPORT_ENV)
    if junit and Path(junit).is_file():
        table = from_junit(Path(junit))
        source = "the page-execution tests of this build (their JUnit report)"
    else:
        record = benchmarks.read(BENCH_RECORD)
        table = from_benchmark(record)
        source = (
            f"make bench (medians of {next(iter(record['figures'].values()))['runs']} runs), "
            f"{benchmarks.provenance(record)}"
        )
        if junit:
            source += (
                f", because this build has no page-execution report ({Path(junit).name} "
                "was not written: see the build's test job)"
            )
    table = table.sort_values(["seconds", "page"], ascending=[False, True], ignore_index=True)
    return PageTimes(table=table, source=source)
