"""Extract: the five raw tables read as written, typed as declared, and checked against
their pandera schemas. A problem is one message naming the file, the column and the
lines (line 1 is the header), never a traceback."""

import zipfile
import zlib
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
    UTC_HOUR_FORMAT,
)
from dsops.flights.parse import invalid_hhmm
from dsops.shared.errors import DataValidationError

MAX_EXAMPLES = 5
NA_VALUES = ["NA", ""]
# ASCII digits only: Python's \d also matches other scripts' digits, which pandas cannot
# convert. Whole numbers have at most 18 digits, so every one fits a 64-bit integer.
WHOLE = r"^-?[0-9]{1,18}$"
DECIMAL = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"

# Check names, and the sentence each becomes in a message.
HHMM, NYC, FAA_CODE, UTC_HOUR = "hhmm_clock_time", "nyc_origin", "faa_code", "utc_hour"
ONE_YEAR, LOCAL_HOUR = "one_year", "local_hour"
SENTENCES = {
    ONE_YEAR: "years other than the first row's (the tables hold one year)",
    LOCAL_HOUR: "time_hour, in New York time, is not the row's year, month, day and hour",
    HHMM: "values that are not clock times written hhmm (0000 to 2359, or 2400)",
    NYC: f"airport codes that are not one of New York's {', '.join(ORIGINS)}",
    FAA_CODE: "values that are not three-character airport codes",
    UTC_HOUR: "values that are not an hour written YYYY-MM-DDTHH:00:00Z",
    "in_range": "values outside {}",
    "field_uniqueness": "values that appear more than once (the table's key)",
    "not_nullable": "missing values",
}

