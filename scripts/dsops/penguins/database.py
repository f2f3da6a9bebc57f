"""The penguins table in any database SQLAlchemy reaches: loaded by `dsops load-db`, and
checked after every load, by `dsops etl` too, with one shared query
(`sql/counts_by_species.sql`) whose answer must match the table that was meant to be
written.
"""

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import exc

from dsops.penguins.data import load_penguins
from dsops.shared import paths
from dsops.shared.connections import connect, read_sql, run_query, shown, without_secret
from dsops.shared.errors import DsopsError

PACKAGE = "dsops.penguins"


def counts_in(url: str) -> pd.DataFrame:
    """Birds and mean body mass per species and sex, counted by the database at `url`."""
    counts = run_query(url, read_sql(PACKAGE, "counts_by_species.sql"))
    return counts.astype({"species": str, "birds": "int64", "mean_mass_g": float}).assign(
        sex=counts["sex"].astype(object).where(counts["sex"].notna(), None)
    )


def expected_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """The same figures computed by pandas from the table that was meant to be loaded."""
    grouped = frame.groupby(["species", "sex"], dropna=False, observed=True, sort=False)
    counts = grouped.agg(birds=("species", "size"), mean_mass_g=("body_mass_g", "mean"))
    counts = counts.reset_index().astype({"species": str, "birds": "int64"})
    counts["sex"] = counts["sex"].astype(object).where(counts["sex"].notna(), None)
    order = counts["sex"].isna()  # missing sex last, as the query orders it
    return counts.assign(_missing=order).sort_values(["species", "_missing", "sex"]).drop(
        columns="_missing"
    ).reset_index(drop=True)  # fmt: skip


def check_load(url: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The database's counts, if they match the frame's; one sentence if they do not."""
    found, expected = counts_in(url), expected_counts(frame)
    same = found[["species", "sex", "birds"]].equals(
        expected[["species", "sex", "birds"]]
    ) and np.allclose(found["mean_mass_g"], expected["mean_mass_g"], equal_nan=True)
    if not same:
        raise DsopsError(
            f"the penguins table in {shown(url)} does not hold what was loaded: "
            f"{found['birds'].sum()} birds counted, {len(frame)} expected. Load it again."
        )
    return found


def load_table(url: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Replace the table `penguins` at `url` with `frame` in one transaction, then check
    it with the shared query; the database's counts."""
    try:
        with connect(url, writable=True) as con, con.begin():
            # dropped by hand: pandas' if_exists="replace" reflects the table first, which
            # duckdb-engine cannot do
            con.execute(sa.text(f"DROP TABLE IF EXISTS {paths.PENGUINS_TABLE}"))
            frame.to_sql(paths.PENGUINS_TABLE, con, index=False)
    except exc.DBAPIError as err:
        detail = without_secret(" ".join(str(err.orig).split()), url)
        raise DsopsError(
            f"loading the penguins table into {shown(url)} failed ({detail}); the "
            "transaction was rolled back, so the database is as it was."
        ) from None
    return check_load(url, frame)


def run_load(url: str, parquet=paths.PROCESSED_PARQUET) -> pd.DataFrame:
    """`dsops load-db`: the processed penguins table into the database at `url`."""
    return load_table(url, load_penguins(parquet))
