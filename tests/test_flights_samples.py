"""Copies of the raw flights tables for demos: cut to months, changed one flight at a
time, and never the repository's own data/raw."""

import zipfile

import pytest

from dsops.flights.samples import change_flight, copy_raw
from dsops.flights.tables import read_table
from dsops.shared import paths


def test_a_copy_cut_to_a_quarter_keeps_only_those_months(tmp_path):
    raw = copy_raw(tmp_path / "raw", months=[1, 2, 3])
    flights = read_table("flights", raw)
    assert sorted(flights["month"].unique()) == [1, 2, 3]
    assert len(flights) == 27004 + 24951 + 28834
    weather = read_table("weather", raw)
    whole = read_table("weather", paths.RAW_FLIGHTS_DIR)
    assert sorted(weather["month"].unique()) == [1, 2, 3]
    assert len(weather) == whole["month"].isin([1, 2, 3]).sum()
    planes = paths.RAW_FLIGHTS_DIR / "planes.csv"  # the other tables are copied whole
    assert (raw / "planes.csv").read_bytes() == planes.read_bytes()


def test_changing_a_flight_changes_that_line_only(tmp_path):
    raw = copy_raw(tmp_path / "raw", months=[2])
    before = read_table("flights", raw)
    line = change_flight(raw, 2, "dep_delay", "123")
    after = read_table("flights", raw)
    assert line == 2  # the copy holds February only: its first flight is on line 2
    assert after.loc[line - 2, "dep_delay"] == 123
    assert after.drop(index=line - 2).equals(before.drop(index=line - 2))


def test_the_repository_raw_data_is_never_the_copy(tmp_path):
    with pytest.raises(ValueError, match="outside data/raw"):
        copy_raw(paths.RAW_FLIGHTS_DIR / "copy")
    with pytest.raises(ValueError, match="never written"):
        change_flight(paths.RAW_FLIGHTS_DIR, 1, "dep_delay", "1")
    with zipfile.ZipFile(paths.RAW_FLIGHTS_DIR / "flights.csv.zip") as archive:
        assert archive.namelist() == ["flights.csv"]
