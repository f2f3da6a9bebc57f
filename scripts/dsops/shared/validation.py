"""One validation layer for every dataset.

What is shared, so each dataset keeps only its schemas and its cleaning steps:

- reading: `read_text` reads a CSV (or a zipped one) with every cell as text; a file
  that is not a CSV, a header that went wrong or a row with the wrong number of
  fields is one sentence naming it, with its lines;
- missing values: only `NA` or an empty field means missing (`MISSING`);
- numbers and dates are judged as written, before anything converts them: `number()`,
  `whole_number()`, `iso_date()`, `one_of()` build pandera columns and checks whose
  `error=` text is the sentence a message shows, and `numbers()`, `whole_numbers()`,
  `dates()` convert what passed;
- failures: `validate` runs a pandera schema and turns every failure into one message
  naming the file, each column and the lines (line 1 is the header).
"""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from dsops.shared import paths
from dsops.shared.errors import DataValidationError

MISSING = ["NA", ""]  # the only texts that mean "no value"
MAX_EXAMPLES = 5  # offending values quoted per problem

# ASCII digits only: Python's \d also matches other scripts' digits (`٣`), which no
# parser here converts. A whole number has at most 18 digits, so it fits 64 bits.
NUMBER = r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
WHOLE = r"-?[0-9]{1,18}"
ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


# Reading -----------------------------------------------------------------------------


