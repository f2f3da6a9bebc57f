"""Clean: small, pure, named steps composed with `DataFrame.pipe` (run through the
shared pipeline runner, which logs each one), and the join that enriches each flight
with the weather at its origin and hour and with its aircraft."""

import pandas as pd

from dsops.flights.columns import CLOCK_COLUMNS, PLANE_COLUMNS, WEATHER_COLUMNS
from dsops.flights.parse import hhmm_to_minutes, local_timestamps

MINUTE_COLUMNS = {column: column.replace("_time", "_minutes") for column in CLOCK_COLUMNS}


def add_minutes_after_midnight(flights: pd.DataFrame) -> pd.DataFrame:
    """Each hhmm clock time also as minutes after midnight (2400 -> 1440), so times can
    be subtracted: 517 - 459 is 58, but 05:17 is 18 minutes after 04:59."""
    return flights.assign(
        **{minutes: hhmm_to_minutes(flights[clock]) for clock, minutes in MINUTE_COLUMNS.items()}
    )


def flag_cancelled(flights: pd.DataFrame) -> pd.DataFrame:
    """A flight with no departure time never left: cancelled."""
    return flights.assign(cancelled=flights["dep_time"].isna())


def add_scheduled_departure(flights: pd.DataFrame) -> pd.DataFrame:
    """The scheduled departure as a local wall-clock timestamp (New York time)."""
    return flights.assign(
        scheduled_departure=local_timestamps(
            flights["year"], flights["month"], flights["day"], flights["sched_dep_minutes"]
        )
    )


def parse_time_hour(frame: pd.DataFrame) -> pd.DataFrame:
    """`time_hour` (text such as 2013-01-01T10:00:00Z) as a UTC timestamp: the key on
    which flights meet the weather, free of daylight saving's repeated local hour."""
    return frame.assign(
        time_hour=pd.to_datetime(
            frame["time_hour"], format="%Y-%m-%dT%H:%M:%SZ", utc=True
        ).dt.as_unit("us")
    )


def drop_repeated_hours(weather: pd.DataFrame) -> pd.DataFrame:
    """One observation per station and hour: the first in the file wins."""
    order = weather.sort_values("weather_id", kind="stable")
    return order.drop_duplicates(["origin", "time_hour"], keep="first")


FLIGHT_STEPS = [
    add_minutes_after_midnight,
    flag_cancelled,
    add_scheduled_departure,
    parse_time_hour,
]
WEATHER_STEPS = [parse_time_hour, drop_repeated_hours]


def enrich(flights: pd.DataFrame, weather: pd.DataFrame, planes: pd.DataFrame) -> pd.DataFrame:
    """Each cleaned flight with the weather at its origin in its scheduled hour and with
    its aircraft's year, maker and seats; missing where there is no such row. One row
    per flight, in the file's order."""
    at_hour = weather[["origin", "time_hour", *WEATHER_COLUMNS]]
    aircraft = planes[["tailnum", *PLANE_COLUMNS]].rename(columns=PLANE_COLUMNS)
    joined = flights.merge(at_hour, on=["origin", "time_hour"], how="left", validate="m:1")
    joined = joined.merge(aircraft, on="tailnum", how="left", validate="m:1")
    return joined.sort_values("flight_id").reset_index(drop=True).astype(ENRICHED_DTYPES)


def unmatched(flights: pd.DataFrame, weather: pd.DataFrame, planes: pd.DataFrame) -> dict:
    """How many flights find no weather row, no aircraft, or have no tail number."""
    hours = pd.MultiIndex.from_frame(weather[["origin", "time_hour"]])
    at = pd.MultiIndex.from_frame(flights[["origin", "time_hour"]])
    known = flights["tailnum"].isin(planes["tailnum"])
    return {
        "flights": len(flights),
        "no_weather": int((~at.isin(hours)).sum()),
        "no_tailnum": int(flights["tailnum"].isna().sum()),
        "tailnum_not_in_planes": int((flights["tailnum"].notna() & ~known).sum()),
    }


# The enriched table's columns and their declared types (pandas and SQL agree on these).
ENRICHED_DTYPES = {
    "flight_id": "int64",
    "year": "int64",
    "month": "int64",
    "day": "int64",
    "dep_time": "Int64",
    "sched_dep_time": "Int64",
    "dep_delay": "Int64",
    "arr_time": "Int64",
    "sched_arr_time": "Int64",
    "arr_delay": "Int64",
    "carrier": "str",
    "flight": "int64",
    "tailnum": "str",
    "origin": "str",
    "dest": "str",
    "air_time": "Int64",
    "distance": "int64",
    "hour": "int64",
    "minute": "int64",
    "time_hour": "datetime64[us, UTC]",
    "dep_minutes": "Int64",
    "sched_dep_minutes": "Int64",
    "arr_minutes": "Int64",
    "sched_arr_minutes": "Int64",
    "cancelled": "bool",
    "scheduled_departure": "datetime64[us]",
    "temp": "float64",
    "wind_speed": "float64",
    "precip": "float64",
    "visib": "float64",
    "plane_year": "Int64",
    "manufacturer": "str",
    "seats": "Int64",
}
