"""Extract: the five raw tables read as text, checked as written, typed as declared
(columns.DTYPES), and checked against their pandera schemas. Reading, judging numbers
and the messages are the shared validation layer's (`dsops.shared.validation`): a
problem is one message naming the file, the column and the lines (line 1 is the
header), never a traceback."""

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from dsops.flights.columns import (
    DTYPES,
    FILES,
    KEYS,
    LOCAL_TIME_ZONE,
    ORIGINS,
    ROW_IDS,
    SENSITIVE,
    UTC_HOUR_FORMAT,
)
from dsops.flights.parse import invalid_hhmm
from dsops.shared import paths
from dsops.shared.errors import DataValidationError
from dsops.shared.validation import (
    number,
    numbers,
    read_text,
    text,
    validate,
    whole_number,
    whole_numbers,
)

# Each check carries the sentence a message shows (pandera's `error=`).
_clock = pa.Check(
    lambda s: ~invalid_hhmm(s),
    name="hhmm_clock_time",
    error="values that are not clock times written hhmm (0000 to 2359, or 2400)",
)
_origin = pa.Check(
    lambda s: s.isin(ORIGINS),
    name="nyc_origin",
    error=f"airport codes that are not one of New York's {', '.join(ORIGINS)}",
)
_hour = pa.Check.str_matches(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:00:00Z$",
    name="utc_hour",
    error="values that are not an hour written YYYY-MM-DDTHH:00:00Z",
)
_year = pa.Check(
    lambda s: s == s.iloc[0],
    name="one_year",
    error="years other than the first row's (the tables hold one year)",
)
_faa_code = pa.Check.str_matches(
    r"^[A-Z0-9]{3}$", name="faa_code", error="values that are not three-character airport codes"
)


def _within(low: int, high: int) -> pa.Check:
    return pa.Check.in_range(low, high, error=f"values outside {low} to {high}")


def _local_hour_agrees(frame: pd.DataFrame) -> pd.Series:
    """Whether time_hour (UTC) falls, in New York time, on the row's own year, month, day
    and hour: the flights meet the weather on time_hour, while the ETL groups rows by
    their local month, so the two must agree for a month's rows to be its own."""
    codes, hours = pd.factorize(frame["time_hour"])  # a year has 8,760 distinct hours
    if len(hours) == 0:  # every time_hour missing: the column's own check names them
        return pd.Series(False, index=frame.index)
    utc = pd.to_datetime(pd.Series(hours), format=UTC_HOUR_FORMAT, errors="coerce", utc=True)
    local = utc.dt.tz_convert(LOCAL_TIME_ZONE).take(np.maximum(codes, 0)).set_axis(frame.index)
    return (codes >= 0) & (
        (local.dt.year == frame["year"])
        & (local.dt.month == frame["month"])
        & (local.dt.day == frame["day"])
        & (local.dt.hour == frame["hour"])
    ).fillna(False)


_local = pa.Check(
    _local_hour_agrees,
    name="local_hour",
    error="time_hour, in New York time, is not the row's year, month, day and hour",
)

SCHEMAS = {
    "flights": pa.DataFrameSchema(
        {
            "month": pa.Column(int, _within(1, 12)),
            "day": pa.Column(int, _within(1, 31)),
            **{c: pa.Column("Int64", _clock, nullable=True) for c in ["dep_time", "arr_time"]},
            **{c: pa.Column("Int64", _clock) for c in ["sched_dep_time", "sched_arr_time"]},
            "origin": pa.Column(str, _origin),
            "dest": pa.Column(str, _faa_code),
            "distance": pa.Column(int, pa.Check.gt(0, error="distances that are not positive")),
            "time_hour": pa.Column(str, _hour),
            "year": pa.Column(int, _year),
        },
        checks=[_local],
        name="NYC flights",
    ),
    "weather": pa.DataFrameSchema(
        {
            "origin": pa.Column(str, _origin),
            "time_hour": pa.Column(str, _hour),
            "year": pa.Column(int, _year),
        },
        checks=[_local],
        name="hourly weather",
    ),
    "planes": pa.DataFrameSchema({"tailnum": pa.Column(str, unique=True)}, name="planes"),
    "airports": pa.DataFrameSchema({"faa": pa.Column(str, unique=True)}, name="airports"),
    "airlines": pa.DataFrameSchema({"carrier": pa.Column(str, unique=True)}, name="airlines"),
}


def _as_text(dtype: str) -> pa.Column:
    """How a column of a declared type must look as text."""
    if dtype in ("int64", "Int64"):
        return whole_number(nullable=dtype == "Int64")
    if dtype == "float64":
        return number()
    return text()


# Each table's columns as they must be written, before anything converts them.
TEXT_SCHEMAS = {
    name: pa.DataFrameSchema(
        {column: _as_text(dtype) for column, dtype in dtypes.items()},
        name=SCHEMAS[name].name,
    )
    for name, dtypes in DTYPES.items()
}


def as_declared(text: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Checked text converted to the declared types (with the parsers the checks used)."""
    columns = {}
    for column, dtype in dtypes.items():
        if dtype in ("int64", "Int64"):
            columns[column] = whole_numbers(text[column]).astype(dtype)
        elif dtype == "float64":
            columns[column] = numbers(text[column])
        else:
            columns[column] = text[column]
    return pd.DataFrame(columns)


def read_file(name: str, path: Path, fix: str | None = None) -> pd.DataFrame:
    """A file of table `name` (an export of some of its rows, say): read as text,
    checked as written, typed as declared in columns.DTYPES, and checked against its
    schema; a failure ends with `fix` (what to do, see validation.explain)."""
    dtypes = DTYPES[name]
    written = validate(read_text(path, list(dtypes)), TEXT_SCHEMAS[name], path, fix)
    return validate(as_declared(written, dtypes), SCHEMAS[name], path, fix)


def read_table(name: str, raw_dir: Path) -> pd.DataFrame:
    """One raw table of `raw_dir`, read and checked (`read_file`), its rows numbered
    where columns.ROW_IDS says."""
    path = raw_dir / FILES[name]
    if not path.is_file():
        raise DataValidationError(
            f"{path}: no such file. The flights ETL reads {', '.join(FILES.values())} "
            "from one folder: pass --raw with a folder that has all five."
        )
    frame = read_file(name, path)
    if name in ROW_IDS:  # each row's number in the file, as a key and a stable order
        frame.insert(0, ROW_IDS[name], pd.RangeIndex(1, len(frame) + 1, dtype="int64"))
    return frame


def read_tables(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table, in the order of columns.FILES."""
    return {name: read_table(name, raw_dir) for name in FILES}


def raw_column(name: str, column: str, raw_dir: Path = paths.RAW_FLIGHTS_DIR) -> pd.Series:
    """One column of a raw table, as text, read as it is (not checked): a cheap look at
    the input, such as the raw values a sensitive column takes."""
    return pd.read_csv(raw_dir / FILES[name], usecols=[column], dtype="string")[column]


def raw_sensitive_values(raw_dir: Path = paths.RAW_FLIGHTS_DIR) -> dict[str, set[str]]:
    """Each column tagged sensitive (columns.SENSITIVE) with every value it takes in the
    raw tables that have it: what must never appear in the processed data or the site."""
    values: dict[str, set[str]] = {column: set() for column in SENSITIVE}
    for name in FILES:
        for column in SENSITIVE.keys() & DTYPES[name].keys():
            values[column] |= set(raw_column(name, column, raw_dir).dropna())
    return values


__all__ = ["KEYS", "raw_column", "raw_sensitive_values", "read_file", "read_table", "read_tables"]
