"""The flights rules checked three ways (dsops.flights.validators): each approach
passes a good table and catches every bad input, and the measuring code counts lines,
walks a lock file and reads a record as it says."""

import json

import pandas as pd
import pytest

from dsops.flights.validators import by_hand, compare, report, rules, with_gx, with_pandera
from dsops.shared import footprint, paths

FIXTURES = paths.PROJ_ROOT / "tests" / "fixtures" / "footprint"
CHECKS = {"by hand": by_hand.check, "pandera": with_pandera.check, "gx": with_gx.check}


@pytest.fixture(scope="module")
def good() -> pd.DataFrame:
    """Six flights that keep every rule, one of them cancelled (no delay)."""
    return pd.DataFrame(
        {
            "flight_id": [1, 2, 3, 4, 5, 6],
            "month": [1, 1, 6, 7, 12, 12],
            "carrier": ["UA", "AA", "B6", "DL", "9E", "WN"],
            "origin": ["EWR", "LGA", "JFK", "JFK", "LGA", "EWR"],
            "dep_delay": [2, -5, None, 1300, 0, -43],
            "distance": [1400, 1416, 1089, 1576, 762, 17],
        }
    ).astype(rules.COLUMNS)


@pytest.mark.parametrize("approach", CHECKS)
def test_a_table_that_keeps_the_rules_passes(approach, good):
    assert CHECKS[approach](good) == []


@pytest.mark.parametrize("approach", CHECKS)
def test_each_bad_input_is_caught_naming_the_column(approach, good):
    broken = rules.bad_inputs(good)
    assert list(broken) == [
        "missing column",
        "wrong type",
        "null key",
        "out of range",
        "unknown code",
    ]
    named = {
        "missing column": "carrier",
        "wrong type": "dep_delay",
        "null key": "flight_id",
        "out of range": "month",
        "unknown code": "carrier",
    }
    for name, frame in broken.items():
        messages = CHECKS[approach](frame)
        assert messages, f"{approach} let {name} through"
        assert any(named[name] in message for message in messages), (name, messages)


@pytest.mark.parametrize("approach", CHECKS)
def test_a_repeated_key_is_caught(approach, good):
    repeated = good.assign(flight_id=pd.array([1, 1, 3, 4, 5, 6], dtype="Int64"))
    assert any("flight_id" in message for message in CHECKS[approach](repeated))


def test_the_hand_written_messages_name_the_values(good):
    broken = rules.bad_inputs(good)
    assert by_hand.check(broken["out of range"]) == ["month: values outside 1 to 12: 13, 13, 13"]
    assert by_hand.check(broken["unknown code"]) == ["carrier: unknown codes 'ZZ'"]
    assert by_hand.check(broken["null key"]) == ["flight_id: 2 missing values"]


def test_great_expectations_checks_without_the_network(good):
    network = compare.NetworkCalls()
    network.counting = True
    with_gx.check(rules.bad_inputs(good)["unknown code"])
    network.counting = False
    assert network.calls == 0


def test_lines_of_code_leave_out_blanks_comments_and_docstrings():
    # import, def, text = (two lines of a string), return
    assert footprint.code_lines(FIXTURES / "counted.py") == 5
    assert footprint.code_lines(FIXTURES / "counted.yml") == 2


def test_the_lock_is_walked_with_markers_and_extras():
    locked = footprint.lock_packages(FIXTURES / "uv.lock")
    linux = {"sys_platform": "linux"}
    assert footprint.closure(locked, ["app"], linux) == {"app", "lib", "base", "speedup"}
    assert "winonly" in footprint.closure(locked, ["app"], {"sys_platform": "win32"})
    assert footprint.closure(locked, ["lib"], linux) == {"lib", "base"}


def test_installed_bytes_add_up_the_record():
    assert footprint.installed_bytes({"six"}) > footprint.installed_bytes(set()) == 0


def test_the_resolvers_conclusion_is_its_last_paragraph_before_the_hints():
    message = "error: no\n  cause: Because a\n\n  And because b,\n  so c.\n\nhint: try\n"
    assert compare.conclusion(message) == "And because b, so c."


def test_messages_are_trimmed_to_one_line_without_tracebacks():
    long = "x" * 500
    shown = compare.trimmed(["a\n  b", "Error\nTraceback (most recent call last):\n File", long])
    assert shown[:2] == ["a b", "Error"]
    assert len(shown[2]) == compare.MESSAGE_CHARS and shown[2].endswith("…")


def test_the_report_reads_the_record_and_picks_the_cheapest():
    figures = json.loads((paths.BENCHMARKS_DIR / "validators.json").read_text())["figures"]
    assert list(report.approaches(figures)) == list(compare.APPROACHES)
    assert report.bad_inputs(figures) == [
        "missing column",
        "wrong type",
        "null key",
        "out of range",
        "unknown code",
    ]
    assert report.caught_by_all(figures)
    decided = report.decisions(figures).set_index("deciding figure")["choose"]
    costs = report.costs(figures)
    assert decided["packages added over pandas"] == costs["packages added over pandas"].idxmin()
    assert decided["packages added over pandas"] == "by hand"
    messages = report.message_table(figures)
    assert list(messages["bad input"].unique()) == report.bad_inputs(figures)
    assert set(messages["approach"]) == set(compare.APPROACHES)
    assert len(report.cost_table(figures)) == 3
    assert [t["requirement"] for t in report.tried(figures)] == compare.TRIED
    # The page's prose: both Soda Core packages were refused, Great Expectations was not.
    assert all(t["resolves"] == "no" and t["why"] for t in report.tried(figures))


def test_the_report_reads_lists_kept_as_text():
    approach = {"messages: wrong type": "first\nsecond", "messages: null key": ""}
    assert report.messages(approach, "wrong type") == ["first", "second"]
    assert report.messages(approach, "null key") == []
    assert report.names("") == [] and report.names("a, b") == ["a", "b"]


def test_the_long_costs_list_the_approaches_last_to_first():
    figures = json.loads((paths.BENCHMARKS_DIR / "validators.json").read_text())["figures"]
    long = report.costs_long(figures)
    assert list(long["approach"].cat.categories) == report.APPROACHES[::-1]
    assert len(long) == len(report.APPROACHES) * len(report.CRITERIA)


def test_imports_are_timed_in_fresh_interpreters_taking_turns():
    timed = footprint.import_seconds(["json", "csv"], repeat=2)
    assert list(timed) == ["json", "csv"]
    assert all(
        t["runs"] == 2 and t["median_s"] >= 0 and t["network_calls"] == 0 for t in timed.values()
    )


def test_new_to_the_project_counts_the_pipeline_group_as_the_project():
    """The lock lists the pipeline group apart from the package's own dependencies: a
    package the pipeline already needs is not new to the project."""
    found = compare.packages()
    assert found["Great Expectations"]["new_to_project"] == [
        "altair", "great-expectations", "marshmallow", "mistune"
    ]  # fmt: skip
    assert "pandas" not in found["pandera"]["new_to_project"]
