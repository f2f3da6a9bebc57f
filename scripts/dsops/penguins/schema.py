"""pandera schemas for the raw Palmer Station export and for the cleaned table.

The raw schema judges the export as written: every value is text, numbers and dates
must look like numbers and ISO dates before anything converts them (so `nan`, `inf`,
`1e400` or a day-first date are named as written, never silently converted), and only
`NA` or an empty field means missing. The clean schema checks the typed table.
"""

import pandas as pd
import pandera.pandas as pa

from dsops.penguins.columns import (
    ISLANDS,
    KEY,
    MEASUREMENTS,
    RANGES,
    RAW_SEXES,
    SPECIES,
    STUDY_YEARS,
)

DECIMAL = r"^-?\d+(?:\.\d+)?$"  # as the export writes numbers: no exponent, no words
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
WHOLE = r"^[1-9]\d*$"

# Check names, turned into sentences by the ETL's error messages.
IS_NUMBER, IS_WHOLE, IS_DATE = "decimal_number", "whole_number", "iso_date"
IN_RANGE, IN_STUDY = "plausible_range", "study_years"


def _numbers(text: pd.Series) -> pd.Series:
    """The values that look like numbers, as numbers; everything else NaN."""
    return pd.to_numeric(text.where(text.str.fullmatch(DECIMAL)), errors="coerce")


def _measurement(name: str) -> pa.Column:
    low, high = RANGES[name]
    return pa.Column(
        str,
        [
            pa.Check(lambda s: s.str.fullmatch(DECIMAL), name=IS_NUMBER),
            # judged only where the text is a number: other text fails the check above
            pa.Check(
                lambda s: _numbers(s).between(low, high) | ~s.str.fullmatch(DECIMAL),
                name=f"{IN_RANGE}({low}, {high})",
            ),
        ],
        nullable=True,
    )


def _dates(text: pd.Series) -> pd.Series:
    return pd.to_datetime(
        text.where(text.str.fullmatch(ISO_DATE)), format="%Y-%m-%d", errors="coerce"
    )


def _egg_date() -> pa.Column:
    first, last = STUDY_YEARS
    return pa.Column(
        str,
        [
            pa.Check(lambda s: _dates(s).notna(), name=IS_DATE),
            pa.Check(
                lambda s: _dates(s).dt.year.between(first, last) | _dates(s).isna(),
                name=f"{IN_STUDY}({first}, {last})",
            ),
        ],
    )


def _text(nullable: bool = True) -> pa.Column:
    return pa.Column(str, nullable=nullable)


RAW_SCHEMA = pa.DataFrameSchema(
    {
        "studyName": _text(nullable=False),
        "Sample Number": pa.Column(str, pa.Check(lambda s: s.str.fullmatch(WHOLE), name=IS_WHOLE)),
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
    unique=["Species", "Sample Number"],
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