@contextmanager
def open_bytes(path: Path) -> Iterator[io.BufferedIOBase]:
    """A file, or the one file inside a .zip, as bytes."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as member:
            yield member
    else:
        with open(path, "rb") as handle:
            yield handle


def _not_utf8(path: Path) -> DataValidationError:
    """Where a file stops being UTF-8, by line (decoded whole, so the error's position
    is the file's; only called once reading has failed)."""
    with open_bytes(path) as handle:
        data = handle.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = len(re.split(rb"\r\n|\r|\n", data[: err.start]))
        return DataValidationError(
            f"{path}: line {line} is not UTF-8 text ({err.reason}). Save the file as UTF-8 "
            "(comma-separated) and run again."
        )
    return DataValidationError(f"{path}: could not be decoded as UTF-8 text.")


def numbered_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on (an empty line is an empty row; a quoted
    value may span lines). Text that is not UTF-8 is one sentence naming its line."""
    with open_bytes(path) as binary:
        handle = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        reader = csv.reader(handle)
        line = 1
        try:
            for row in reader:
                yield line, row
                line = reader.line_num + 1
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except csv.Error as err:
            raise DataValidationError(f"{path}: line {line} is not valid CSV: {err}.") from None


def data_lines(path: Path) -> list[int]:
    """The line of each data row, in order (empty lines hold no row)."""
    return [line for line, row in numbered_rows(path) if row and line > 1]


def _header_problem(path: Path, header: list[str], expected: list[str]) -> str | None:
    """A sentence for the common ways a header goes wrong, before columns go missing."""
    if not header:
        return (
            "line 1 is empty, so the header is not the first line: remove the empty lines above it."
        )
    if len(header) == 1:
        for name, separator in (("semicolons", ";"), ("tabs", "\t")):
            if separator in header[0]:
                return (
                    f"the header has one column with {name} in it, so the file looks "
                    f"separated by {name}; the data is comma-separated. Save it as CSV "
                    "with commas."
                )
    unnamed = [str(i) for i, name in enumerate(header, start=1) if not name.strip()]
    if unnamed:
        return (
            f"the header gives column {' and '.join(unnamed)} no name: name it in the header "
            "or remove it (with its commas)."
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        return (
            f"the header names {', '.join(repr(d) for d in duplicated)} more than once, so "
            "one of those columns would be lost: rename or remove the duplicate."
        )
    by_lower = {name.lower(): name for name in expected}
    recased = [
        f"{name!r} should be {by_lower[name.lower()]!r}"
        for name in header
        if name not in expected and name.lower() in by_lower
    ]
    if recased:
        more = "; …" if len(recased) > 3 else ""
        return (
            f"header names differ from the expected ones in case ({'; '.join(recased[:3])}"
            f"{more}): restore the original header."
        )
    return None


def _field_count_problem(path: Path, width: int) -> str | None:
    """Rows with more or fewer fields than the header (both refused alike), by line."""
    wrong = [
        f"line {line}: {len(row)} fields"
        for line, row in numbered_rows(path)
        if line > 1 and row and len(row) != width
    ]
    if not wrong:
        return None
    more = f"; and {len(wrong) - MAX_EXAMPLES} more" if len(wrong) > MAX_EXAMPLES else ""
    return (
        f"{path}: the header has {width} fields but {len(wrong)} row"
        f"{'s' if len(wrong) != 1 else ''} do{'es' if len(wrong) == 1 else ''} not "
        f"({'; '.join(wrong[:MAX_EXAMPLES])}{more}): a value is missing or holds an "
        "unquoted comma."
    )


def read_text(path: Path, expected: list[str]) -> pd.DataFrame:
    """Every cell of a CSV file (or of the one file in a .zip) as text; only `MISSING`
    texts are missing. Rows keep the file's order, numbered from 0 (`data_lines` gives
    their lines). `expected` is the header the file should have, to name a re-cased
    one. Anything that keeps the file from being read is one sentence naming it."""
    restore = git_restore(path)
    if not path.is_file():
        then = f"Restore it with {restore}, or pass" if restore else "Pass"
        raise DataValidationError(f"{path}: no such file. {then} --raw with the path of the file.")
    try:
        with open_bytes(path) as handle:
            head = handle.read(4096)
        if not head.strip():
            raise DataValidationError(
                f"{path}: the file is empty; expected a CSV with a header row."
            )
        if b"\x00" in head:
            raise DataValidationError(
                f"{path}: this is not a CSV text file (it contains binary data). "
                "Pass the data as comma-separated text."
            )
        header = next(row for _, row in numbered_rows(path))
        problem = _header_problem(path, header, expected)
        if problem:
            raise DataValidationError(f"{path}: {problem}")
        frame = pd.read_csv(
            path, dtype="str", keep_default_na=False, na_values=MISSING, engine="pyarrow"
        )
    except (zipfile.BadZipFile, EOFError, zlib.error) as err:
        then = f"Restore it with {restore}." if restore else "Replace it with a good copy."
        raise DataValidationError(
            f"{path}: the compressed file is damaged or truncated ({err}). {then}"
        ) from None
    except ValueError as err:  # Arrow's parser: wrong field counts, text that is not UTF-8
        problem = _field_count_problem(path, len(header))  # also names a non-UTF-8 line
        detail = " ".join(str(err).split())
        raise DataValidationError(
            problem or f"{path}: could not be read as CSV: {detail}"
        ) from None
    if frame.empty:
        raise DataValidationError(f"{path}: the file has a header but no data rows.")
    return frame


def git_restore(path: Path) -> str | None:
    """The command that gets a raw file of this repository back (git has it); None for
    a file anywhere else, which only its maker can replace."""
    resolved = path.resolve()
    if resolved.is_relative_to(paths.RAW_DIR):
        return f"`git checkout -- {paths.project_relative(resolved)}`"
    return None


# Judging values as written -------------------------------------------------------------


def _written_as(text: pd.Series, pattern: str) -> pd.Series:
    """Which values are written in `pattern` (missing values are not)."""
    return text.str.fullmatch(pattern).fillna(False).astype(bool)


def numbers(text: pd.Series) -> pd.Series:
    """Values written as numbers, as float64; NaN for every other text. Python's float()
    reads them, so a number too large for float64 (1e400) becomes inf."""
    return text.where(_written_as(text, NUMBER)).astype("float64")


def whole_numbers(text: pd.Series) -> pd.Series:
    """Values written as whole numbers, as nullable 64-bit integers (`<NA>` otherwise)."""
    return text.where(_written_as(text, WHOLE)).astype("Int64")


def dates(text: pd.Series) -> pd.Series:
    """Values written as real YYYY-MM-DD dates (2007-02-30 is none), as datetime64[ns];
    NaT for every other text."""
    written = text.where(_written_as(text, ISO_DATE))
    return pd.to_datetime(written, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")


def _finite(text: pd.Series) -> pd.Series:
    """Which values are numbers that fit a float64 (1e400 does not)."""
    return numbers(text).abs() < float("inf")


def _bounds(low: float, high: float) -> str:
    return f"{low:g} to {high:g}"


def number(nullable: bool = True, within: tuple[float, float] | None = None) -> pa.Column:
    """A text column of decimal numbers (an exponent allowed: 1e3), finite in float64,
    and, with `within`, inside that range."""
    checks = [pa.Check(lambda text: _finite(text), error="values that are not a number")]
    if within:
        low, high = within
        checks.append(
            pa.Check(  # judged only where the text is a number: other text fails above
                lambda text: ~_finite(text) | numbers(text).between(low, high),
                error=f"values outside the range {_bounds(low, high)}",
            )
        )
    return pa.Column(str, checks, nullable=nullable)


def whole_number(nullable: bool = False, at_least: int | None = None) -> pa.Column:
    """A text column of whole numbers of at most 18 digits (and at least `at_least`)."""
    least = "" if at_least is None else f"at least {at_least} and "
    lowest = -(10**18) if at_least is None else at_least
    return pa.Column(
        str,
        pa.Check(
            lambda text: (whole_numbers(text) >= lowest).fillna(False).astype(bool),
            error=f"values that are not a whole number of {least}at most 18 digits",
        ),
        nullable=nullable,
    )


def iso_date(years: tuple[int, int] | None = None, nullable: bool = False) -> pa.Column:
    """A text column of real dates written YYYY-MM-DD (and, with `years`, in them)."""
    checks = [
        pa.Check(
            lambda text: dates(text).notna(), error="values that are not a date written YYYY-MM-DD"
        )
    ]
    if years:
        first, last = years
        checks.append(
            pa.Check(  # judged only where the text is a date
                lambda text: dates(text).isna() | dates(text).dt.year.between(first, last),
                error=f"dates outside the years {first} to {last}",
            )
        )
    return pa.Column(str, checks, nullable=nullable)


def one_of(values: list[str], nullable: bool = False) -> pa.Column:
    """A text column whose values come from a fixed list."""
    return pa.Column(
        str,
        pa.Check.isin(values, error=f"values outside the allowed set {values}"),
        nullable=nullable,
    )


def text(nullable: bool = True) -> pa.Column:
    """A text column that may hold anything (and, if `nullable`, nothing)."""
    return pa.Column(str, nullable=nullable)


# From failures to one message ----------------------------------------------------------

# Sentences for pandera's own checks; every other check carries its sentence as `error=`.
BUILT_IN = {
    "not_nullable": "missing values",
    "field_uniqueness": "values that appear more than once (they are the table's key)",
}


def _quoted(value: object) -> str:
    """A failing value as the message quotes it: text with quotes, numbers without."""
    return repr(value.item() if hasattr(value, "item") else value)


def _examples(cases: pd.DataFrame, line_of: list[int]) -> str:
    shown = [
        f"line {line_of[int(row)]}: {_quoted(value)}"
        for row, value in zip(cases["index"], cases["failure_case"], strict=True)
    ][:MAX_EXAMPLES]
    more = f"; and {len(cases) - MAX_EXAMPLES} more" if len(cases) > MAX_EXAMPLES else ""
    return "; ".join(shown) + more


def explain(
    path: Path, schema: pa.DataFrameSchema, failures: pd.DataFrame, fix: str | None = None
) -> str:
    """pandera's failure cases as one message: a line per problem naming the column,
    what is wrong and the first lines where it is, then what to do: `fix`, or, by
    default, fix the file or restore it (an empty `fix` says nothing more)."""
    # (pandera names the schema, not the column, for each column that is absent)
    failures = failures.drop_duplicates(["column", "check", "index", "failure_case"])
    line_of = data_lines(path) if failures["index"].notna().any() else []
    problems = []
    absent = failures["check"] == "column_in_dataframe"
    missing = [repr(column) for column in failures.loc[absent, "failure_case"]]
    if missing:
        plural = "s" if len(missing) != 1 else ""
        problems.append(f"missing required column{plural} {', '.join(missing)}")
    key = failures["check"] == "multiple_fields_uniqueness"
    if key.any():
        rows = failures[key].pivot(index="index", columns="column", values="failure_case")
        rows = rows[list(schema.unique)]
        shown = [
            f"line {line_of[int(row)]}: {tuple(values)!r}"
            for row, values in zip(rows.index, rows.itertuples(index=False), strict=True)
        ]
        more = f"; and {len(shown) - MAX_EXAMPLES} more" if len(shown) > MAX_EXAMPLES else ""
        problems.append(
            f"columns {tuple(schema.unique)!r} must be unique together, but {len(rows)} rows "
            f"repeat a combination ({'; '.join(shown[:MAX_EXAMPLES])}{more})"
        )
    whole_rows = (failures["schema_context"] == "DataFrameSchema") & ~absent & ~key
    for check, cases in failures[whole_rows].groupby("check", sort=False):
        rows = sorted({int(i) for i in cases["index"].dropna()})
        lines = ", ".join(str(line_of[row]) for row in rows[:MAX_EXAMPLES])
        more = f" and {len(rows) - MAX_EXAMPLES} more" if len(rows) > MAX_EXAMPLES else ""
        plural = "s" if len(rows) != 1 else ""
        problems.append(f"in {len(rows)} row{plural}, {check} (line{plural} {lines}{more})")
    in_column = failures["schema_context"] == "Column"
    for (column, check), cases in failures[in_column].groupby(["column", "check"], sort=False):
        problems.append(
            f"column {column!r} has {BUILT_IN.get(check, check)} ({_examples(cases, line_of)})"
        )
    listed = "\n".join(f"  - {problem}" for problem in problems)
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    if fix is None:
        restore = git_restore(path)
        hint = f"restore it with {restore}" if restore else "pass --raw with a corrected copy"
        fix = f"Fix the file (or {hint}); nothing was written."
    message = f"{path} failed validation against the {schema.name} schema ({count}):\n{listed}"
    return f"{message}\n{fix}" if fix else message


def validate(
    frame: pd.DataFrame, schema: pa.DataFrameSchema, path: Path, fix: str | None = None
) -> pd.DataFrame:
    """`frame` checked against `schema` (every check, all failures gathered); one
    message naming `path`, the columns and the lines if any check fails, ending with
    `fix` (see `explain`)."""
    try:
        return schema.validate(frame, lazy=True, inplace=True)  # checks only: no copy
    except pa.errors.SchemaErrors as err:
        raise DataValidationError(explain(path, schema, err.failure_cases, fix)) from None
