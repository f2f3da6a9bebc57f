"""pandera schemas for the raw Palmer Station export and for the cleaned table."""

import pandera.pandas as pa

from dsops.penguins.columns import ISLANDS, KEY, MEASUREMENTS, RANGES, RAW_SEXES, SPECIES


def _measurement(name: str) -> pa.Column:
    low, high = RANGES[name]
    return pa.Column(float, pa.Check.in_range(low, high), nullable=True, coerce=True)


def _text(nullable: bool = True) -> pa.Column:
    return pa.Column(str, nullable=nullable)


RAW_SCHEMA = pa.DataFrameSchema(
    {
        "studyName": _text(nullable=False),
        "Sample Number": pa.Column(int, pa.Check.ge(1), coerce=True),
        "Species": pa.Column(str, pa.Check.isin(list(SPECIES))),
        "Region": _text(),
        "Island": pa.Column(str, pa.Check.isin(ISLANDS)),
        "Stage": _text(),
        "Individual ID": _text(nullable=False),
        "Clutch Completion": pa.Column(str, pa.Check.isin(["Yes", "No"])),
        "Date Egg": pa.Column("datetime64[ns]", coerce=True),
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
        "year": pa.Column("int64", pa.Check.in_range(2007, 2009)),
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
