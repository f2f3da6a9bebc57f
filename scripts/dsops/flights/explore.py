"""A first look at the NYC flights 2013 tables before cleaning: what each row is, how
the tables join, and what is messy, each answered by a small query on the database
that `dsops flights-etl` wrote (opened read-only, with its session in UTC).

The `flights` table there carries the raw columns as read (hhmm clock times, local
dates, `time_hour` in UTC) next to the derived ones; `weather`, `planes`, `airports`
and `airlines` are loaded as read, so their gaps and repeats are still visible.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from dsops.flights.columns import LOCAL_TIME_ZONE, UTC_HOUR_SQL
from dsops.flights.parse import MINUTES_PER_DAY, hhmm_to_minutes
from dsops.shared import paths
from dsops.shared.errors import MissingArtifactError

YEAR = 2013
# weather.time_hour is stored as text (2013-01-01T06:00:00Z) and flights.time_hour as a
# TIMESTAMPTZ: queries that join them read the former with columns.UTC_HOUR_SQL.
# Local wall-clock hour minus UTC hour, in hours: -5 in winter, -4 in summer.
UTC_OFFSET = "(epoch(make_timestamp(year, month, day, hour, 0, 0)) - epoch({hour})) / 3600"

# What one row of each table is, and its key (columns.KEYS: the same, in the raw tables,
# where planes' key is the tail number that `aircraft` replaces).
GRAIN = {
    "flights": ("a flight that was scheduled to leave EWR, JFK or LGA in 2013", "flight_id"),
    "weather": ("an hourly observation at one of the three origin airports", "origin, time_hour"),
    "planes": ("an aircraft, by its tail number's pseudonym", "aircraft"),
    "airports": ("an airport, by its FAA code", "faa"),
    "airlines": ("a carrier, by its two-letter code", "carrier"),
}
WEATHER_KEY = f"origin, {UTC_HOUR_SQL}"

# How flights join the other tables: the flights' columns, the other table's columns.
JOINS = [
    ("weather", "origin + time_hour (UTC)", ["origin", "time_hour"], ["origin", UTC_HOUR_SQL]),
    ("planes", "aircraft", ["aircraft"], ["aircraft"]),
    ("airports (origin)", "origin = faa", ["origin"], ["faa"]),
    ("airports (dest)", "dest = faa", ["dest"], ["faa"]),
    ("airlines", "carrier", ["carrier"], ["carrier"]),
]


@contextmanager
def connect(database: Path = paths.FLIGHTS_DUCKDB) -> Iterator[duckdb.DuckDBPyConnection]:
    """The flights database, read-only, with timestamps shown in UTC (one sentence
    naming `make data` if it was never built)."""
    if not Path(database).is_file():
        raise MissingArtifactError(database, "make data")
    con = duckdb.connect(str(database), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def query(sql: str, database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """A query's result as a pandas DataFrame (through Arrow: `.df()` warns on stderr)."""
    with connect(database) as con:
        return con.sql(sql).to_arrow_table().to_pandas()


def scalar(sql: str, database: Path = paths.FLIGHTS_DUCKDB):
    """The single value a query returns."""
    with connect(database) as con:
        return con.execute(sql).fetchone()[0]


