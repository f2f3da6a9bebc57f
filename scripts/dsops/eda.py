"""Descriptive tables for the penguins pages: counts, missingness and grouped summaries."""

from pathlib import Path

import duckdb
import pandas as pd

from dsops import config
from dsops.schema import MEASUREMENT_LABELS, MEASUREMENTS

COUNTS_SQL = f"""
SELECT species, island, year, count(*) AS birds
FROM {config.PENGUINS_TABLE}
GROUP BY ALL
ORDER BY species, island, year
"""


def counts_by_island_year(database: Path = config.PROCESSED_DUCKDB) -> pd.DataFrame:
    """Birds sampled per species, island and year, counted by DuckDB (read-only)."""
    with duckdb.connect(str(database), read_only=True) as con:
        counts = con.sql(COUNTS_SQL).df()
    table = counts.pivot_table(
        index=["species", "island"], columns="year", values="birds", fill_value=0, observed=True
    ).astype("int64")
    table.columns = [str(year) for year in table.columns]
    return table.reset_index()


def missingness(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values per column, largest first, with the share of rows affected."""
    missing = frame.isna().sum()
    table = pd.DataFrame(
        {
            "column": missing.index,
            "missing": missing.to_numpy(),
            "share": missing.to_numpy() / len(frame),
        }
    )
    return table.sort_values(["missing", "column"], ascending=[False, True], ignore_index=True)


def summary_by_species_sex(frame: pd.DataFrame, measures: list[str] = MEASUREMENTS) -> pd.DataFrame:
    """Count, mean and standard deviation of each measure per species and sex (sexed birds)."""
    sexed = frame.dropna(subset=["sex"])
    grouped = sexed.groupby(["species", "sex"], observed=True)
    table = grouped[measures].agg(["mean", "std"])
    table.columns = [f"{measure}_{stat}" for measure, stat in table.columns]
    table.insert(0, "n", grouped.size())
    return table.reset_index()


def long_measurements(frame: pd.DataFrame, measures: list[str] = MEASUREMENTS) -> pd.DataFrame:
    """One row per bird and measure (measured birds only, readable labels), for faceted plots."""
    long = frame.melt(
        id_vars=["species"], value_vars=measures, var_name="measure", value_name="value"
    )
    long = long.dropna(subset=["value"])
    labels = [MEASUREMENT_LABELS.get(m, m) for m in measures]
    long["measure"] = pd.Categorical(long["measure"].map(MEASUREMENT_LABELS), categories=labels)
    return long
