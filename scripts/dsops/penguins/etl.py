"""Extract, validate, clean and load the raw penguins export into Parquet and DuckDB."""

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from dsops.penguins.columns import (
    ISLANDS,
    KEY,
    MEASUREMENTS,
    RAW_SEXES,
    RAW_TO_CLEAN,
    SPECIES,
)
from dsops.penguins.schema import (
    CLEAN_SCHEMA,
    IN_RANGE,
    IN_STUDY,
    IS_DATE,
    IS_NUMBER,
    IS_WHOLE,
    RAW_SCHEMA,
)
from dsops.shared import paths
from dsops.shared.errors import DataValidationError, DsopsError
from dsops.shared.files import atomic_paths
from dsops.shared.pipeline import StepRecord, run_steps

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5  # offending rows shown per problem
NA_VALUES = ["NA", ""]


@dataclass(frozen=True)
class EtlResult:
    rows: int
    parquet: Path
    duckdb: Path


def _header_problem(path: Path, header: list[str]) -> str | None:
    """A sentence for the common ways a header goes wrong, before 17 columns go missing."""
    expected = list(RAW_TO_CLEAN)
    if len(header) == 1:
        for name, separator in (("semicolons", ";"), ("tabs", "\t")):
            if separator in header[0]:
                return (
                    f"{path}: the header has one column with {name} in it, so the file looks "
                    f"separated by {name}; the export is comma-separated. Save it as CSV "
                    "with commas."
                )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        return (
            f"{path}: the header names {', '.join(repr(d) for d in duplicated)} more than "
            "once, so one of those columns would be lost: rename or remove the duplicate."
        )
    by_lower = {name.lower(): name for name in expected}
    recased = [
        f"{name!r} should be {by_lower[name.lower()]!r}"
        for name in header
        if name not in expected and name.lower() in by_lower
    ]
    if recased:
        return (
            f"{path}: header names differ from the export's in case ({'; '.join(recased[:3])}"
            f"{'; …' if len(recased) > 3 else ''}): restore the export's header."
        )
    return None


def _field_count_problem(path: Path, width: int) -> str | None:
    """Rows with more or fewer fields than the header (both are refused alike)."""
    wrong = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if number > 1 and row and len(row) != width:
                wrong.append(f"line {number}: {len(row)} fields")
    if not wrong:
        return None
    shown = "; ".join(wrong[:MAX_EXAMPLES])
    more = f"; and {len(wrong) - MAX_EXAMPLES} more" if len(wrong) > MAX_EXAMPLES else ""
    return (
        f"{path}: the header has {width} fields but {len(wrong)} row"
        f"{'s' if len(wrong) != 1 else ''} do not ({shown}{more}): a value is missing "
        "or holds an unquoted comma."
    )


def read_raw(path: Path) -> pd.DataFrame:
    """Read the raw CSV as text, so that validation (not the parser) judges every value."""
    if not path.is_file():
        raise DataValidationError(f"{path}: no such file. Pass --raw with the path of the export.")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise DataValidationError(f"{path}: the file is empty; expected a CSV with a header row.")
    if b"\x00" in head:
        raise DataValidationError(
            f"{path}: this is not a CSV text file (it contains binary data). "
            "Pass the Palmer Station export as comma-separated text."
        )
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle))
        problem = _header_problem(path, header) or _field_count_problem(path, len(header))
        if problem:
            raise DataValidationError(problem)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=NA_VALUES)
    except UnicodeDecodeError as err:
        raise DataValidationError(
            f"{path}: this is not a UTF-8 CSV text file ({err.reason} at byte {err.start}). "
            "Pass the Palmer Station export as comma-separated text."
        ) from None
    except (pd.errors.ParserError, csv.Error) as err:
        detail = " ".join(str(err).split())
        raise DataValidationError(f"{path}: could not be parsed as CSV: {detail}") from None
    if frame.empty:
        raise DataValidationError(f"{path}: the file has a header but no data rows.")
    return frame


