"""The enrichment of clean.py written in DuckDB SQL, over the same typed, pseudonymised tables:
the same columns, types and rows (tests/test_flights_clean.py holds them equal)."""

import duckdb
import pandas as pd

from dsops.flights.clean import ENRICHED_DTYPES
from dsops.flights.columns import UTC_HOUR_SQL

ENRICH_SQL = f"""
WITH typed AS (
    SELECT
        *,
        dep_time // 100 * 60 + dep_time % 100 AS dep_minutes,
        sched_dep_time // 100 * 60 + sched_dep_time % 100 AS sched_dep_minutes,
        arr_time // 100 * 60 + arr_time % 100 AS arr_minutes,
        sched_arr_time // 100 * 60 + sched_arr_time % 100 AS sched_arr_minutes,
        dep_time IS NULL AS cancelled,
        {UTC_HOUR_SQL} AS hour_utc
    FROM flights
), flights_clean AS (
    SELECT
        * EXCLUDE (time_hour, hour_utc),
        hour_utc AS time_hour,
        make_timestamp(year, month, day, 0, 0, 0)
            + to_minutes(sched_dep_minutes::BIGINT) AS scheduled_departure
    FROM typed
), weather_clean AS (
    SELECT origin, {UTC_HOUR_SQL} AS time_hour,
           temp, wind_speed, precip, visib
    FROM weather
    QUALIFY row_number() OVER (PARTITION BY origin, time_hour ORDER BY weather_id) = 1
)
SELECT f.*, w.temp, w.wind_speed, w.precip, w.visib,
       p.year AS plane_year, p.manufacturer, p.seats
FROM flights_clean AS f
LEFT JOIN weather_clean AS w USING (origin, time_hour)
LEFT JOIN planes AS p USING (aircraft)
ORDER BY f.flight_id
"""


def enrich_sql(flights: pd.DataFrame, weather: pd.DataFrame, planes: pd.DataFrame) -> pd.DataFrame:
    """ENRICH_SQL run by an in-memory DuckDB on the typed raw tables (read_table's),
    pseudonymised (clean.pseudonymise_identifiers)."""
    with duckdb.connect(":memory:") as con:
        con.execute("SET TimeZone = 'UTC'")  # TIMESTAMPTZ comes back in UTC, as pandas has it
        con.register("flights", flights)
        con.register("weather", weather)
        con.register("planes", planes)
        result = con.sql(ENRICH_SQL).to_arrow_table().to_pandas()
    columns = [c for c in ENRICHED_DTYPES if c in result.columns]
    return result[columns].astype(ENRICHED_DTYPES)