def table_overview(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Per table: rows, columns, what one row is, its key, and whether the key is unique."""
    rows = []
    with connect(database) as con:
        for table, (grain, key) in GRAIN.items():
            n, columns = con.execute(
                f"SELECT count(*), (SELECT count(*) FROM information_schema.columns "
                f"WHERE table_name = '{table}') FROM {table}"
            ).fetchone()
            key_sql = WEATHER_KEY if table == "weather" else key
            distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {key_sql} FROM {table})")
            rows.append((table, n, columns, grain, key, distinct.fetchone()[0] == n))
    return pd.DataFrame(rows, columns=["table", "rows", "columns", "one_row_per", "key", "unique"])


def join_coverage(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Per join from flights: flights whose key is missing, and flights whose key is
    present but finds no row in the other table."""
    rows = []
    with connect(database) as con:
        for table, on, left, right in JOINS:
            other = table.split(" ")[0]
            match = " AND ".join(f"f.{a} = {b}" for a, b in zip(left, right, strict=True))
            missing = " OR ".join(f"f.{a} IS NULL" for a in left)
            no_key, unmatched = con.execute(
                f"SELECT count(*) FILTER (WHERE {missing}), "
                f"count(*) FILTER (WHERE NOT ({missing}) AND NOT EXISTS "
                f"(SELECT 1 FROM {other} WHERE {match})) FROM flights AS f"
            ).fetchone()
            rows.append((table, on, no_key, unmatched))
    return pd.DataFrame(rows, columns=["table", "on", "no_key", "unmatched"])


def missing_times(database: Path = paths.FLIGHTS_DUCKDB) -> dict[str, int]:
    """Flights, and how many have no departure time, no arrival time, or only the
    latter (left but never recorded as arriving)."""
    names = ["flights", "no_dep_time", "no_arr_time", "arr_only", "cancelled"]
    values = query(
        """SELECT count(*), count(*) FILTER (WHERE dep_time IS NULL),
                  count(*) FILTER (WHERE arr_time IS NULL),
                  count(*) FILTER (WHERE arr_time IS NULL AND dep_time IS NOT NULL),
                  count(*) FILTER (WHERE cancelled)
           FROM flights""",
        database,
    ).iloc[0]
    return dict(zip(names, (int(v) for v in values), strict=True))


def cancellations(by: str = "month", database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Flights, cancelled flights and their share per value of `by` (columns of flights,
    comma-separated, such as "origin" or "month, origin")."""
    return query(
        f"""SELECT {by}, count(*) AS flights, count(*) FILTER (WHERE cancelled) AS cancelled,
                   avg(cancelled::INTEGER) AS share
            FROM flights GROUP BY ALL ORDER BY ALL""",
        database,
    )


def clock_2400(database: Path = paths.FLIGHTS_DUCKDB) -> dict[str, int]:
    """How many values of each hhmm clock column are 2400 (midnight ending the day)."""
    columns = ["dep_time", "sched_dep_time", "arr_time", "sched_arr_time"]
    counts = ", ".join(f"count(*) FILTER (WHERE {c} = 2400)" for c in columns)
    values = query(f"SELECT {counts} FROM flights", database).iloc[0]
    return dict(zip(columns, (int(v) for v in values), strict=True))


def departed(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """The clock times and delay of every flight that left, in the file's order."""
    return query(
        """SELECT flight_id, sched_dep_time, dep_time, dep_delay FROM flights
           WHERE dep_time IS NOT NULL ORDER BY flight_id""",
        database,
    )


def delay_by_subtraction(flights: pd.DataFrame) -> pd.DataFrame:
    """The departure delay computed two ways, next to the recorded one: subtracting the
    hhmm integers, and subtracting minutes after midnight (hhmm_to_minutes)."""
    return flights.assign(
        hhmm_difference=flights["dep_time"] - flights["sched_dep_time"],
        minutes_difference=hhmm_to_minutes(flights["dep_time"])
        - hhmm_to_minutes(flights["sched_dep_time"]),
    )


def subtraction_errors(delays: pd.DataFrame) -> dict[str, int]:
    """How often each way of subtracting disagrees with the recorded delay, and how
    often the minutes are short by exactly a day (the flight left after midnight)."""
    short = delays["dep_delay"] - delays["minutes_difference"]
    return {
        "departed": len(delays),
        "hhmm_wrong": int((delays["hhmm_difference"] != delays["dep_delay"]).sum()),
        "minutes_wrong": int((short != 0).sum()),
        "minutes_a_day_short": int((short == MINUTES_PER_DAY).sum()),
    }


def hours_in_year(year: int = YEAR, zone: str = LOCAL_TIME_ZONE) -> int:
    """Hours from local midnight on 1 January to the next year's (8,760 in 2013)."""
    start = datetime(year, 1, 1, tzinfo=ZoneInfo(zone))
    end = datetime(year + 1, 1, 1, tzinfo=ZoneInfo(zone))
    return int((end - start).total_seconds() // 3600)


def weather_hours(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Per origin: observations, distinct UTC hours, hours missing from the local year,
    and those missing inside the observed range (gaps) rather than at its ends."""
    frame = query(
        f"""WITH w AS (SELECT origin, {UTC_HOUR_SQL} AS hour_utc FROM weather),
            steps AS (SELECT origin, hour_utc,
                        hour_utc - lag(hour_utc) OVER (PARTITION BY origin ORDER BY hour_utc)
                        AS step FROM w)
            SELECT origin, count(*) AS rows, count(DISTINCT hour_utc) AS hours,
                   sum(epoch(step) / 3600 - 1) FILTER (WHERE step > INTERVAL 1 HOUR)::BIGINT
                   AS in_gaps
            FROM steps GROUP BY origin ORDER BY origin""",
        database,
    )
    frame["missing"] = hours_in_year() - frame["hours"]
    return frame


def repeated_local_hours(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Weather rows sharing origin and local (year, month, day, hour), with the
    distinct UTC hours they carry."""
    return query(
        """SELECT origin, year, month, day, hour, count(*) AS rows,
                  count(DISTINCT time_hour) AS utc_hours,
                  string_agg(time_hour, ', ' ORDER BY time_hour) AS time_hour
           FROM weather GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL""",
        database,
    )


def unknown_aircraft(database: Path = paths.FLIGHTS_DUCKDB) -> dict[str, int]:
    """Flights with no tail number, flights whose tail number is not in planes, and
    how many distinct tail numbers those are (counted on their pseudonyms, `aircraft`)."""
    names = ["no_tailnum", "not_in_planes", "distinct_not_in_planes"]
    sql = """SELECT count(*) FILTER (WHERE aircraft IS NULL),
                    count(*) FILTER (WHERE unknown), count(DISTINCT aircraft) FILTER (WHERE unknown)
             FROM (SELECT aircraft, aircraft IS NOT NULL
                          AND aircraft NOT IN (SELECT aircraft FROM planes) AS unknown
                   FROM flights)"""
    values = query(sql, database).iloc[0]
    return dict(zip(names, (int(v) for v in values), strict=True))


def unknown_destinations(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Destinations with no row in airports, with their flights."""
    return query(
        """SELECT dest, count(*) AS flights FROM flights
           WHERE dest NOT IN (SELECT faa FROM airports) GROUP BY dest ORDER BY dest""",
        database,
    )


def utc_offsets(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Per offset of local time from time_hour (hours): flights, first and last date."""
    offset = UTC_OFFSET.format(hour="time_hour")
    return query(
        f"""SELECT ({offset})::INTEGER AS offset_hours, count(*) AS flights,
                   min(make_date(year, month, day)) AS first_date,
                   max(make_date(year, month, day)) AS last_date
            FROM flights GROUP BY 1 ORDER BY 1""",
        database,
    )


def first_flight_of_month(months=(1, 7), database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """The first flight in the file of each month: local date, hour and minute, the
    scheduled departure (local), time_hour (UTC) and the offset between them."""
    listed = ", ".join(str(int(m)) for m in months)
    offset = UTC_OFFSET.format(hour="time_hour")
    return query(
        f"""SELECT month, carrier, flight, origin, dest, year, day, hour, minute,
                   strftime(scheduled_departure, '%Y-%m-%d %H:%M') AS local_departure,
                   strftime(time_hour, '%Y-%m-%d %H:%M') AS time_hour_utc,
                   ({offset})::INTEGER AS offset_hours
            FROM flights
            WHERE flight_id IN (SELECT min(flight_id) FROM flights
                                WHERE month IN ({listed}) GROUP BY month)
            ORDER BY month""",
        database,
    )


def flights_in_local_hour(month: int, day: int, hour: int, database=paths.FLIGHTS_DUCKDB) -> int:
    """Flights scheduled to leave in one local hour (such as the one DST repeats)."""
    return int(
        scalar(
            f"SELECT count(*) FROM flights WHERE month = {int(month)} AND day = {int(day)} "
            f"AND hour = {int(hour)}",
            database,
        )
    )


def flights_per_hour(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Flights and cancelled flights per local hour of scheduled departure."""
    return cancellations("hour", database)


# Okabe-Ito colours per origin for figures, readable on the light and the dark page.
ORIGIN_COLOURS = {"EWR": "#E69F00", "JFK": "#56B4E9", "LGA": "#CC79A7"}
