"""The flights cleaning steps, each on a few rows, and the pandas and DuckDB SQL
versions of the enrichment giving the same table on the real data."""

import pandas as pd
import pytest

from dsops.flights import clean
from dsops.flights.sql import enrich_sql
from dsops.flights.tables import read_tables
from dsops.shared import paths
from dsops.shared.pipeline import run_steps


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return clean.pseudonymise_identifiers(read_tables(paths.RAW_FLIGHTS_DIR), b"k" * 32)


def test_clock_times_gain_minutes_after_midnight(few_flights):
    minutes = clean.add_minutes_after_midnight(few_flights)
    assert minutes["dep_minutes"].tolist() == [317, pd.NA, 1440]
    assert minutes["sched_dep_minutes"].tolist() == [315, 360, 1439]


def test_a_flight_without_a_departure_is_cancelled(few_flights):
    assert clean.flag_cancelled(few_flights)["cancelled"].tolist() == [False, True, False]


def test_the_scheduled_departure_is_local_wall_clock_time(few_flights):
    steps = [clean.add_minutes_after_midnight, clean.add_scheduled_departure]
    frame, _ = run_steps(few_flights, steps)
    assert frame["scheduled_departure"].tolist() == [
        pd.Timestamp("2013-01-01 05:15"),
        pd.Timestamp("2013-01-01 06:00"),
        pd.Timestamp("2013-01-31 23:59"),
    ]


def test_time_hour_is_a_utc_timestamp(few_flights):
    parsed = clean.parse_time_hour(few_flights)["time_hour"]
    assert str(parsed.dtype) == "datetime64[us, UTC]"
    assert parsed[0] == pd.Timestamp("2013-01-01 10:00", tz="UTC")


def test_a_repeated_weather_hour_keeps_the_first_row_in_the_file():
    weather = pd.DataFrame(
        {
            "weather_id": [2, 1, 3],
            "origin": ["EWR", "EWR", "JFK"],
            "time_hour": pd.to_datetime(["2013-11-03T06:00Z"] * 3, utc=True),
            "temp": [40.0, 39.0, 41.0],
        }
    )
    kept = clean.drop_repeated_hours(weather)
    assert kept["weather_id"].tolist() == [1, 3]
    assert kept["temp"].tolist() == [39.0, 41.0]


def test_steps_are_logged_by_the_shared_runner(tables):
    _, log = run_steps(tables["flights"], clean.FLIGHT_STEPS)
    assert [record.step for record in log] == [s.__name__ for s in clean.FLIGHT_STEPS]
    assert all(r.rows_in == r.rows_out == len(tables["flights"]) for r in log)
    assert log[0].added == ("dep_minutes", "sched_dep_minutes", "arr_minutes", "sched_arr_minutes")
    assert log[-1].changed == ("time_hour",)


def test_pandas_and_duckdb_sql_give_the_same_enriched_table(tables):
    flights, _ = run_steps(tables["flights"], clean.FLIGHT_STEPS)
    weather, _ = run_steps(tables["weather"], clean.WEATHER_STEPS)
    in_pandas = clean.enrich(flights, weather, tables["planes"])
    in_sql = enrich_sql(tables["flights"], tables["weather"], tables["planes"])
    assert list(in_pandas.dtypes.astype(str)) == [str(d) for d in clean.ENRICHED_DTYPES.values()]
    pd.testing.assert_frame_equal(in_pandas, in_sql)
    assert len(in_pandas) == 336_776


def test_pandas_and_sql_agree_where_the_real_data_never_goes(tables):
    """A repeated weather hour whose first row in the file comes later in the frame, a
    2400 scheduled time and a missing tail number: paths the real year does not take."""
    flights = tables["flights"].head(6).copy()
    flights.loc[1, "sched_dep_time"] = 2400
    flights.loc[2, "aircraft"] = pd.NA
    weather = tables["weather"]
    hour = flights.loc[0, ["origin", "time_hour"]]
    first = weather[
        (weather["origin"] == hour["origin"]) & (weather["time_hour"] == hour["time_hour"])
    ]
    repeat = first.assign(weather_id=0, temp=-40.0)  # first in the file, last in the frame
    weather = pd.concat([weather, repeat], ignore_index=True)
    cleaned, _ = run_steps(flights, clean.FLIGHT_STEPS)
    hours, _ = run_steps(weather, clean.WEATHER_STEPS)
    in_pandas = clean.enrich(cleaned, hours, tables["planes"])
    in_sql = enrich_sql(flights, weather, tables["planes"])
    pd.testing.assert_frame_equal(in_pandas, in_sql)
    assert in_pandas.loc[0, "temp"] == -40.0  # the row first in the file won
    assert in_pandas.loc[1, "scheduled_departure"].hour == 0  # 2400: the next midnight
    assert pd.isna(in_pandas.loc[2, "seats"])
