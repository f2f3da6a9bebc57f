"""pandera schemas for the raw Palmer Station export and for the cleaned table.

The raw schema judges the export as written: every value is text, numbers and dates
must look like numbers and ISO dates before anything converts them (so `nan`, `inf`,
`1e400` or a day-first date are named as written, never silently converted), and only
`NA` or an empty field means missing. The clean schema checks the typed table.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from dsops.penguins.columns import (
    ISLANDS,
    KEY,
    MEASUREMENTS,
    RANGES,
    RAW_SEXES,
    SPECIES,
    STUDY_YEARS,
)

# ASCII digits only: Python's \d also matches other scripts' digits (`٣`), which no
# parser here converts.
DECIMAL = r"^-?[0-9]+(?:\.[0-9]+)?$"  # as the export writes numbers: no exponent, no words
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
WHOLE = r"^[1-9][0-9]{0,17}$"  # at least 1, and small enough for a 64-bit integer

# Check names, turned into sentences by the ETL's error messages.
IS_NUMBER, IS_WHOLE, IS_DATE = "decimal_number", "whole_number", "iso_date"
IN_RANGE, IN_STUDY = "plausible_range", "study_years"

# The checks run on the column's Arrow strings (pandas' `str` dtype holds them, so this
# copies nothing), and judge each distinct text once: the export repeats a few thousand
# values across all its rows, so validation costs a hash per value, not a regular
# expression or a parse per value.


def arrow_text(text: pd.Series) -> pyarrow.Array:
    """A text column's values as one Arrow array (no copy for pandas' `str` dtype)."""
    values = pyarrow.array(text, from_pandas=True)
    return values.combine_chunks() if isinstance(values, pyarrow.ChunkedArray) else values


# A column is encoded (or read as whole numbers) once, and the result shared by the
# checks and the cleaning that read it. Entries are keyed by what was computed and the
# Arrow buffers' addresses, and hold the array itself, so no other data can take those
# addresses while an entry lives.
_ENCODED: OrderedDict[tuple[object, ...], tuple[pyarrow.Array, object]] = OrderedDict()
_ENCODED_KEPT = 16  # more than a column's checks and cleaning need at once
_ENCODED_LOCK = threading.Lock()


def _once(kind: str, text: pd.Series, compute: Callable[[pyarrow.Array], object]) -> object:
    """`compute` on the column's Arrow text, or its cached result for the same text."""
    arrow = arrow_text(text)
    key = (kind, arrow.offset, len(arrow), *(b.address if b else 0 for b in arrow.buffers()))
    with _ENCODED_LOCK:
        if key in _ENCODED:
            _ENCODED.move_to_end(key)
            return _ENCODED[key][1]
    result = compute(arrow)
    with _ENCODED_LOCK:
        _ENCODED[key] = (arrow, result)
        while len(_ENCODED) > _ENCODED_KEPT:
            _ENCODED.popitem(last=False)
    return result


