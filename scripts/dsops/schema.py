"""Schemas for the raw Palmer Station export and for the cleaned table (pandera)."""

import pandera.pandas as pa

# Raw species labels as the LTER export spells them, and the short names we use.
SPECIES = {
    "Adelie Penguin (Pygoscelis adeliae)": "Adelie",
    "Chinstrap penguin (Pygoscelis antarctica)": "Chinstrap",
    "Gentoo penguin (Pygoscelis papua)": "Gentoo",
}
ISLANDS = ["Biscoe", "Dream", "Torgersen"]
RAW_SEXES = {"FEMALE": "female", "MALE": "male"}

# Plausible ranges for adult Pygoscelis penguins: wide enough for every real bird,
# narrow enough to catch a unit slip (kg for g, cm for mm) or a typo.
RANGES = {
    "bill_length_mm": (25.0, 70.0),
    "bill_depth_mm": (10.0, 25.0),
    "flipper_length_mm": (150.0, 240.0),
    "body_mass_g": (2000.0, 7000.0),
    "delta_15n": (6.0, 12.0),
    "delta_13c": (-28.0, -22.0),
}

# Raw column name -> cleaned column name, in the export's order.
RAW_TO_CLEAN = {
    "studyName": "study_name",
    "Sample Number": "sample_number",
    "Species": "species",
    "Region": "region",
    "Island": "island",
    "Stage": "stage",
    "Individual ID": "individual_id",
    "Clutch Completion": "clutch_completion",
    "Date Egg": "date_egg",
    "Culmen Length (mm)": "bill_length_mm",
    "Culmen Depth (mm)": "bill_depth_mm",
    "Flipper Length (mm)": "flipper_length_mm",
    "Body Mass (g)": "body_mass_g",
    "Sex": "sex",
    "Delta 15 N (o/oo)": "delta_15n",
    "Delta 13 C (o/oo)": "delta_13c",
    "Comments": "comments",
}
CLEAN_TO_RAW = {clean: raw for raw, clean in RAW_TO_CLEAN.items()}
MEASUREMENT_LABELS = {
    "bill_length_mm": "Bill length (mm)",
    "bill_depth_mm": "Bill depth (mm)",
    "flipper_length_mm": "Flipper length (mm)",
    "body_mass_g": "Body mass (g)",
}
MEASUREMENTS = list(MEASUREMENT_LABELS)
KEY = ["species", "sample_number"]


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
