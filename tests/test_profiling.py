"""The descriptive statistics pipeline (dsops.shared.profiling): one profile for any
table, per-group summaries, the small-multiples plot, and the cache keyed by a hash of
the table's content that counts what it computes."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsops.penguins.data import load_penguins
from dsops.shared import paths, profiling
from dsops.shared.plotting import renderings


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "delay": [1.0, 2.0, 3.0, 4.0, np.nan],
            "origin": ["EWR", "JFK", "EWR", "EWR", None],
            "species": pd.Categorical(["a", "b", "b", "b", "a"]),
            "cancelled": [False, False, True, False, False],
            "when": pd.to_datetime(["2013-01-01", "2013-02-01", None, "2013-12-31", None]),
        }
    )


def test_each_column_gets_its_kind_missing_distinct_and_figures(table):
    profile = profiling.profile_table(table)
    rows = profile.columns.set_index("column")
    assert rows["kind"].to_dict() == {
        "delay": "number",
        "origin": "text",
        "species": "category",
        "cancelled": "true/false",
        "when": "date-time",
    }
    assert rows["missing"].to_dict() == {
        "delay": 1,
        "origin": 1,
        "species": 0,
        "cancelled": 0,
        "when": 2,
    }
    assert rows.loc["delay", "missing_share"] == pytest.approx(0.2)
    assert rows["distinct"].to_dict()["origin"] == 2
    assert rows.loc["delay", ["min", "q25", "median", "q75", "max"]].tolist() == [
        1.0,
        1.75,
        2.5,
        3.25,
        4.0,
    ]
    assert rows.loc["origin", "top"] == "EWR (3), JFK (1)"
    assert rows.loc["species", "top"] == "b (3), a (2)"
    assert rows.loc["when", "top"] == "2013-01-01 to 2013-12-31"
    assert np.isnan(rows.loc["origin", "median"])
    assert profile.rows == 5


def test_the_bins_count_every_present_value_once(table):
    bins = profiling.profile_table(table, bins=3).bins
    assert set(bins["column"]) == {"delay"}
    assert bins["count"].sum() == 4 and len(bins) == 3
    assert bins["left"].min() == 1.0 and bins["right"].max() == 4.0


def test_a_table_without_numbers_or_rows_still_has_a_profile():
    profile = profiling.profile_table(pd.DataFrame({"name": pd.Series([], dtype="str")}))
    assert profile.rows == 0 and profile.bins.empty
    assert profile.columns.loc[0, "missing"] == 0


@given(
    st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=1, max_size=40),
)
def test_missing_plus_present_is_every_row(values):
    frame = pd.DataFrame({"x": pd.array(values, dtype="Int64")})
    profile = profiling.profile_table(frame)
    row = profile.columns.iloc[0]
    present = sum(v is not None for v in values)
    assert row["missing"] + present == len(values)
    assert profile.bins["count"].sum() == present
    if present:
        assert row["min"] == min(v for v in values if v is not None)


def test_the_same_code_profiles_the_penguins():
    penguins = load_penguins()
    rows = profiling.profile_table(penguins).columns.set_index("column")
    assert list(rows.index) == list(penguins.columns)
    assert rows.loc["body_mass_g", "missing"] == penguins["body_mass_g"].isna().sum()
    assert rows.loc["species", "kind"] == "category"
    readable = profiling.readable(profiling.profile_table(penguins)).set_index("column")
    assert readable.loc["year", "summary"] == "2,007 | 2,007 | 2,008 | 2,009 | 2,009"
    assert readable.loc["species", "summary"].startswith("Adelie (152)")


def test_group_summaries_per_group_and_column(table):
    summary = profiling.group_summary(table, "origin", ["delay"]).set_index("origin")
    assert summary.loc["EWR", "rows"] == 3 and summary.loc["EWR", "missing"] == 0
    assert summary.loc["EWR", "mean"] == pytest.approx(8 / 3)
    assert summary.loc["EWR", "median"] == 3.0
    assert summary["rows"].sum() == len(table)  # the missing origin is a group too
    with pytest.raises(KeyError, match="no column nope in the table"):
        profiling.group_summary(table, "origin", ["nope"])


def test_the_distribution_plot_has_one_panel_per_column_asked_for(table):
    profile = profiling.profile_table(pd.DataFrame({"a": range(10), "b": range(10, 20)}))
    plot = profiling.distribution_plot(profile, ["b"])
    assert set(plot.data["column"]) == {"b"}
    for themed in renderings(plot):
        themed.draw()


def test_the_hash_follows_the_content(table):
    same = table.copy()
    assert profiling.table_hash(same) == profiling.table_hash(table)
    repr(same)  # pandas may reorganise its memory; the content did not change
    assert profiling.table_hash(same) == profiling.table_hash(table)
    changed = table.copy()
    changed.loc[0, "delay"] = 1.5
    renamed = table.rename(columns={"delay": "lateness"})
    retyped = table.astype({"cancelled": "int64"})
    hashes = {profiling.table_hash(t) for t in (table, changed, renamed, retyped)}
    assert len(hashes) == 4


def test_the_cache_computes_once_per_content_and_counts_it(table, tmp_path):
    cache = profiling.ProfileCache(tmp_path / "profiles")
    first = cache.profile(table)
    again = cache.profile(table.copy())
    assert cache.computed == 1 and cache.counter["calls"] == 2
    pd.testing.assert_frame_equal(first.columns, again.columns)
    changed = table.copy()
    changed.loc[0, "delay"] = 9.0
    assert cache.profile(changed).columns.set_index("column").loc["delay", "max"] == 9.0
    assert cache.computed == 2
    cache.profile(table, bins=5)  # other options, another entry
    assert cache.computed == 3
    # A new process (a new cache object) on the same folder reads from disk.
    later = profiling.ProfileCache(tmp_path / "profiles")
    later.profile(table)
    assert later.computed == 0


def test_profiles_are_cached_outside_the_working_tree(monkeypatch, tmp_path):
    monkeypatch.delenv(profiling.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert profiling.default_cache_dir() == tmp_path / "dsops" / "profiles"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert not profiling.default_cache_dir().is_relative_to(paths.PROJ_ROOT)
    monkeypatch.setenv(profiling.CACHE_ENV, str(tmp_path / "mine"))
    assert profiling.ProfileCache().folder == tmp_path / "mine"
