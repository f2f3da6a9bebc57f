"""The flights ETL: extract the five raw tables, replace each sensitive identifier (the
tail number) by its keyed pseudonym, clean them, enrich each flight with its weather
and aircraft, and load everything into one embedded DuckDB database.

Idempotent and incremental by month: the database keeps, for each month, a hash of the
month's parsed input (its flights, its weather, and the planes table). A rerun
recomputes only the months whose hash changed, and writes nothing when none did; when
not one raw file and not the code changed (their SHA-256 are kept too), it does not
even read the tables (the key's fingerprint counts as a file: a new key rewrites every
month). Every write happens on a copy of the database that replaces it
only once complete, and one run at a time writes it.
"""

import hashlib
import logging
import shutil
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from dsops.flights import clean as clean_module
from dsops.flights.clean import (
    CLEAN_FLIGHTS_SCHEMA,
    FLIGHT_STEPS,
    WEATHER_STEPS,
    enrich,
    failed_checks,
    pseudonymise_identifiers,
)
from dsops.flights.columns import FILES
from dsops.flights.tables import read_tables
from dsops.shared import paths
from dsops.shared.database import quiet, reported_write_errors
from dsops.shared.errors import DsopsError
from dsops.shared.files import atomic_path, one_writer, sha256_file
from dsops.shared.pipeline import StepRecord, run_steps
from dsops.shared.pseudonyms import key_fingerprint, pseudonym_key

log = logging.getLogger(__name__)

FLIGHTS_TABLE = "flights"
MONTHS_TABLE = "etl_months"  # month, rows, input_hash: what each month was computed from
TABLES_TABLE = "etl_tables"  # name, input_hash: what each small table was loaded from
FILES_TABLE = "etl_files"  # name, sha256: each raw file and the code, as the last write read them
CODE = "(code)"  # the FILES_TABLE row of the code (code_hash)
KEY = "(pseudonym key)"  # the FILES_TABLE row of the key: its fingerprint, never the key
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
    removed: list[int] = field(default_factory=list)  # months no longer in the input
    reloaded: list[str] = field(default_factory=list)  # small tables whose input changed
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


LIBRARIES = ["numpy", "pandas", "pyarrow", "duckdb", "pandera"]


def code_hash() -> str:
    """SHA-256 of what turns raw rows into stored ones besides the data: this package's
    code, the shared pipeline runner and the libraries' versions. Changing any of them
    recomputes every month, as changing the data recomputes the months it touches."""
    package = Path(clean_module.__file__).parent
    sources = [*sorted(package.glob("*.py")), Path(run_steps.__code__.co_filename)]
    text = "".join(path.read_text(encoding="utf-8") for path in sources)
    text += "".join(f"{name}=={version(name)}" for name in LIBRARIES)
    return hashlib.sha256(text.encode()).hexdigest()


def month_hashes(tables: dict[str, pd.DataFrame]) -> dict[int, tuple[int, str]]:
    """Each month's row count and the hash of everything its enriched rows depend on:
    the month's flights and weather (the input schemas hold every row's time_hour to its
    local year, month, day and hour, so a flight meets only its own month's weather), the
    whole planes table, and the code (code_hash). Weather rows are hashed without their
    line numbers, which the output does not use."""
    flights, weather = tables["flights"], tables["weather"].drop(columns=["weather_id"])
    shared = frame_hash(tables["planes"]) + code_hash()
    result = {}
    for month, rows in flights.groupby("month", sort=True):
        parts = (frame_hash(rows), frame_hash(weather[weather["month"] == month]), shared)
        result[int(month)] = (len(rows), hashlib.sha256("".join(parts).encode()).hexdigest())
    return result


