"""Pseudonymise, then clean: every sensitive identifier replaced by its keyed pseudonym
first, then small, pure, named steps composed with `DataFrame.pipe` (run through the
shared pipeline runner, which logs each one), and the join that enriches each flight
with the weather at its origin and hour and with its aircraft."""

import pandas as pd
import pandera.pandas as pa

from dsops.flights.columns import (
    CLOCK_COLUMNS,
    DTYPES,
    PLANE_COLUMNS,
    SENSITIVE,
    UTC_HOUR_FORMAT,
    WEATHER_COLUMNS,
)
from dsops.flights.parse import MINUTES_PER_DAY, hhmm_to_minutes, local_timestamps
from dsops.shared.pseudonyms import pseudonymise

MINUTE_COLUMNS = {column: column.replace("_time", "_minutes") for column in CLOCK_COLUMNS}
AIRCRAFT = SENSITIVE["tailnum"]  # the tail number's pseudonym: how flights meet planes


def pseudonymise_identifiers(
    tables: dict[str, pd.DataFrame], key: bytes
) -> dict[str, pd.DataFrame]:
    """Every table with each column tagged sensitive (columns.SENSITIVE) replaced, in its
    place, by the keyed pseudonyms of its values under its new name. The same key gives
    the same pseudonym in every table, so flights still join planes."""
    result = {}
    for name, frame in tables.items():
        for column, replacement in SENSITIVE.items():
            if column in frame.columns:
                frame = frame.assign(**{column: pseudonymise(frame[column], key)})
                frame = frame.rename(columns={column: replacement})
        result[name] = frame
    return result


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
        time_hour=pd.to_datetime(frame["time_hour"], format=UTC_HOUR_FORMAT, utc=True).dt.as_unit(
            "us"
        )
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

# The output check of FLIGHT_STEPS: what the cleaned flights promise the steps after
# them. Times are minutes within the day (0 to 1440), a flight is cancelled exactly
# when it has no departure time, the key is unique and the timestamps are parsed.
_in_day = pa.Check.in_range(0, MINUTES_PER_DAY)
CLEAN_FLIGHTS_SCHEMA = pa.DataFrameSchema(
    {
        "flight_id": pa.Column("int64", unique=True),
        **{m: pa.Column("Int64", _in_day, nullable=True) for m in ["dep_minutes", "arr_minutes"]},
        **{m: pa.Column("Int64", _in_day) for m in ["sched_dep_minutes", "sched_arr_minutes"]},
        "cancelled": pa.Column("bool"),
        "scheduled_departure": pa.Column("datetime64[us]"),
        "time_hour": pa.Column(pd.DatetimeTZDtype("us", "UTC")),
    },
    checks=[
        pa.Check(
            lambda f: f["cancelled"] == f["dep_time"].isna(),
            name="cancelled_when_no_departure",
            error="cancelled must be true exactly where dep_time is missing",
        )
    ],
    name="cleaned flights",
)


def failed_checks(failure_cases: pd.DataFrame, examples: int = 3) -> pd.DataFrame:
    """pandera's failure cases (`SchemaErrors.failure_cases`: one row per failing value,
    and per column of each failing row for a table-wide check) as one row per check and
    column: how many rows fail (none for a missing column or a wrong type, which fail the
    whole column) and the first failing values (index labels for a table-wide check)."""
    rowwise = (failure_cases["schema_context"] != "Column") & failure_cases["index"].notna()
    cases = failure_cases.assign(
        column=failure_cases["column"].where(~rowwise, "(whole row)"), rowwise=rowwise
    ).drop_duplicates(["check", "column", "index"])
    keys = ["check", "column"]
    first = cases.groupby(keys, sort=False).head(examples)
    first = first.assign(
        value=[
            f"index {index}" if whole else str(value)
            for value, index, whole in zip(
                first["failure_case"], first["index"], first["rowwise"], strict=True
            )
        ]
    )
    return pd.DataFrame(
        {
            "rows": cases.groupby(keys, sort=False)["index"].nunique(),
            "examples": first.groupby(keys, sort=False)["value"].agg(", ".join),
        }
    ).reset_index()


def enrich(flights: pd.DataFrame, weather: pd.DataFrame, planes: pd.DataFrame) -> pd.DataFrame:
    """Each cleaned flight (pseudonymised) with the weather at its origin in its
    scheduled hour and with its aircraft's year, maker and seats; missing where there is
    no such row. One row per flight, in the file's order."""
    at_hour = weather[["origin", "time_hour", *WEATHER_COLUMNS]]
    aircraft = planes[[AIRCRAFT, *PLANE_COLUMNS]].rename(columns=PLANE_COLUMNS)
    joined = flights.merge(at_hour, on=["origin", "time_hour"], how="left", validate="m:1")
    joined = joined.merge(aircraft, on=AIRCRAFT, how="left", validate="m:1")
    return joined.sort_values("flight_id").reset_index(drop=True).astype(ENRICHED_DTYPES)


# The enriched table's columns and their declared types (pandas and SQL agree on these):
# the flights as read (sensitive columns renamed), time_hour parsed, then what the steps
# and the joins add.
ENRICHED_DTYPES = {
    "flight_id": "int64",
    **{SENSITIVE.get(column, column): dtype for column, dtype in DTYPES["flights"].items()},
    "time_hour": "datetime64[us, UTC]",
    **dict.fromkeys(MINUTE_COLUMNS.values(), "Int64"),
    "cancelled": "bool",
    "scheduled_departure": "datetime64[us]",
    **dict.fromkeys(WEATHER_COLUMNS, "float64"),
    "plane_year": "Int64",
    "manufacturer": "str",
    "seats": "Int64",
}
