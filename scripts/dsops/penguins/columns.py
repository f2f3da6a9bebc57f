"""Names and vocabularies of the penguins data: raw and clean column names, species,
islands, sexes and plausible ranges. Plain Python, so pages can use them cheaply."""

# Raw species labels as the LTER export spells them, and the short names we use.
SPECIES = {
    "Adelie Penguin (Pygoscelis adeliae)": "Adelie",
    "Chinstrap penguin (Pygoscelis antarctica)": "Chinstrap",
    "Gentoo penguin (Pygoscelis papua)": "Gentoo",
}
ISLANDS = ["Biscoe", "Dream", "Torgersen"]
STUDY_YEARS = (2007, 2009)  # the seasons the LTER study sampled
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

# Columns tagged sensitive (see dsops.flights.columns.SENSITIVE): none. The export's ids
# (Individual ID, Sample Number) name birds and samples, not people.
SENSITIVE: dict[str, str] = {}
