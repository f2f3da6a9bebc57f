"""The flights ETL: extract the five raw tables, clean them, enrich each flight with its
weather and aircraft, and load everything into one embedded DuckDB database.

Idempotent and incremental by month: the database keeps, for each month, a hash of the
month's parsed input (its flights, its weather, and the planes table). A rerun
recomputes only the months whose hash changed, and writes nothing when none did. Every
write happens on a copy of the database that replaces it only once complete.
"""

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from dsops.flights import clean as clean_module
from dsops.flights import columns, parse
from dsops.flights import tables as tables_module
from dsops.flights.clean import (
    CLEAN_FLIGHTS_SCHEMA,
    FLIGHT_STEPS,
    WEATHER_STEPS,
    enrich,
    failed_checks,
    unmatched,
)
from dsops.flights.tables import read_tables
from dsops.shared import paths
from dsops.shared.database import quiet
from dsops.shared.errors import DsopsError
from dsops.shared.files import atomic_path
from dsops.shared.pipeline import StepRecord, run_steps

FLIGHTS_TABLE = "flights"
MONTHS_TABLE = "etl_months"  # month, rows, input_hash: what each month was computed from
DIMENSIONS = ["weather", "planes", "airports", "airlines"]  # loaded whole on every write


@dataclass(frozen=True)
class MonthRun:
    month: int
    rows: int
    input_hash: str
    recomputed: bool


@dataclass
class FlightsEtlResult:
    database: Path
    months: list[MonthRun]
    matches: dict[str, int]
    steps: dict[str, list[StepRecord]] = field(default_factory=dict)

    @property
    def recomputed(self) -> list[int]:
        return [m.month for m in self.months if m.recomputed]

    @property
    def rows(self) -> int:
        return sum(m.rows for m in self.months)


def frame_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's values, row by row in its order (pandas' row hashes)."""
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(rows.tobytes()).hexdigest()


def code_hash() -> str:
    """SHA-256 of the code that turns raw rows into enriched ones: changing it must
    recompute every month, as changing the data recomputes the months it touches."""
    sources = [parse, columns, tables_module, clean_module]
    text = "".join(Path(module.__file__).read_text(encoding="utf-8") for module in sources)
    return hashlib.sha256(text.encode()).hexdigest()


def month_hashes(tables: dict[str, pd.DataFrame]) -> dict[int, tuple[int, str]]:
    """Each month's row count and the hash of everything its enriched rows depend on:
    the month's flights and weather (local months: a flight's scheduled hour is in its
    own month's weather), the whole planes table, and the code (code_hash)."""
    flights, weather = tables["flights"], tables["weather"]
    shared = frame_hash(tables["planes"]) + code_hash()
    result = {}
    for month, rows in flights.groupby("month", sort=True):
        parts = (frame_hash(rows), frame_hash(weather[weather["month"] == month]), shared)
        result[int(month)] = (len(rows), hashlib.sha256("".join(parts).encode()).hexdigest())
    return result


def stored_hashes(database: Path) -> dict[int, str]:
    """The month hashes the database was last computed from (none for a new one)."""
    if not database.is_file():
        return {}
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            known = {name for (name,) in con.sql("SHOW TABLES").fetchall()}
            if MONTHS_TABLE not in known or FLIGHTS_TABLE not in known:
                return {}
            return dict(con.sql(f"SELECT month, input_hash FROM {MONTHS_TABLE}").fetchall())
    except duckdb.Error as err:
        raise DsopsError(
            f"{database}: cannot be read as the flights database ({err}). Delete it to "
            "rebuild it from data/raw/flights."
        ) from None