def _line(index: object) -> str:
    """CSV line number of a data row (line 1 is the header); '?' if pandera gave none."""
    try:
        return str(int(index) + 2)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return "?"


def _describe_check(check: str) -> str:
    name, _, arguments = check.partition("(")
    bounds = [b.strip() for b in arguments.rstrip(")").split(",")] if arguments else []
    sentences = {
        IS_NUMBER: "values that are not a number",
        IS_WHOLE: "values that are not a whole number of at least 1",
        IS_DATE: "values that are not a date written YYYY-MM-DD",
        IN_RANGE: "values outside the plausible range {} to {}",
        IN_STUDY: "dates outside the study's years {} to {}",
    }
    if name in sentences:
        return sentences[name].format(*bounds)
    if name == "isin":
        return "values outside the allowed set " + arguments.rstrip(")")
    if check == "not_nullable":
        return "missing values"
    return f"values failing {check}"


def _examples(cases: pd.DataFrame) -> str:
    shown = [
        f"line {_line(row['index'])}: {row['failure_case']!r}"
        for _, row in cases.head(MAX_EXAMPLES).iterrows()
    ]
    more = len(cases) - MAX_EXAMPLES
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def explain_failures(path: Path, failures: pd.DataFrame, frame: pd.DataFrame) -> str:
    """Turn pandera's failure-case table into a message naming columns and CSV lines."""
    problems: list[str] = []
    missing = failures[failures["check"] == "column_in_dataframe"]
    for column in missing["failure_case"]:
        problems.append(f"missing required column {column!r}")
    unique = failures[failures["check"].astype(str).str.contains("uniqueness")]
    if not unique.empty:
        key = RAW_SCHEMA.unique
        dupes = frame[frame.duplicated(subset=key, keep=False)]
        shown = [
            f"line {_line(i)}: {tuple(row)!r}"
            for i, row in dupes[key].head(MAX_EXAMPLES).iterrows()
        ]
        problems.append(
            f"columns {tuple(key)!r}: each pair must appear once, but {len(dupes)} rows share a "
            f"pair ({'; '.join(shown)})"
        )
    per_column = failures[failures["schema_context"] == "Column"]
    for (column, check), cases in per_column.groupby(["column", "check"], sort=False):
        problems.append(f"column {column!r} has {_describe_check(check)} ({_examples(cases)})")
    if not problems:  # a failure pandera reports in a form not handled above
        problems = [f"{row['check']}: {row['failure_case']!r}" for _, row in failures.iterrows()]
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return (
        f"{path} failed validation against the {RAW_SCHEMA.name} schema "
        f"({len(problems)} problem{'s' if len(problems) != 1 else ''}):\n{listed}\n"
        "Fix the file (or pass --raw with a corrected copy); no outputs were written."
    )


