"""The output check of the flights cleaning steps (clean.CLEAN_FLIGHTS_SCHEMA) and the
summary of pandera's failure cases that the cleaning-steps page shows."""

import pandas as pd
import pandera.pandas as pa
import pytest

from dsops.flights import clean
from dsops.flights.tables import SCHEMAS, read_table
from dsops.shared import paths
from dsops.shared.pipeline import run_steps


def few_flights() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "flight_id": [1, 2, 3],
            "year": [2013, 2013, 2013],
            "month": [1, 1, 1],
            "day": [1, 1, 31],
            "dep_time": pd.array([517, None, 2400], dtype="Int64"),
            "sched_dep_time": pd.array([515, 600, 2359], dtype="Int64"),
            "arr_time": pd.array([830, None, 105], dtype="Int64"),
            "sched_arr_time": pd.array([819, 800, 100], dtype="Int64"),
            "origin": pd.array(["EWR", "LGA", "JFK"], dtype="str"),
            "time_hour": pd.array(
                ["2013-01-01T10:00:00Z", "2013-01-01T11:00:00Z", "2013-02-01T04:00:00Z"],
                dtype="str",
            ),
        }
    )


def cleaned() -> pd.DataFrame:
    return run_steps(few_flights(), clean.FLIGHT_STEPS)[0]


def failures(frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        clean.CLEAN_FLIGHTS_SCHEMA.validate(frame, lazy=True)
    return caught.value.failure_cases


def test_cleaned_flights_pass_the_output_check():
    frame = cleaned()
    pd.testing.assert_frame_equal(clean.CLEAN_FLIGHTS_SCHEMA.validate(frame, lazy=True), frame)


def test_the_real_cleaned_flights_pass_the_output_check():
    flights = read_table("flights", paths.RAW_FLIGHTS_DIR)
    frame, _ = run_steps(flights, clean.FLIGHT_STEPS)
    assert len(clean.CLEAN_FLIGHTS_SCHEMA.validate(frame, lazy=True)) == 336_776


def test_clock_times_copied_as_minutes_fail_the_day_range():
    frame = cleaned()
    cases = failures(frame.assign(dep_minutes=frame["dep_time"]))
    assert cases["column"].tolist() == ["dep_minutes"]
    assert cases["failure_case"].tolist() == [2400]


def test_cancelled_must_match_a_missing_departure():
    frame = cleaned()
    cases = failures(frame.assign(cancelled=[False, False, True]))
    assert set(cases["index"]) == {1, 2}
    assert set(cases["schema_context"]) == {"DataFrameSchema"}


def test_a_missing_output_column_is_named():
    cases = failures(cleaned().drop(columns="scheduled_departure"))
    assert cases["failure_case"].tolist() == ["scheduled_departure"]


def test_failed_checks_gives_one_row_per_check_and_column():
    frame = cleaned()
    broken = frame.assign(
        dep_minutes=frame["dep_time"], arr_minutes=frame["arr_time"], cancelled=False
    )
    summary = clean.failed_checks(failures(broken), examples=1)
    rows = {(r.column, r.rows, r.examples) for r in summary.itertuples()}
    assert rows == {("dep_minutes", 1, "2400"), ("(whole row)", 1, "index 1")}
    assert list(summary.columns) == ["check", "column", "rows", "examples"]


def test_failed_checks_summarises_the_input_schema_too():
    frame = few_flights().assign(
        dep_time=pd.array([2561, None, 2400], dtype="Int64"),
        origin=pd.array(["EWR", "XYZ", "ABC"], dtype="str"),
    )
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        SCHEMAS["flights"].validate(frame, lazy=True)
    summary = clean.failed_checks(caught.value.failure_cases)
    by_column = summary.set_index("column")
    assert by_column.loc["dep_time", "examples"] == "2561"
    assert by_column.loc["origin", "rows"] == 2
    assert by_column.loc["origin", "examples"] == "XYZ, ABC"
    missing = summary[summary["check"] == "column_in_dataframe"]
    assert (missing["rows"] == 0).all()  # the missing columns: no row fails
    assert "dest" in ", ".join(missing["examples"])
