"""A descriptive profile of any table, and a cache that computes it once per input.

`profile_table(frame)` describes every column the same way whatever the table: its kind
(number, category, true/false, date-time, text), missing and distinct values, quantiles
for numbers and the most frequent values for the rest, and the histogram bins a
small-multiples plot draws. `group_summary` gives per-group figures for chosen columns.

`ProfileCache` keeps profiles in a folder outside the working tree (by default the
user's cache folder) with joblib.Memory, keyed by `table_hash` (a SHA-256 of every
value, the index, the column names and their types), the options and the profiling
code: a second call with the same table reads the stored profile instead of recomputing
it, one changed value gives a new hash and a new computation, and the cache counts how
many times it really computed. (The key is the table's content, not joblib's hash of
the DataFrame object: that one changes when pandas reorganises its memory, for instance
after the frame is printed, though no value changed.)
"""

import hashlib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from mizani.breaks import breaks_extended
from mizani.labels import label_comma
from plotnine import (
    aes,
    facet_wrap,
    geom_rect,
    ggplot,
    labs,
    scale_x_continuous,
    scale_y_continuous,
)

from dsops.shared.plotting import NEUTRAL

BINS = 30
TOP_VALUES = 3
QUANTILES = {"min": 0.0, "q25": 0.25, "median": 0.5, "q75": 0.75, "max": 1.0}
CACHE_ENV = "DSOPS_CACHE_DIR"


@dataclass(frozen=True)
class Profile:
    """One table's profile: one row per column, and histogram bins per numeric column."""

    rows: int
    columns: pd.DataFrame
    bins: pd.DataFrame


def kind(series: pd.Series) -> str:
    """What a column holds, in the words a profile uses."""
    if pd.api.types.is_bool_dtype(series):
        return "true/false"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date-time"
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "category"
    return "text"


def top_values(series: pd.Series, n: int = TOP_VALUES) -> str:
    """The n most frequent values with their counts, most frequent first."""
    counts = series.value_counts(dropna=True).head(n)
    return ", ".join(f"{value} ({count:,})" for value, count in counts.items())


def describe_column(series: pd.Series) -> dict:
    """One row of a profile: kind, missing, distinct, quantiles or most frequent values."""
    present = series.dropna()
    row = {
        "column": str(series.name),
        "kind": kind(series),
        "missing": int(series.isna().sum()),
        "missing_share": float(series.isna().mean()) if len(series) else 0.0,
        "distinct": int(present.nunique()),
    }
    numeric = row["kind"] == "number" and len(present) > 0
    quantiles = present.quantile(list(QUANTILES.values())).to_numpy() if numeric else None
    for i, name in enumerate(QUANTILES):
        row[name] = float(quantiles[i]) if numeric else np.nan
    if row["kind"] == "date-time" and len(present):
        row["top"] = f"{present.min():%Y-%m-%d} to {present.max():%Y-%m-%d}"
    else:
        row["top"] = "" if numeric else top_values(present)
    return row


def histogram(series: pd.Series, bins: int = BINS) -> pd.DataFrame:
    """Equal-width bins over a numeric column's present values: left, right, count."""
    present = series.dropna().astype(float).to_numpy()
    if len(present) == 0:
        return pd.DataFrame(columns=["column", "left", "right", "count"])
    counts, edges = np.histogram(present, bins=bins)
    return pd.DataFrame(
        {"column": str(series.name), "left": edges[:-1], "right": edges[1:], "count": counts}
    )


def profile_table(frame: pd.DataFrame, bins: int = BINS) -> Profile:
    """Profile every column of a table with the same code, whatever the table."""
    columns = pd.DataFrame([describe_column(frame[name]) for name in frame.columns])
    numeric = columns.loc[columns["kind"] == "number", "column"]
    histograms = [histogram(frame[name], bins) for name in numeric]
    return Profile(
        rows=len(frame),
        columns=columns,
        bins=pd.concat(histograms, ignore_index=True) if histograms else histogram(frame[[]]),
    )


