"""The output check of the flights cleaning steps (clean.CLEAN_FLIGHTS_SCHEMA) and the
summary of pandera's failure cases that the cleaning-steps page shows."""

import pandas as pd
import pandera.pandas as pa
import pytest

from dsops.flights import clean
from dsops.flights.tables import SCHEMAS, read_table
from dsops.shared import paths
from dsops.shared.pipeline import run_steps


def cleaned(flights: pd.DataFrame) -> pd.DataFrame:
    return run_steps(flights, clean.FLIGHT_STEPS)[0]


def failures(frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        clean.CLEAN_FLIGHTS_SCHEMA.validate(frame, lazy=True)
    return caught.value.failure_cases


def test_cleaned_flights_pass_the_output_check(few_flights):
    frame = cleaned(few_flights)
    pd.testing.assert_frame_equal(clean.CLEAN_FLIGHTS_SCHEMA.validate(frame, lazy=True), frame)


def test_the_real_cleaned_flights_pass_the_output_check():
    flights = read_table("flights", paths.RAW_FLIGHTS_DIR)
    frame, _ = run_steps(flights, clean.FLIGHT_STEPS)
    assert len(clean.CLEAN_FLIGHTS_SCHEMA.validate(frame, lazy=True)) == 336_776


def test_clock_times_copied_as_minutes_fail_the_day_range(few_flights):
    frame = cleaned(few_flights)
    cases = failures(frame.assign(dep_minutes=frame["dep_time"]))
    assert cases["column"].tolist() == ["dep_minutes"]
    assert cases["failure_case"].tolist() == [2400]


def test_cancelled_must_match_a_missing_departure(few_flights):
    frame = cleaned(few_flights)
    cases = failures(frame.assign(cancelled=[False, False, True]))
    assert set(cases["index"]) == {1, 2}
    assert set(cases["schema_context"]) == {"DataFrameSchema"}


def test_a_missing_output_column_is_named(few_flights):
    cases = failures(cleaned(few_flights).drop(columns="scheduled_departure"))
    assert cases["failure_case"].tolist() == ["scheduled_departure"]


def test_failed_checks_gives_one_row_per_check_and_column(few_flights):
    frame = cleaned(few_flights)
    broken = frame.assign(
        dep_minutes=frame["dep_time"], arr_minutes=frame["arr_time"], cancelled=False
    )
    summary = clean.failed_checks(failures(broken), examples=1)
    rows = {(r.column, r.rows, r.examples) for r in summary.itertuples()}
    assert rows == {("dep_minutes", 1, "2400"), ("(whole row)", 1, "index 1")}
    assert list(summary.columns) == ["check", "column", "rows", "examples"]


def test_failed_checks_summarises_the_input_schema_too(few_flights):
    frame = few_flights.assign(
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
