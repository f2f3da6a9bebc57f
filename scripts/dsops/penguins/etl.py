"""Extract, validate, clean and load the raw penguins export into Parquet and DuckDB."""

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from dsops.penguins.columns import ISLANDS, KEY, RAW_SEXES, RAW_TO_CLEAN, SPECIES
from dsops.penguins.schema import CLEAN_SCHEMA, RAW_SCHEMA
from dsops.shared import paths
from dsops.shared.errors import DataValidationError
from dsops.shared.files import atomic_path
from dsops.shared.pipeline import StepRecord, run_steps

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5  # offending rows shown per problem
NA_VALUES = ["NA", ""]


@dataclass(frozen=True)
class EtlResult:
    rows: int
    parquet: Path
    duckdb: Path


def read_raw(path: Path) -> pd.DataFrame:
    """Read the raw CSV as text, so that validation (not the parser) judges every value."""
    if not path.is_file():
        raise DataValidationError(f"{path}: no such file. Pass --raw with the path of the export.")
    head = path.read_bytes()[:4096]
    if not head.strip():
        raise DataValidationError(f"{path}: the file is empty; expected a CSV with a header row.")
    if b"\x00" in head:
        raise DataValidationError(
            f"{path}: this is not a CSV text file (it contains binary data). "
            "Pass the Palmer Station export as comma-separated text."
        )
    try:
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
    """CSV line number of a data row (line 1 is the header)."""
    return str(int(index) + 2)  # type: ignore[call-overload]


def _describe_check(check: str) -> str:
    if check.startswith("coerce_dtype"):
        expected = check.removeprefix("coerce_dtype(").rstrip(")").strip("'")
        kind = {"float64": "a number", "int64": "a whole number"}.get(expected, expected)
        return f"values that are not {kind}"
    if check.startswith("isin("):
        return "values outside the allowed set " + check.removeprefix("isin(").rstrip(")")
    if check.startswith("in_range("):
        low, high = check.removeprefix("in_range(").rstrip(")").split(",")
        return f"values outside the plausible range {low.strip()} to {high.strip()}"
    if check.startswith("greater_than_or_equal_to("):
        return "values below " + check.removeprefix("greater_than_or_equal_to(").rstrip(")")
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
    coerced = set(per_column.loc[per_column["check"].str.startswith("coerce_dtype"), "column"])
    for (column, check), cases in per_column.groupby(["column", "check"], sort=False):
        if column in coerced and not check.startswith("coerce_dtype"):
            continue  # checks on a column that could not be typed only repeat that failure
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


def type_flags_and_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Clutch completion as a boolean, sample number as a 64-bit integer."""
    return frame.assign(
        clutch_completion=frame["clutch_completion"].eq("Yes"),
        sample_number=frame["sample_number"].astype("int64"),
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
    add_study_year,
    sort_by_key,
    keep_clean_columns,
]


def clean_penguins_logged(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[StepRecord]]:
    """Tidy a validated raw table step by step; return it validated, with the run log."""
    frame, log = run_steps(raw, CLEANING_STEPS)
    return CLEAN_SCHEMA.validate(frame), log


def clean_penguins(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy a validated raw table: snake_case names, short labels, typed and sorted."""
    return clean_penguins_logged(raw)[0]


def load_raw(path: Path) -> pd.DataFrame:
    """Read, validate and clean the raw export (no files written)."""
    return clean_penguins(validate_raw(read_raw(path), path))


def write_outputs(frame: pd.DataFrame, out_dir: Path) -> EtlResult:
    """Write Parquet and DuckDB atomically: both are complete, or the old ones stay."""
    parquet = out_dir / paths.PENGUINS_PARQUET_NAME
    database = out_dir / paths.PENGUINS_DUCKDB_NAME
    with atomic_path(parquet) as tmp_parquet, atomic_path(database) as tmp_db:
        frame.to_parquet(tmp_parquet, index=False, engine="pyarrow")
        with duckdb.connect(str(tmp_db)) as con:
            con.register("clean", frame)
            con.execute(f"CREATE TABLE {paths.PENGUINS_TABLE} AS SELECT * FROM clean")
            con.execute("CHECKPOINT")
        # leaving the block renames both temporary files over the real ones
    return EtlResult(rows=len(frame), parquet=parquet, duckdb=database)


def run_etl(raw: Path = paths.RAW_PENGUINS, out_dir: Path = paths.PROCESSED_DIR) -> EtlResult:
    """The whole step: raw CSV in, validated Parquet and DuckDB out."""
    frame = load_raw(raw)
    result = write_outputs(frame, out_dir)
    log.info("wrote %d rows to %s and %s", result.rows, result.parquet, result.duckdb)
    return result
