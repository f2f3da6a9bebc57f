"""The first look at the flights tables (dsops.flights.explore), checked against the
values the 2013 data holds, so the page's numbers are the data's. The database is the
one `make data` writes; without it these tests are skipped, saying so."""

import pandas as pd
import pytest

from dsops.flights import explore
from dsops.shared import paths
from dsops.shared.errors import MissingArtifactError

pytestmark = pytest.mark.skipif(
    not paths.FLIGHTS_DUCKDB.is_file(),
    reason=f"{paths.project_relative(paths.FLIGHTS_DUCKDB)} is missing: run `make data`",
)


def test_tables_have_their_rows_and_unique_keys():
    overview = explore.table_overview().set_index("table")
    assert overview["rows"].to_dict() == {
        "flights": 336_776,
        "weather": 26_115,
        "planes": 3_322,
        "airports": 1_458,
        "airlines": 16,
    }
    assert overview["unique"].all()
    assert overview.loc["weather", "key"] == "origin, time_hour"


def test_joins_from_flights():
    joins = explore.join_coverage().set_index("table")
    assert joins.loc["weather", "unmatched"] == 1_556
    assert joins.loc["planes", "no_key"] == 2_512
    assert joins.loc["planes", "unmatched"] == 50_094
    assert joins.loc["airports (dest)", "unmatched"] == 896 + 365 + 5_819 + 522
    assert joins.loc["airports (origin)", "unmatched"] == 0
    assert joins.loc["airlines", ["no_key", "unmatched"]].tolist() == [0, 0]


def test_missing_times_are_the_cancelled_flights():
    missing = explore.missing_times()
    assert missing == {
        "flights": 336_776,
        "no_dep_time": 8_255,
        "no_arr_time": 8_713,
        "arr_only": 458,
        "cancelled": 8_255,
    }


def test_cancellations_by_origin_and_month():
    by_origin = explore.cancellations("origin").set_index("origin")
    assert by_origin["cancelled"].to_dict() == {"EWR": 3_239, "JFK": 1_863, "LGA": 3_153}
    assert by_origin.loc["LGA", "share"] == pytest.approx(3_153 / 104_662)
    by_month = explore.cancellations("month")
    assert len(by_month) == 12
    assert by_month["cancelled"].sum() == 8_255
    assert by_month.loc[by_month["share"].idxmax(), "month"] == 2
    both = explore.cancellations("month, origin")
    assert len(both) == 36
    assert both["flights"].sum() == 336_776


def test_clock_2400_counts():
    assert explore.clock_2400() == {
        "dep_time": 29,
        "sched_dep_time": 0,
        "arr_time": 150,
        "sched_arr_time": 0,
    }


def test_subtracting_hhmm_integers_is_wrong_and_minutes_are_right():
    frame = pd.DataFrame(
        {
            "sched_dep_time": pd.array([600, 1459, 2359], dtype="Int64"),
            "dep_time": pd.array([554, 1503, 10], dtype="Int64"),
            "dep_delay": pd.array([-6, 4, 11], dtype="Int64"),
        }
    )
    delays = explore.delay_by_subtraction(frame)
    assert delays["hhmm_difference"].tolist() == [-46, 44, -2349]
    assert delays["minutes_difference"].tolist() == [-6, 4, -1429]  # past midnight: wrong
    assert explore.subtraction_errors(delays) == {
        "departed": 3,
        "hhmm_wrong": 3,
        "minutes_wrong": 1,
        "minutes_a_day_short": 1,
    }


def test_subtraction_errors_in_the_data():
    delays = explore.delay_by_subtraction(explore.departed())
    assert explore.subtraction_errors(delays) == {
        "departed": 336_776 - 8_255,
        "hhmm_wrong": 99_777,
        "minutes_wrong": 1_207,
        "minutes_a_day_short": 1_207,
    }
    first = delays[delays["hhmm_difference"] != delays["dep_delay"]].iloc[0]
    assert first[["flight_id", "sched_dep_time", "dep_time", "dep_delay"]].tolist() == [
        5,
        600,
        554,
        -6,
    ]


def test_hours_in_year():
    assert explore.hours_in_year(2013) == 8_760
    assert explore.hours_in_year(2012) == 8_784  # a leap year
    assert explore.hours_in_year(2013, "UTC") == 8_760


def test_weather_hours_per_origin():
    hours = explore.weather_hours().set_index("origin")
    assert hours["rows"].to_dict() == {"EWR": 8_703, "JFK": 8_706, "LGA": 8_706}
    assert (hours["hours"] == hours["rows"]).all()  # the UTC hour is unique per origin
    assert hours["missing"].to_dict() == {"EWR": 57, "JFK": 54, "LGA": 54}
    assert hours["in_gaps"].to_dict() == {"EWR": 27, "JFK": 24, "LGA": 24}


def test_the_repeated_local_hour_is_the_end_of_daylight_saving():
    repeated = explore.repeated_local_hours()
    assert repeated["origin"].tolist() == ["EWR", "JFK", "LGA"]
    assert set(zip(repeated["month"], repeated["day"], repeated["hour"], strict=True)) == {
        (11, 3, 1)
    }
    assert (repeated["rows"] == 2).all() and (repeated["utc_hours"] == 2).all()
    assert repeated["time_hour"].iloc[0] == "2013-11-03T05:00:00Z, 2013-11-03T06:00:00Z"
    assert explore.flights_in_local_hour(11, 3, 1) == 0


def test_unknown_aircraft_and_destinations():
    assert explore.unknown_aircraft() == {
        "no_tailnum": 2_512,
        "not_in_planes": 50_094,
        "distinct_not_in_planes": 721,
    }
    destinations = explore.unknown_destinations()
    assert destinations["dest"].tolist() == ["BQN", "PSE", "SJU", "STT"]
    assert destinations["flights"].tolist() == [896, 365, 5_819, 522]


def test_utc_offsets_follow_daylight_saving():
    offsets = explore.utc_offsets().set_index("offset_hours")
    assert offsets["flights"].to_dict() == {-5: 113_957, -4: 222_819}
    assert str(offsets.loc[-4, "first_date"]) == "2013-03-10"
    assert str(offsets.loc[-4, "last_date"]) == "2013-11-02"
    examples = explore.first_flight_of_month((1, 7))
    assert examples["local_departure"].tolist() == ["2013-01-01 05:15", "2013-07-01 20:29"]
    assert examples["time_hour_utc"].tolist() == ["2013-01-01 10:00", "2013-07-02 00:00"]
    assert examples["offset_hours"].tolist() == [-5, -4]


def test_flights_per_hour():
    per_hour = explore.flights_per_hour()
    assert per_hour["flights"].sum() == 336_776
    assert per_hour["hour"].min() == 1 and per_hour["hour"].max() == 23
    assert per_hour.loc[per_hour["flights"].idxmax(), "hour"] == 8


def test_a_missing_database_is_an_error(tmp_path):
    with pytest.raises(
        MissingArtifactError, match=r"missing\.duckdb does not exist yet: run `make data`"
    ):
        explore.scalar("SELECT 1", tmp_path / "missing.duckdb")