def group_summary(frame: pd.DataFrame, by: str, columns: list[str]) -> pd.DataFrame:
    """Per group and column: rows, missing values, mean, standard deviation, median."""
    missing = [c for c in [by, *columns] if c not in frame.columns]
    if missing:
        raise KeyError(f"no column {', '.join(missing)} in the table; it has {list(frame)}")
    grouped = frame.groupby(by, observed=True, dropna=False)
    parts = []
    for column in columns:
        stats = grouped[column].agg(["size", "count", "mean", "std", "median"])
        stats = stats.assign(column=column, missing=stats["size"] - stats["count"])
        parts.append(stats.rename(columns={"size": "rows"}).reset_index())
    order = [by, "column", "rows", "missing", "mean", "std", "median"]
    return pd.concat(parts, ignore_index=True)[order]


def distribution_plot(profile: Profile, columns: list[str] | None = None, ncol: int = 3):
    """Small multiples: one histogram per numeric column, each on its own scale."""
    bins = profile.bins if columns is None else profile.bins[profile.bins["column"].isin(columns)]
    if columns is not None:
        bins = bins.assign(column=pd.Categorical(bins["column"], categories=columns))
    return (
        ggplot(bins)
        + geom_rect(aes(xmin="left", xmax="right", ymin=0, ymax="count"), fill=NEUTRAL, colour=None)
        + facet_wrap("column", scales="free", ncol=ncol)
        + scale_x_continuous(breaks=breaks_extended(n=4), labels=label_comma())
        + scale_y_continuous(labels=label_comma())
        + labs(x="Value", y="Rows")
    )


def default_cache_dir() -> Path:
    """Where profiles are kept: $DSOPS_CACHE_DIR, else the user's cache folder
    ($XDG_CACHE_HOME or ~/.cache), never the working tree."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dsops" / "profiles"


def table_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's content: every value and index label (pandas' own row
    hashes), the column names and their types. Equal tables give equal hashes."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    return digest.hexdigest()


def _profile_counted(key: str, frame: pd.DataFrame, bins: int, counter: Counter) -> Profile:
    counter["computed"] += 1  # runs only when the cache has no profile for this key
    return profile_table(frame, bins)


class ProfileCache:
    """Profiles kept on disk, keyed by a hash of the input table, its options and the
    profiling code (joblib.Memory), counting the profiles it really computed."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder else default_cache_dir()
        self.counter: Counter = Counter()
        memory = joblib.Memory(self.folder, verbose=0)
        self._cached = memory.cache(_profile_counted, ignore=["frame", "counter"])

    @property
    def computed(self) -> int:
        """Profiles this cache computed (calls it answered from disk are not counted)."""
        return self.counter["computed"]

    def profile(self, frame: pd.DataFrame, bins: int = BINS) -> Profile:
        """The table's profile: from disk when this exact input was profiled before."""
        self.counter["calls"] += 1
        return self._cached(table_hash(frame), frame, bins, self.counter)


def _number(value: float) -> str:
    """A quantile as a reader reads it: whole numbers without decimals, others to 3
    significant figures."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def readable(profile: Profile) -> pd.DataFrame:
    """A profile as text for a table on a page: one line of figures per column."""
    columns = profile.columns

    def summary(row: pd.Series) -> str:
        if row["kind"] != "number" or pd.isna(row["median"]):
            return row["top"]
        q = {name: _number(row[name]) for name in QUANTILES}
        return f"{q['min']} | {q['q25']} | {q['median']} | {q['q75']} | {q['max']}"

    return pd.DataFrame(
        {
            "column": columns["column"],
            "kind": columns["kind"],
            "missing": [
                f"{n:,} ({share:.1%})" if n else "0"
                for n, share in zip(columns["missing"], columns["missing_share"], strict=True)
            ],
            "distinct": [f"{n:,}" for n in columns["distinct"]],
            "summary": columns.apply(summary, axis=1),
        }
    )
