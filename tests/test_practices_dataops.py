"""The penguins database's migrations (dsops/practices/migrations), run by Alembic through
duckdb-engine on DuckDB files in temporary folders: all the way up, down and up again,
with the schema, the version table and the backfill checked at each step."""

import duckdb
import pandas as pd
import pytest

from dsops.practices import dataops
from dsops.shared import paths
from dsops.shared.errors import DsopsError

FIRST = [
    ("species", "VARCHAR"), ("sample_number", "INTEGER"), ("island", "VARCHAR"),
    ("sex", "VARCHAR"), ("year", "INTEGER"), ("bill_length_mm", "DOUBLE"),
    ("flipper_length_mm", "DOUBLE"), ("body_mass_g", "DOUBLE"),
]  # fmt: skip


def schema(database) -> list[tuple[str, str]]:
    return list(dataops.columns(database).itertuples(index=False, name=None))


def tables(database) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }


def test_the_migrations_are_one_ordered_chain_of_files_in_the_package():
    history = dataops.history()
    assert history["revision"].tolist() == ["0001", "0002"]
    assert history["after"].tolist() == ["(none)", "0001"]
    for file in history["file"]:
        assert (dataops.MIGRATIONS / "versions" / file).is_file()


def test_up_down_and_up_again(tmp_path):
    database = tmp_path / "penguins.duckdb"
    dataops.upgrade(database, "0001")
    assert dataops.current(database) == "0001"
    assert schema(database) == FIRST
    processed = pd.read_parquet(paths.PROCESSED_PARQUET)
    assert dataops.load_penguins(database) == len(processed)

    dataops.upgrade(database)  # head
    assert dataops.current(database) == "0002"
    assert schema(database) == [*FIRST, ("body_mass_kg", "DOUBLE")]
    # the backfill: every stored bird with a mass in grams has it in kilograms
    mass = dataops.query(database, "SELECT body_mass_g, body_mass_kg FROM penguins")
    assert mass["body_mass_kg"].notna().sum() == processed["body_mass_g"].notna().sum()
    measured = mass.dropna()
    assert ((measured["body_mass_kg"] - measured["body_mass_g"] / 1000).abs() < 5e-4).all()
    assert dataops.query(database, "SELECT * FROM alembic_version")["version_num"].tolist() == [
        "0002"
    ]

    dataops.downgrade(database, "0001")
    assert dataops.current(database) == "0001"
    assert schema(database) == FIRST
    assert dataops.query(database, "SELECT count(*) AS n FROM penguins")["n"][0] == len(processed)

    dataops.downgrade(database, "base")
    assert dataops.current(database) is None
    assert tables(database) == {"alembic_version"}

    dataops.upgrade(database)  # and up again, on the emptied database
    assert dataops.current(database) == "0002"
    assert schema(database) == [*FIRST, ("body_mass_kg", "DOUBLE")]


def test_upgrading_a_database_at_head_changes_nothing(tmp_path):
    database = tmp_path / "penguins.duckdb"
    dataops.upgrade(database)
    before = schema(database)
    dataops.upgrade(database)
    assert schema(database) == before and dataops.current(database) == "0002"


def test_missing_files_and_folders_get_one_message(tmp_path):
    with pytest.raises(DsopsError, match="is not a folder"):
        dataops.upgrade(tmp_path / "nowhere" / "penguins.duckdb")
    with pytest.raises(DsopsError, match="does not exist: run the migrations up first"):
        dataops.downgrade(tmp_path / "penguins.duckdb", "base")
    with pytest.raises(DsopsError, match="does not exist: run the migrations up first"):
        dataops.current(tmp_path / "penguins.duckdb")
    dataops.upgrade(tmp_path / "penguins.duckdb", "0001")
    with pytest.raises(DsopsError, match="run `make data`"):
        dataops.load_penguins(tmp_path / "penguins.duckdb", tmp_path / "missing.parquet")
    assert not (tmp_path / "nowhere").exists()