def validate_raw(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Validate and type the raw table, or raise DataValidationError explaining every problem."""
    try:
        return RAW_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise DataValidationError(explain_failures(path, err.failure_cases, frame)) from None


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


def type_flags_and_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Clutch completion as a boolean, sample number as a 64-bit integer."""
    return frame.assign(
        clutch_completion=frame["clutch_completion"].eq("Yes"),
        sample_number=frame["sample_number"].astype("int64"),
    )


def parse_numbers_and_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Measurements as floats and the egg date as a date, from text the raw schema
    has already shown to be decimal numbers and YYYY-MM-DD dates."""
    return frame.assign(
        **{column: frame[column].astype("float64") for column in NUMERIC_COLUMNS},
        date_egg=pd.to_datetime(frame["date_egg"], format="%Y-%m-%d").astype("datetime64[ns]"),
    )


def add_study_year(frame: pd.DataFrame) -> pd.DataFrame:
    """The study season, from the date the first egg was observed."""
    return frame.assign(year=frame["date_egg"].dt.year.astype("int64"))


def sort_by_key(frame: pd.DataFrame) -> pd.DataFrame:
    """One stable row order (species, then sample number), so reruns write the same bytes."""
    return frame.sort_values(KEY, kind="stable").reset_index(drop=True)


def keep_clean_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The clean schema's columns in its order; the export's constant columns drop."""
    return frame[list(CLEAN_SCHEMA.columns)]


CLEANING_STEPS = [
    rename_to_snake_case,
    shorten_labels,
    type_flags_and_keys,
    parse_numbers_and_dates,
    add_study_year,
    sort_by_key,
    keep_clean_columns,
]


def clean_penguins_logged(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[StepRecord]]:
    """Tidy a validated raw table step by step; return it validated, with the run log."""
    frame, log = run_steps(raw, CLEANING_STEPS)
    try:
        return CLEAN_SCHEMA.validate(frame, lazy=True), log
    except pa.errors.SchemaErrors as err:  # the raw schema should have caught it first
        cases = err.failure_cases[["column", "check", "failure_case"]].head(MAX_EXAMPLES)
        raise DataValidationError(
            f"the cleaned table failed the {CLEAN_SCHEMA.name} schema, which the raw "
            f"schema should have prevented: {cases.to_dict(orient='records')}. "
            "Report this with the file you ran."
        ) from None


def clean_penguins(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy a validated raw table: snake_case names, short labels, typed and sorted."""
    return clean_penguins_logged(raw)[0]


def load_raw(path: Path) -> pd.DataFrame:
    """Read, validate and clean the raw export (no files written)."""
    return clean_penguins(validate_raw(read_raw(path), path))


def table_ddl(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """CREATE TABLE for the cleaned table: DuckDB's types for each column, NOT NULL where
    the clean schema allows no missing value, and the key as the primary key."""
    columns = []
    for name, kind, *_ in con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall():
        required = not CLEAN_SCHEMA.columns[name].nullable
        columns.append(f'"{name}" {kind}{" NOT NULL" if required else ""}')
    key = ", ".join(f'"{column}"' for column in KEY)
    return (
        f"CREATE TABLE {paths.PENGUINS_TABLE} (\n  "
        + ",\n  ".join(columns)
        + f",\n  PRIMARY KEY ({key})\n)"
    )


def _write_duckdb(frame: pd.DataFrame, target: Path) -> None:
    with duckdb.connect(str(target)) as con:
        con.register("clean", frame)
        con.execute(table_ddl(con, "clean"))
        con.execute(f"INSERT INTO {paths.PENGUINS_TABLE} SELECT * FROM clean")
        con.execute("CHECKPOINT")


def write_outputs(frame: pd.DataFrame, out_dir: Path) -> EtlResult:
    """Write Parquet and DuckDB, then swap both into place together: both change, or
    neither does (a failed second rename puts the first output back)."""
    parquet = out_dir / paths.PENGUINS_PARQUET_NAME
    database = out_dir / paths.PENGUINS_DUCKDB_NAME
    try:
        with atomic_paths([parquet, database]) as (tmp_parquet, tmp_db):
            frame.to_parquet(tmp_parquet, index=False, engine="pyarrow")
            _write_duckdb(frame, tmp_db)
    except OSError as err:
        where = err.filename or out_dir
        raise DsopsError(
            f"cannot write the outputs in {out_dir}: {err.strerror or err} ({where}). "
            "Pass --out with a folder you can write to; earlier outputs were left as they were."
        ) from None
    return EtlResult(rows=len(frame), parquet=parquet, duckdb=database)


def run_etl(raw: Path = paths.RAW_PENGUINS, out_dir: Path = paths.PROCESSED_DIR) -> EtlResult:
    """The whole step: raw CSV in, validated Parquet and DuckDB out."""
    frame = load_raw(raw)
    result = write_outputs(frame, out_dir)
    log.info("wrote %d rows to %s and %s", result.rows, result.parquet, result.duckdb)
    return result