def _encoded(arrow: pyarrow.Array) -> tuple[pd.Series, pyarrow.Array]:
    encoded = pc.dictionary_encode(arrow)
    distinct = pd.Series(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    return distinct, encoded.indices


def _distinct(text: pd.Series) -> tuple[pd.Series, pyarrow.Array]:
    """The distinct values (as text) and, for each row, the position of its value."""
    return _once("distinct", text, _encoded)  # type: ignore[return-value]


def forget_encodings() -> None:
    """Let go of every cached encoding (and the text it holds), once a file is done."""
    with _ENCODED_LOCK:
        _ENCODED.clear()


def _per_row(values: pyarrow.Array, indices: pyarrow.Array) -> pyarrow.Array:
    return values.take(indices)


def _mask(result: pyarrow.Array, like: pd.Series, missing: bool = False) -> pd.Series:
    """An Arrow boolean result as a pandas mask; a missing result counts as `missing`."""
    return pd.Series(pc.fill_null(result, missing).to_numpy(zero_copy_only=False), index=like.index)


def _judged(text: pd.Series, judge: Callable[[pd.Series], np.ndarray]) -> pd.Series:
    """A check's verdict for each row, from `judge`'s verdict on each distinct value.
    A missing value passes: whether a column may have one is its `nullable` setting, so
    the checks below run with `ignore_na=False` and pandera need not copy the column
    without its missing values first."""
    distinct, indices = _distinct(text)
    verdict = pyarrow.array(np.asarray(judge(distinct), dtype=bool))
    return _mask(_per_row(verdict, indices), text, missing=True)


def _decimal_values(distinct: pd.Series) -> np.ndarray:
    """Distinct texts written as decimal numbers, as float64; NaN for any other text.
    Python's float() parses each (correctly rounded; too many digits give inf, which the
    range check then refuses, quoting the text)."""
    written = distinct.where(distinct.str.fullmatch(DECIMAL).fillna(False).astype(bool))
    return written.astype("float64").to_numpy()


def _date_values(distinct: pd.Series) -> pd.DatetimeIndex:
    """Distinct texts written as real YYYY-MM-DD dates, as dates; NaT for any other text
    (parsed strictly: 2007-02-30 is no date, never March 2nd)."""
    written = distinct.where(distinct.str.fullmatch(ISO_DATE).fillna(False).astype(bool))
    return pd.DatetimeIndex(pd.to_datetime(written, format="%Y-%m-%d", errors="coerce"))


def numbers(text: pd.Series) -> pyarrow.Array:
    """The values written as decimal numbers, as float64; everything else missing."""
    distinct, indices = _distinct(text)
    value = pyarrow.array(_decimal_values(distinct), type=pyarrow.float64(), from_pandas=True)
    return _per_row(value, indices)


def whole_numbers(text: pd.Series) -> pyarrow.Array:
    """The values written as whole numbers of at least 1, as int64; everything else
    missing. Sample numbers are nearly all distinct, so this one works row by row (once
    per column: the check and the key share it)."""

    def read(arrow: pyarrow.Array) -> pyarrow.Array:
        written = pc.if_else(pc.match_substring_regex(arrow, WHOLE), arrow, None)
        return pc.cast(written, pyarrow.int64())

    return _once("whole", text, read)  # type: ignore[return-value]


def dates(text: pd.Series) -> pyarrow.Array:
    """The values written as real YYYY-MM-DD dates (see _date_values); everything else
    missing."""
    distinct, indices = _distinct(text)
    parsed = _date_values(distinct)
    return _per_row(pyarrow.array(parsed, type=pyarrow.timestamp("ns"), from_pandas=True), indices)


def _value_check(judge: Callable[[pd.Series], np.ndarray], name: str) -> pa.Check:
    """A check that judges each distinct text once (see _judged)."""
    return pa.Check(lambda text: _judged(text, judge), name=name, ignore_na=False)


def _measurement(name: str) -> pa.Column:
    low, high = RANGES[name]

    def _plausible(distinct: pd.Series) -> np.ndarray:
        # judged only where the text is a number: other text fails the check above
        value = _decimal_values(distinct)
        return np.isnan(value) | ((value >= low) & (value <= high))

    return pa.Column(
        str,
        [
            _value_check(lambda d: d.str.fullmatch(DECIMAL).to_numpy(dtype=bool), IS_NUMBER),
            _value_check(_plausible, f"{IN_RANGE}({low}, {high})"),
        ],
        nullable=True,
    )


def _egg_date() -> pa.Column:
    first, last = STUDY_YEARS

    def _in_study(distinct: pd.Series) -> np.ndarray:
        when = _date_values(distinct)
        return when.isna() | ((when.year >= first) & (when.year <= last))

    return pa.Column(
        str,
        [
            _value_check(lambda d: _date_values(d).notna(), IS_DATE),
            _value_check(_in_study, f"{IN_STUDY}({first}, {last})"),
        ],
    )


def _is_whole(text: pd.Series) -> pd.Series:
    # row by row (see whole_numbers); a missing value passes, as in _judged
    return _mask(pc.or_(pc.is_valid(whole_numbers(text)), pc.is_null(arrow_text(text))), text)


def _text(nullable: bool = True) -> pa.Column:
    return pa.Column(str, nullable=nullable)


RAW_KEY = ["Species", "Sample Number"]  # one row per bird

RAW_SCHEMA = pa.DataFrameSchema(
    {
        "studyName": _text(nullable=False),
        "Sample Number": pa.Column(str, pa.Check(_is_whole, name=IS_WHOLE, ignore_na=False)),
        "Species": pa.Column(str, pa.Check.isin(list(SPECIES))),
        "Region": _text(),
        "Island": pa.Column(str, pa.Check.isin(ISLANDS)),
        "Stage": _text(),
        "Individual ID": _text(nullable=False),
        "Clutch Completion": pa.Column(str, pa.Check.isin(["Yes", "No"])),
        "Date Egg": _egg_date(),
        "Culmen Length (mm)": _measurement("bill_length_mm"),
        "Culmen Depth (mm)": _measurement("bill_depth_mm"),
        "Flipper Length (mm)": _measurement("flipper_length_mm"),
        "Body Mass (g)": _measurement("body_mass_g"),
        "Sex": pa.Column(str, pa.Check.isin(list(RAW_SEXES)), nullable=True),
        "Delta 15 N (o/oo)": _measurement("delta_15n"),
        "Delta 13 C (o/oo)": _measurement("delta_13c"),
        "Comments": _text(),
    },
    unique=RAW_KEY,
    strict=False,  # extra columns are carried along untouched, never a reason to fail
    name="raw Palmer Station penguins export",
)

CLEAN_SCHEMA = pa.DataFrameSchema(
    {
        "study_name": pa.Column(str),
        "sample_number": pa.Column("int64", pa.Check.ge(1)),
        "species": pa.Column("category", pa.Check.isin(list(SPECIES.values()))),
        "island": pa.Column("category", pa.Check.isin(ISLANDS)),
        "individual_id": pa.Column(str),
        "clutch_completion": pa.Column(bool),
        "date_egg": pa.Column("datetime64[ns]"),
        "year": pa.Column("int64", pa.Check.in_range(*STUDY_YEARS)),
        **{
            name: pa.Column(float, pa.Check.in_range(*RANGES[name]), nullable=True)
            for name in [*MEASUREMENTS, "delta_15n", "delta_13c"]
        },
        "sex": pa.Column("category", pa.Check.isin(list(RAW_SEXES.values())), nullable=True),
        "comments": pa.Column(str, nullable=True),
    },
    unique=KEY,
    strict=True,
    ordered=True,
    name="cleaned penguins table",
)
