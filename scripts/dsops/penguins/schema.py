"""pandera schemas for the raw Palmer Station export and for the cleaned table.

The raw schema judges the export as written (see `dsops.shared.validation`): every
value is text, numbers and dates must look like numbers and ISO dates before anything
converts them, and only `NA` or an empty field means missing. The clean schema checks
the typed table the cleaning steps make.
"""

import pandera.pandas as pa

from dsops.penguins.columns import (
    ISLANDS,
    KEY,
    MEASUREMENTS,
    RANGES,
    RAW_SEXES,
    RAW_TO_CLEAN,
    SPECIES,
    STUDY_YEARS,
)
from dsops.shared.validation import iso_date, number, one_of, text, whole_number

RAW_KEY = ["Species", "Sample Number"]  # one row per bird

RAW_SCHEMA = pa.DataFrameSchema(
    {
        "studyName": text(nullable=False),
        "Sample Number": whole_number(at_least=1),
        "Species": one_of(list(SPECIES)),
        "Region": text(),
        "Island": one_of(ISLANDS),
        "Stage": text(),
        "Individual ID": text(nullable=False),
        "Clutch Completion": one_of(["Yes", "No"]),
        "Date Egg": iso_date(years=STUDY_YEARS),
        "Culmen Length (mm)": number(within=RANGES["bill_length_mm"]),
        "Culmen Depth (mm)": number(within=RANGES["bill_depth_mm"]),
        "Flipper Length (mm)": number(within=RANGES["flipper_length_mm"]),
        "Body Mass (g)": number(within=RANGES["body_mass_g"]),
        "Sex": one_of(list(RAW_SEXES), nullable=True),
        "Delta 15 N (o/oo)": number(within=RANGES["delta_15n"]),
        "Delta 13 C (o/oo)": number(within=RANGES["delta_13c"]),
        "Comments": text(),
    },
    unique=RAW_KEY,
    strict=False,  # other named columns are allowed, and dropped by the cleaning
    name="raw Palmer Station penguins export",
)
RAW_COLUMNS = list(RAW_TO_CLEAN)

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
