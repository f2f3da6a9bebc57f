"""The rules the cleaned flights table must keep, declared once as plain data; each
validator turns them into its own tool's checks.

- every column in COLUMNS is there, with its pandas type;
- the key, KEY, is never missing and never repeated;
- only the columns in NULLABLE may have missing values;
- numbers lie in RANGES (both ends allowed);
- codes come from ALLOWED.

`load_flights` reads those columns of the real table from the flights database, and
`bad_inputs` breaks a good table in five ways, one rule each.
"""

from pathlib import Path

import pandas as pd

from dsops.flights import explore
from dsops.flights.columns import ORIGINS
from dsops.shared import paths

COLUMNS = {
    "flight_id": "Int64",
    "month": "Int64",
    "carrier": "str",
    "origin": "str",
    "dep_delay": "Int64",
    "distance": "Int64",
}
KEY = "flight_id"
NULLABLE = {"dep_delay"}  # a cancelled flight has no delay
RANGES = {
    "month": (1, 12),
    "dep_delay": (-120, 1440),  # minutes: at most two hours early, at most a day late
    "distance": (1, 5000),  # miles
}
# The carriers of the airlines table, and New York's three airports.
CARRIERS = ["9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL", "HA", "MQ", "OO", "UA", "US", "VX"]
CARRIERS += ["WN", "YV"]
ALLOWED = {"carrier": CARRIERS, "origin": ORIGINS}

RULES = [
    ("columns and types", ", ".join(f"{c} ({t})" for c, t in COLUMNS.items())),
    ("key", f"{KEY}: never missing, never repeated"),
    ("missing values", f"none, except in {', '.join(sorted(NULLABLE))}"),
    *((f"range of {c}", f"{low} to {high}") for c, (low, high) in RANGES.items()),
    *((f"codes of {c}", f"{len(v)} allowed: {', '.join(v)}") for c, v in ALLOWED.items()),
]


def rule_table() -> pd.DataFrame:
    """The rules as a table for a page: what is checked, and what must hold."""
    return pd.DataFrame(RULES, columns=["rule", "what must hold"])


def load_flights(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """The rule set's columns of the cleaned flights table, with their declared types."""
    frame = explore.query(f"SELECT {', '.join(COLUMNS)} FROM flights", database)
    return frame.astype(COLUMNS)


def bad_inputs(good: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Five copies of a good table, each breaking one rule in its first rows."""
    broken = {name: good.copy() for name in ["null key", "out of range", "unknown code"]}
    broken["null key"].loc[broken["null key"].index[:2], KEY] = pd.NA
    broken["out of range"].loc[broken["out of range"].index[:3], "month"] = 13
    broken["unknown code"].loc[broken["unknown code"].index[:1], "carrier"] = "ZZ"
    return {
        "missing column": good.drop(columns="carrier"),
        "wrong type": good.astype({"dep_delay": "str"}),
        **broken,
    }