_clock = pa.Check(lambda s: ~invalid_hhmm(s), name=HHMM)
_origin = pa.Check(lambda s: s.isin(ORIGINS), name=NYC)
_hour = pa.Check.str_matches(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:00:00Z$", name=UTC_HOUR)
_year = pa.Check(lambda s: s == s.iloc[0], name=ONE_YEAR)


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


_local = pa.Check(_local_hour_agrees, name=LOCAL_HOUR)

SCHEMAS = {
    "flights": pa.DataFrameSchema(
        {
            "month": pa.Column(int, pa.Check.in_range(1, 12)),
            "day": pa.Column(int, pa.Check.in_range(1, 31)),
            **{c: pa.Column("Int64", _clock, nullable=True) for c in ["dep_time", "arr_time"]},
            **{c: pa.Column("Int64", _clock) for c in ["sched_dep_time", "sched_arr_time"]},
            "origin": pa.Column(str, _origin),
            "dest": pa.Column(str, pa.Check.str_matches(r"^[A-Z0-9]{3}$", name=FAA_CODE)),
            "distance": pa.Column(int, pa.Check.gt(0)),
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


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, so messages quote 2561, not np.int64."""
    return value.item() if hasattr(value, "item") else value


def _examples(values: pd.Series) -> str:
    shown = [f"line {int(row) + 2}: {_plain(v)!r}" for row, v in values.head(MAX_EXAMPLES).items()]
    more = f"; and {len(values) - MAX_EXAMPLES} more" if len(values) > MAX_EXAMPLES else ""
    return "; ".join(shown) + more


def _open_text(path: Path) -> pd.DataFrame:
    """The file's cells as text (only `NA` and empty are missing)."""
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=NA_VALUES, engine="pyarrow"
    )


def _typed(path: Path, text: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Each column converted to its declared type, refusing text that is not one. Each
    distinct text is judged and converted once (a column of 336,776 clock times holds
    about 1,300 distinct values), then the results are spread back to the rows."""
    columns = {}
    for column, dtype in dtypes.items():
        values = text[column]
        if dtype == "str":
            columns[column] = values
            continue
        codes, distinct = pd.factorize(values)  # missing values get code -1
        distinct = pd.Series(distinct, dtype=object)
        pattern = WHOLE if "int" in dtype.lower() else DECIMAL
        wrong = ~distinct.str.fullmatch(pattern).fillna(False).astype(bool).to_numpy()
        bad = (codes >= 0) & wrong[codes]
        if dtype == "int64":
            bad |= codes < 0
        if bad.any():
            kind = "whole numbers of at most 18 digits" if pattern == WHOLE else "numbers"
            missing = " or missing" if dtype == "int64" and (codes[bad] < 0).any() else ""
            raise DataValidationError(
                f"{path}: column {column!r} has values that are not {kind}{missing} "
                f"({_examples(values[bad].fillna('NA'))}). Fix the file or restore it with "
                f"`git checkout -- {path}`."
            )
        # Python's float() for decimals: too many digits give inf, never an overflow error
        parsed = distinct.astype("float64") if pattern == DECIMAL else pd.to_numeric(distinct)
        numbers = pd.array(parsed, dtype=dtype)
        typed = numbers.take(codes, allow_fill=True) if (codes < 0).any() else numbers[codes]
        columns[column] = pd.Series(typed, index=values.index, dtype=dtype)
    return pd.DataFrame(columns)


def _explain(path: Path, schema: pa.DataFrameSchema, failures: pd.DataFrame) -> str:
    problems = []
    whole_rows = failures["schema_context"] == "DataFrameSchema"
    for check, cases in failures[whole_rows].groupby("check", sort=False):
        rows = sorted({int(i) for i in cases["index"].dropna()})
        lines = ", ".join(str(row + 2) for row in rows[:MAX_EXAMPLES])
        more = f" and {len(rows) - MAX_EXAMPLES} more" if len(rows) > MAX_EXAMPLES else ""
        sentence = SENTENCES.get(str(check), f"the check {check} fails")
        problems.append(
            f"in {len(rows)} row{'s' if len(rows) != 1 else ''}, {sentence} "
            f"(line{'s' if len(rows) != 1 else ''} {lines}{more})"
        )
    for (column, check), cases in failures[~whole_rows].groupby(["column", "check"], sort=False):
        name, _, arguments = str(check).partition("(")
        sentence = SENTENCES.get(name, f"values failing {check}").format(arguments.rstrip(")"))
        examples = cases.set_index("index")["failure_case"]
        problems.append(f"column {column!r} has {sentence} ({_examples(examples)})")
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return (
        f"{path} failed validation against the {schema.name} schema:\n{listed}\n"
        f"Fix the file (or restore it with `git checkout -- {path}`); nothing was written."
    )


def read_table(name: str, raw_dir: Path) -> pd.DataFrame:
    """One raw table, typed as declared in columns.DTYPES and validated."""
    path = raw_dir / FILES[name]
    if not path.is_file():
        raise DataValidationError(
            f"{path}: no such file. The flights ETL reads {', '.join(FILES.values())} "
            f"from one folder: restore it (`git checkout -- {path}`) or pass --raw with a "
            "folder that has all five."
        )
    try:
        text = _open_text(path)
    except (zipfile.BadZipFile, EOFError, zlib.error) as err:
        raise DataValidationError(
            f"{path}: the compressed file is damaged or truncated ({err}). Restore it with "
            f"`git checkout -- {path}`."
        ) from None
    except (UnicodeDecodeError, ValueError) as err:
        detail = " ".join(str(err).split())
        raise DataValidationError(f"{path}: could not be read as CSV: {detail}") from None
    dtypes = DTYPES[name]
    missing = [column for column in dtypes if column not in text.columns]
    if missing:
        raise DataValidationError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)}; the {name} table has "
            f"{', '.join(dtypes)}. Restore the file with `git checkout -- {path}`."
        )
    frame = _typed(path, text, dtypes)
    schema = SCHEMAS[name]
    try:
        schema.validate(frame, lazy=True, inplace=True)  # checks only: no copy
    except pa.errors.SchemaErrors as err:
        raise DataValidationError(_explain(path, schema, err.failure_cases)) from None
    if name in ROW_IDS:  # each row's line in the file, as a key and a stable order
        frame.insert(0, ROW_IDS[name], pd.RangeIndex(1, len(frame) + 1, dtype="int64"))
    return frame


def read_tables(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table, in the order of columns.FILES."""
    return {name: read_table(name, raw_dir) for name in FILES}


__all__ = ["KEYS", "read_table", "read_tables"]