def _write(database: Path, months: list[int], rows: pd.DataFrame, tables, hashes) -> None:
    """Replace the given months' flights, reload the small tables, record the hashes:
    on a copy that replaces the database only once every statement succeeded."""
    with atomic_path(database) as work:
        if database.is_file():
            shutil.copyfile(database, work)
        with duckdb.connect(str(work)) as con:
            quiet(con)
            con.register("new_rows", rows)
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {FLIGHTS_TABLE} AS SELECT * FROM new_rows LIMIT 0"
            )
            listed = ", ".join(str(m) for m in months) or "NULL"
            con.execute(f"DELETE FROM {FLIGHTS_TABLE} WHERE month IN ({listed})")
            con.execute(f"INSERT INTO {FLIGHTS_TABLE} SELECT * FROM new_rows")
            for name in DIMENSIONS:
                con.register(f"new_{name}", tables[name])
                con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM new_{name}")
            record = pd.DataFrame(
                [(m, n, h) for m, (n, h) in hashes.items()],
                columns=["month", "rows", "input_hash"],
            )
            con.register("new_hashes", record)
            con.execute(f"CREATE OR REPLACE TABLE {MONTHS_TABLE} AS SELECT * FROM new_hashes")
            con.execute("CHECKPOINT")


def checked_output(flights: pd.DataFrame) -> pd.DataFrame:
    """The cleaned flights, checked against the output schema before anything is
    written: a failure here is a bug in a cleaning step, not in the data."""
    try:
        return CLEAN_FLIGHTS_SCHEMA.validate(flights, lazy=True)
    except pa.errors.SchemaErrors as err:
        found = failed_checks(err.failure_cases).to_dict(orient="records")
        raise DsopsError(
            f"the cleaned flights failed the {CLEAN_FLIGHTS_SCHEMA.name} schema, which the "
            f"input checks should have prevented: {found}. Nothing was written; report "
            "this with the raw files you ran."
        ) from None


def run_flights_etl(
    raw_dir: Path = paths.RAW_FLIGHTS_DIR, database: Path = paths.FLIGHTS_DUCKDB
) -> FlightsEtlResult:
    """Extract, clean, enrich and load, recomputing only the months whose input changed."""
    tables = read_tables(raw_dir)
    flights, flight_log = run_steps(tables["flights"], FLIGHT_STEPS)
    weather, weather_log = run_steps(tables["weather"], WEATHER_STEPS)
    checked_output(flights)
    hashes = month_hashes(tables)
    before = stored_hashes(database)
    changed = [m for m, (_, h) in hashes.items() if before.get(m) != h]
    gone = [m for m in before if m not in hashes]
    if changed or gone:
        rows = enrich(flights[flights["month"].isin(changed)], weather, tables["planes"])
        try:
            _write(database, changed + gone, rows, tables, hashes)
        except OSError as err:
            raise DsopsError(
                f"cannot write {database}: {err.strerror or err}. Pass --out with a folder "
                "you can write to; the earlier database was left as it was."
            ) from None
    return FlightsEtlResult(
        database=database,
        months=[MonthRun(m, n, h, m in changed) for m, (n, h) in hashes.items()],
        matches=unmatched(flights, weather, tables["planes"]),
        steps={"flights": flight_log, "weather": weather_log},
    )


MATCH_SQL = f"""
SELECT
    count(*) AS flights,
    count(*) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM weather AS w
        WHERE w.origin = f.origin
          AND strptime(w.time_hour, '%Y-%m-%dT%H:%M:%SZ')::TIMESTAMPTZ = f.time_hour
    )) AS no_weather,
    count(*) FILTER (WHERE f.tailnum IS NULL) AS no_tailnum,
    count(*) FILTER (
        WHERE f.tailnum IS NOT NULL AND f.tailnum NOT IN (SELECT tailnum FROM planes)
    ) AS tailnum_not_in_planes
FROM {FLIGHTS_TABLE} AS f
"""


def match_report(database: Path = paths.FLIGHTS_DUCKDB) -> dict[str, int]:
    """In a loaded database: flights, and how many found no weather or no aircraft."""
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        row = con.execute(MATCH_SQL).fetchone()
        names = [d[0] for d in con.description]
    return dict(zip(names, (int(v) for v in row), strict=True))
