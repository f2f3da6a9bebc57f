"""Descriptive tables for the penguins pages: counts, missingness and grouped summaries."""

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dsops.penguins.columns import MEASUREMENT_LABELS, MEASUREMENTS
from dsops.shared import paths

COUNTS_SQL = f"""
SELECT species, island, year, count(*) AS birds
FROM {paths.PENGUINS_TABLE}
GROUP BY ALL
ORDER BY species, island, year
"""


def counts_by_island_year(database: Path = paths.PROCESSED_DUCKDB) -> pd.DataFrame:
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


def islands_by_species(frame: pd.DataFrame) -> dict[str, list[str]]:
    """The islands each species was sampled on."""
    pairs = frame[["species", "island"]].drop_duplicates().sort_values(["species", "island"])
    return {
        str(species): [str(i) for i in group["island"]]
        for species, group in pairs.groupby("species", observed=True)
    }


def unmeasured(frame: pd.DataFrame, measures: list[str] = MEASUREMENTS) -> pd.DataFrame:
    """Birds with none of the body measurements."""
    return frame[frame[measures].isna().all(axis=1)]


def unsexed_reasons(frame: pd.DataFrame) -> pd.DataFrame:
    """Why birds have no sex: the first sentence of each unsexed bird's comment, counted."""
    unsexed = frame[frame["sex"].isna()]
    reason = (
        unsexed["comments"]
        .fillna("No comment.")
        .str.extract(r"^([^.]*\.)", expand=False)
        .str.replace("No blood sample obtained for sexing.", "No blood sample obtained.")
    )
    counts = reason.value_counts()
    return pd.DataFrame({"reason": counts.index, "birds": counts.to_numpy()}).sort_values(
        ["birds", "reason"], ascending=[False, True], ignore_index=True
    )


def mean_by_species(frame: pd.DataFrame, measure: str) -> pd.Series:
    """Mean of one measurement per species (birds with the measurement)."""
    return frame.groupby("species", observed=True)[measure].mean()


def linear_fit_by_group(
    frame: pd.DataFrame,
    x: str,
    y: str,
    group: str = "species",
    level: float = 0.95,
    points: int = 50,
) -> pd.DataFrame:
    """Least-squares line of `y` on `x` per group, with a confidence band for the mean.

    Computed here with NumPy rather than by plotnine's `geom_smooth(method="lm")`, which
    imports statsmodels: a page that only plots should not pay for a modelling library.
    """
    from scipy import stats

    rows = []
    for name, part in frame.dropna(subset=[x, y]).groupby(group, observed=True):
        xs, ys = part[x].to_numpy(float), part[y].to_numpy(float)
        n = len(xs)
        slope, intercept = np.polyfit(xs, ys, 1)
        residual_sd = np.sqrt(np.sum((ys - (intercept + slope * xs)) ** 2) / (n - 2))
        grid = np.linspace(xs.min(), xs.max(), points)
        se = residual_sd * np.sqrt(1 / n + (grid - xs.mean()) ** 2 / np.sum((xs - xs.mean()) ** 2))
        half = stats.t.ppf(0.5 + level / 2, n - 2) * se
        fitted = intercept + slope * grid
        rows.append(
            pd.DataFrame(
                {
                    group: name,
                    x: grid,
                    "fitted": fitted,
                    "low": fitted - half,
                    "high": fitted + half,
                }
            )
        )
    lines = pd.concat(rows, ignore_index=True)
    lines[group] = pd.Categorical(lines[group], categories=frame[group].cat.categories)
    return lines


def share_explained(frame: pd.DataFrame, target: str, groups: list[str]) -> float:
    """Share of the variance of `target` that the group means explain (R² of a model with
    one mean per group), over the rows with the target and every group known."""
    rows = frame.dropna(subset=[target, *groups])
    means = rows.groupby(groups, observed=True)[target].transform("mean")
    total = ((rows[target] - rows[target].mean()) ** 2).sum()
    return float(1 - ((rows[target] - means) ** 2).sum() / total)
