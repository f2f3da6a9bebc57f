"""Cleaning, validation and atomic output of the ETL step (library level)."""

import duckdb
import pandas as pd
import pytest

from dsops.penguins.etl import load_raw, read_raw, run_etl, write_outputs
from dsops.penguins.schema import CLEAN_SCHEMA
from dsops.shared import paths
from dsops.shared.errors import DataValidationError


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return load_raw(paths.RAW_PENGUINS)


def test_clean_table_satisfies_its_schema(clean):
    CLEAN_SCHEMA.validate(clean)
    assert list(clean.columns) == list(CLEAN_SCHEMA.columns)


def test_clean_table_keeps_every_bird(clean):
    assert len(clean) == 344
    assert clean["species"].value_counts().to_dict() == {
        "Adelie": 152,
        "Gentoo": 124,
        "Chinstrap": 68,
    }


def test_labels_are_short_and_missing_values_are_missing(clean):
    assert set(clean["sex"].dropna()) == {"female", "male"}
    assert clean["sex"].isna().sum() == 11
    assert clean["body_mass_g"].isna().sum() == 2
    assert clean["year"].between(2007, 2009).all()


def test_rows_are_sorted_by_species_and_sample_number(clean):
    key = clean[["species", "sample_number"]]
    assert key.equals(key.sort_values(["species", "sample_number"]).reset_index(drop=True))


def test_running_twice_gives_identical_outputs(tmp_path):
    first = run_etl(paths.RAW_PENGUINS, tmp_path / "a")
    second = run_etl(paths.RAW_PENGUINS, tmp_path / "b")
    assert first.parquet.read_bytes() == second.parquet.read_bytes()
    tables = []
    for result in (first, second):
        with duckdb.connect(str(result.duckdb), read_only=True) as con:
            tables.append(con.sql("SELECT * FROM penguins ORDER BY species, sample_number").df())
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert len(tables[0]) == 344


def test_parquet_and_duckdb_hold_the_same_table(tmp_path):
    result = run_etl(paths.RAW_PENGUINS, tmp_path)
    from_parquet = pd.read_parquet(result.parquet)
    with duckdb.connect(str(result.duckdb), read_only=True) as con:
        from_duckdb = con.sql("SELECT * FROM penguins").df()
    assert from_duckdb["body_mass_g"].sum() == from_parquet["body_mass_g"].sum()
    assert list(from_duckdb.columns) == list(from_parquet.columns)


def test_a_failed_write_leaves_the_previous_outputs_and_no_temporary_files(tmp_path, monkeypatch):
    result = run_etl(paths.RAW_PENGUINS, tmp_path)
    before = {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)}

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(load_raw(paths.RAW_PENGUINS), tmp_path)
    assert {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)


def test_raw_values_are_read_as_text_so_validation_sees_them(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Sample Number,Body Mass (g)\n1,3750\n2,NA\n", encoding="utf-8")
    frame = read_raw(path)
    assert frame["Body Mass (g)"].tolist()[0] == "3750"
    assert pd.isna(frame["Body Mass (g)"].tolist()[1])


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DataValidationError, match="no such file"):
        read_raw(tmp_path / "nope.csv")
