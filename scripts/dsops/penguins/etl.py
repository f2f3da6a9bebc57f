"""The penguins ETL: the raw Palmer Station export in, a clean table out, written as
Parquet and as an embedded DuckDB database.

    read the text -> check it against the raw schema -> clean it with named steps
    -> check the clean schema -> write Parquet and DuckDB together, atomically

Reading and checking are the shared validation layer's (`dsops.shared.validation`):
a bad export stops here with one message naming the file, each column and the lines.
The cleaning steps are small functions composed with `DataFrame.pipe` by the shared
pipeline runner, which logs each one (`dsops --verbose etl`).
"""

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from dsops.penguins.columns import ISLANDS, KEY, MEASUREMENTS, RAW_SEXES, RAW_TO_CLEAN, SPECIES
from dsops.penguins.database import check_load
from dsops.penguins.schema import CLEAN_SCHEMA, RAW_COLUMNS, RAW_SCHEMA
from dsops.shared import paths
from dsops.shared.database import quiet, reported_write_errors
from dsops.shared.errors import DsopsError
from dsops.shared.files import atomic_paths, one_writer
from dsops.shared.pipeline import run_steps
from dsops.shared.validation import dates, numbers, read_text, validate, whole_numbers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EtlResult:
    rows: int
    parquet: Path
    duckdb: Path


# Extract: the export as text, judged as written --------------------------------------


def read_raw(path: Path) -> pd.DataFrame:
    """The export as text, checked against the raw schema: every problem in the file is
    named in one message, and nothing goes further."""
    return validate(read_text(path, RAW_COLUMNS), RAW_SCHEMA, path)


# Transform: small named steps, each doing one thing -------------------------------------


def rename_to_snake_case(frame: pd.DataFrame) -> pd.DataFrame:
    """The export's column titles as snake_case names (`Culmen Length (mm)` -> bill_length_mm)."""
    return frame.rename(columns=RAW_TO_CLEAN)


def shorten_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Short species and sex labels, as categories with every level declared."""
    return frame.assign(
        species=pd.Categorical(frame["species"].map(SPECIES), categories=list(SPECIES.values())),
        island=pd.Categorical(frame["island"], categories=ISLANDS),
        sex=pd.Categorical(frame["sex"].map(RAW_SEXES), categories=list(RAW_SEXES.values())),
    )


NUMERIC_COLUMNS = [*MEASUREMENTS, "delta_15n", "delta_13c"]


def parse_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers, the egg date, the clutch flag and the sample number from text the raw
    schema has passed (with the parsers its checks use)."""
    return frame.assign(
        sample_number=whole_numbers(frame["sample_number"]).astype("int64"),
        clutch_completion=frame["clutch_completion"].eq("Yes").astype(bool),
        date_egg=dates(frame["date_egg"]),
        **{column: numbers(frame[column]) for column in NUMERIC_COLUMNS},
    )


def add_study_year(frame: pd.DataFrame) -> pd.DataFrame:
    """The study season, from the date the first egg was observed."""
    return frame.assign(year=frame["date_egg"].dt.year.astype("int64"))


def keep_clean_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The clean schema's columns in its order: the export's constant columns and any
    extra ones are dropped."""
    return frame[list(CLEAN_SCHEMA.columns)]


def sort_by_bird(frame: pd.DataFrame) -> pd.DataFrame:
    """One row order (species, then sample number), so reruns write the same bytes
    whatever order the export's rows came in."""
    return frame.sort_values(KEY, kind="stable").reset_index(drop=True)


CLEANING_STEPS = [
    rename_to_snake_case,
    shorten_labels,
    parse_types,
    add_study_year,
    keep_clean_columns,
    sort_by_bird,
]


def clean_penguins(raw: pd.DataFrame) -> pd.DataFrame:
    """Validated raw text through every cleaning step, then checked against the clean
    schema. A failure there is a bug in a step (the raw schema should have stopped the
    data), so its message asks for a report."""
    clean, _ = run_steps(raw, CLEANING_STEPS)
    try:
        return CLEAN_SCHEMA.validate(clean, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases[["column", "check", "failure_case"]].head(5)
        raise DsopsError(
            f"the cleaned table failed the {CLEAN_SCHEMA.name} schema, which the raw schema "
            f"should have prevented: {cases.to_dict(orient='records')}. Nothing was written; "
            "report this with the file you ran."
        ) from None


def clean_export(path: Path = paths.RAW_PENGUINS) -> pd.DataFrame:
    """The clean table from an export, without writing anything."""
    return clean_penguins(read_raw(path))


# Load: Parquet and DuckDB, both or neither -----------------------------------------------


def table_ddl(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """CREATE TABLE for the clean table: DuckDB's type for each column (pandas'
    categories become ENUM types), NOT NULL where the clean schema allows no missing
    value, and the key."""
    columns = [
        f'"{name}" {kind}{"" if CLEAN_SCHEMA.columns[name].nullable else " NOT NULL"}'
        for name, kind, *_ in con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    ]
    columns.append(f"PRIMARY KEY ({', '.join(KEY)})")
    return f"CREATE TABLE {paths.PENGUINS_TABLE} (\n  " + ",\n  ".join(columns) + "\n)"


def write_duckdb(clean: pd.DataFrame, target: Path) -> None:
    """The clean table in a new DuckDB file, declaring its key and required columns."""
    with duckdb.connect(str(target)) as con:
        quiet(con)
        con.register("clean", clean)
        con.execute(table_ddl(con, "clean"))
        con.execute(f"INSERT INTO {paths.PENGUINS_TABLE} SELECT * FROM clean")


def write_outputs(clean: pd.DataFrame, out_dir: Path) -> EtlResult:
    """Write Parquet and DuckDB to temporary files, then swap both into place together:
    both change, or neither does. One run writes at a time (see one_writer)."""
    parquet = out_dir / paths.PENGUINS_PARQUET_NAME
    database = out_dir / paths.PENGUINS_DUCKDB_NAME
    with (
        reported_write_errors("the outputs", out_dir),
        one_writer([parquet, database]),
        atomic_paths([parquet, database]) as (new_parquet, new_database),
    ):
        clean.to_parquet(new_parquet, index=False)
        write_duckdb(clean, new_database)
    return EtlResult(rows=len(clean), parquet=parquet, duckdb=database)


def run_etl(raw: Path = paths.RAW_PENGUINS, out_dir: Path = paths.PROCESSED_DIR) -> EtlResult:
    """The whole step: the raw export in, validated Parquet and DuckDB out, the database
    checked with the shared count query. Reading and writing are logged with their rows
    and seconds, as the cleaning steps are."""
    started = time.perf_counter()
    checked = read_raw(raw)
    seconds = time.perf_counter() - started
    log.info(
        "read and checked %d rows of %s (%.3f s)", len(checked), raw, seconds,
        extra={"step": "read_raw", "rows_out": len(checked), "seconds": round(seconds, 6)},
    )  # fmt: skip
    clean = clean_penguins(checked)
    started = time.perf_counter()
    result = write_outputs(clean, out_dir)
    check_load(f"duckdb:///{result.duckdb.resolve()}", clean)  # the shared count query
    seconds = time.perf_counter() - started
    log.info(
        "wrote %d rows to %s and %s (%.3f s)", result.rows, result.parquet, result.duckdb, seconds,
        extra={"step": "write_outputs", "rows_in": result.rows, "seconds": round(seconds, 6)},
    )  # fmt: skip
    return result