def table_hashes(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """The hash of each small table the database holds as it is."""
    return {name: frame_hash(tables[name]) for name in DIMENSIONS}


def file_hashes(raw_dir: Path) -> dict[str, str]:
    """SHA-256 of each raw file there is, and of the code (code_hash): if none of these
    changed since the last write, nothing computed from them can have."""
    hashes = {
        name: sha256_file(raw_dir / name) for name in FILES.values() if (raw_dir / name).is_file()
    }
    return {**hashes, CODE: code_hash()}


@dataclass(frozen=True)
class _Stored:
    """What the database was last computed from: each month's rows and hash, each small
    table's hash, each raw file's and the code's SHA-256 (all empty for a new database)."""

    months: dict[int, tuple[int, str]] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def stored_hashes(database: Path) -> _Stored:
    """The records of the last write (none for a new database, or for one that lacks
    them: then everything is rebuilt)."""
    if not database.is_file():
        return _Stored()
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            known = {name for (name,) in con.sql("SHOW TABLES").fetchall()}
            if not {MONTHS_TABLE, TABLES_TABLE, FLIGHTS_TABLE} <= known:
                return _Stored()
            months = con.sql(f"SELECT month, rows, input_hash FROM {MONTHS_TABLE} ORDER BY month")
            tables = con.sql(f"SELECT name, input_hash FROM {TABLES_TABLE}").fetchall()
            files = (
                con.sql(f"SELECT name, sha256 FROM {FILES_TABLE}").fetchall()
                if FILES_TABLE in known
                else []
            )
            return _Stored(
                months={month: (rows, digest) for month, rows, digest in months.fetchall()},
                tables=dict(tables),
                files=dict(files),
            )
    except duckdb.Error as err:
        raise DsopsError(
            f"{database}: cannot be read as the flights database ({err}). Delete it to "
            "rebuild it from data/raw/flights."
        ) from None


@dataclass(frozen=True)
class _Plan:
    """What a run writes: months to replace (all of them: the table is rebuilt), months
    to delete, and small tables to reload."""

    months: list[int]
    gone: list[int]
    reload: list[str]
    rebuild: bool


def _write(database: Path, plan: _Plan, rows: pd.DataFrame, tables, hashes, tabled, files) -> None:
    """Apply the plan and record the hashes, on a copy that replaces the database only
    once every statement succeeded."""
    wal = database.with_name(database.name + ".wal")
    if wal.exists():
        raise DsopsError(
            f"{wal} exists: an earlier write to {database} did not finish. Open the database "
            "once with DuckDB to replay it, or delete both files to rebuild."
        )
    with atomic_path(database) as work:
        if database.is_file() and not plan.rebuild:
            shutil.copyfile(database, work)
        with duckdb.connect(str(work)) as con:
            quiet(con)
            con.register("new_rows", rows)
            if plan.rebuild:  # new code may have new columns: the table is made anew
                con.execute(f"CREATE OR REPLACE TABLE {FLIGHTS_TABLE} AS SELECT * FROM new_rows")
            else:
                listed = ", ".join(str(m) for m in plan.months + plan.gone) or "NULL"
                con.execute(f"DELETE FROM {FLIGHTS_TABLE} WHERE month IN ({listed})")
                con.execute(f"INSERT INTO {FLIGHTS_TABLE} BY NAME SELECT * FROM new_rows")
            for name in DIMENSIONS if plan.rebuild else plan.reload:
                con.register(f"new_{name}", tables[name])
                con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM new_{name}")
            records = {
                MONTHS_TABLE: pd.DataFrame(
                    [(m, n, h) for m, (n, h) in hashes.items()],
                    columns=["month", "rows", "input_hash"],
                ),
                TABLES_TABLE: pd.DataFrame(list(tabled.items()), columns=["name", "input_hash"]),
                FILES_TABLE: pd.DataFrame(list(files.items()), columns=["name", "sha256"]),
            }
            for name, record in records.items():
                con.register(f"new_{name}", record)
                con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM new_{name}")
            con.execute("CHECKPOINT")


def checked_output(flights: pd.DataFrame) -> pd.DataFrame:
    """The cleaned flights, checked against the output schema before anything is
    written: a failure here is a bug in a cleaning step, not in the data."""
    try:
        return CLEAN_FLIGHTS_SCHEMA.validate(flights, lazy=True, inplace=True)  # no copy
    except pa.errors.SchemaErrors as err:
        found = failed_checks(err.failure_cases).to_dict(orient="records")
        raise DsopsError(
            f"the cleaned flights failed the {CLEAN_FLIGHTS_SCHEMA.name} schema, which the "
            f"input checks should have prevented: {found}. Nothing was written; report "
            "this with the raw files you ran."
        ) from None


def run_flights_etl(
    raw_dir: Path = paths.RAW_FLIGHTS_DIR,
    database: Path = paths.FLIGHTS_DUCKDB,
    key: bytes | None = None,
) -> FlightsEtlResult:
    """Extract, pseudonymise, clean, enrich and load, recomputing only the months whose
    input changed. `key` is the pseudonymisation key (default: pseudonyms.pseudonym_key).
    One run at a time works on the database: a second waits for the first, then compares
    its input with what the first stored, so no month's update is lost."""
    key = key or pseudonym_key()
    files = {**file_hashes(raw_dir), KEY: key_fingerprint(key)}
    with reported_write_errors(database.name, database.parent), one_writer([database]):
        before = stored_hashes(database)
        if before.files == files:
            log.info("no raw file and no code changed since the last write: nothing to read")
            return FlightsEtlResult(
                database=database,
                months=[MonthRun(m, n, h, False) for m, (n, h) in before.months.items()],
            )
        tables = pseudonymise_identifiers(read_tables(raw_dir), key)  # before anything else
        log.info("read %s", ", ".join(f"{name} ({len(t):,} rows)" for name, t in tables.items()))
        flights, flight_log = run_steps(tables["flights"], FLIGHT_STEPS)
        weather, weather_log = run_steps(tables["weather"], WEATHER_STEPS)
        checked_output(flights)
        hashes, tabled = month_hashes(tables), table_hashes(tables)
        stored_months = {month: digest for month, (_, digest) in before.months.items()}
        changed = [m for m, (_, h) in hashes.items() if stored_months.get(m) != h]
        gone = [m for m in stored_months if m not in hashes]
        reload = [name for name, h in tabled.items() if before.tables.get(name) != h]
        log.info(
            "months to recompute: %s; months to remove: %s; tables to reload: %s",
            changed or "none",
            gone or "none",
            reload or "none",
        )
        if changed or gone or reload:
            plan = _Plan(changed, gone, reload, rebuild=set(changed) == set(hashes))
            rows = enrich(flights[flights["month"].isin(changed)], weather, tables["planes"])
            _write(database, plan, rows, tables, hashes, tabled, files)
            log.info("wrote %s (%s)", database, "rebuilt" if plan.rebuild else "updated")
    return FlightsEtlResult(
        database=database,
        months=[MonthRun(m, n, h, m in changed) for m, (n, h) in hashes.items()],
        removed=gone,
        reloaded=reload,
        steps={"flights": flight_log, "weather": weather_log},
    )
