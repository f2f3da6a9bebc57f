"""`dsops flights-etl`: a good run, reruns that recompute only what changed, and bad
input that gets one message naming file, column and lines with nothing touched."""

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dsops.cli import app
from dsops.flights.etl import run_flights_etl
from dsops.flights.samples import read_flight_lines, write_flight_lines
from dsops.shared import paths


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A copy of the raw tables that a test may change."""
    return Path(shutil.copytree(paths.RAW_FLIGHTS_DIR, tmp_path / "raw"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The database of a good run, made once; tests copy it as their earlier output."""
    out = tmp_path_factory.mktemp("built")
    run_flights_etl(paths.RAW_FLIGHTS_DIR, out / paths.FLIGHTS_DUCKDB_NAME)
    return out / paths.FLIGHTS_DUCKDB_NAME


def edit_flights(raw: Path, edit: Callable[[list[list[str]]], None]) -> None:
    """Rewrite flights.csv inside the zip after `edit` changed its rows (row 0 is the
    header, row n is line n + 1)."""
    archive = raw / "flights.csv.zip"
    header, lines = read_flight_lines(archive)
    rows = [line.decode().split(",") for line in [header, *lines]]
    edit(rows)
    encoded = [",".join(row).encode() for row in rows]
    write_flight_lines(archive, encoded[0], encoded[1:])


def set_cell(line: int, column: str, value: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        rows[line - 1][rows[0].index(column)] = value

    return edit


def drop_column(column: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        i = rows[0].index(column)
        for row in rows:
            del row[i]

    return edit


def test_a_good_run_loads_every_month_and_a_rerun_writes_nothing(raw, tmp_path, runner):
    out = tmp_path / "out"
    first = runner.invoke(app, ["flights-etl", "--raw", str(raw), "--out", str(out)])
    database = out / paths.FLIGHTS_DUCKDB_NAME
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"{database} holds 336776 flights: recomputed 12 of 12 months "
        "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12); reloaded weather, planes, airports, "
        "airlines; 1556 flights found no weather and 52606 no aircraft\n"
    )
    before = database.read_bytes()
    again = runner.invoke(app, ["flights-etl", "--raw", str(raw), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert again.stdout == (
        f"{database} is up to date: no input changed (12 months, 336776 flights)\n"
    )
    assert database.read_bytes() == before
    with duckdb.connect(str(database), read_only=True) as con:
        tables = {name for (name,) in con.sql("SHOW TABLES").fetchall()}
    assert tables == {
        *("flights", "weather", "planes", "airports", "airlines"),
        *("etl_months", "etl_tables"),
    }


def months_table(database: Path) -> dict[int, str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return dict(con.sql("SELECT month, input_hash FROM etl_months").fetchall())


def flights_table(database: Path) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql("SELECT * FROM flights ORDER BY flight_id").to_arrow_table().to_pandas()


def test_after_one_month_changes_only_that_month_is_recomputed(raw, tmp_path):
    database = tmp_path / "out" / paths.FLIGHTS_DUCKDB_NAME
    first = run_flights_etl(raw, database)
    assert first.recomputed == list(range(1, 13))
    hashes = months_table(database)

    edited = []

    def delay_a_march_flight(rows: list[list[str]]) -> None:
        header = rows[0]
        line = next(i for i, r in enumerate(rows) if r[header.index("month")] == "3")
        rows[line][header.index("dep_delay")] = "-77"  # a delay no flight has
        edited.append(line)  # row n is line n + 1: its flight_id is n

    edit_flights(raw, delay_a_march_flight)
    second = run_flights_etl(raw, database)
    assert second.recomputed == [3]
    assert [m.month for m in second.months if not m.recomputed] == [*range(1, 3), *range(4, 13)]
    after = months_table(database)
    assert {m: h for m, h in after.items() if m != 3} == {m: h for m, h in hashes.items() if m != 3}
    assert after[3] != hashes[3]
    fresh = tmp_path / "fresh" / paths.FLIGHTS_DUCKDB_NAME
    run_flights_etl(raw, fresh)  # the same data from nothing gives the same table
    pd.testing.assert_frame_equal(flights_table(database), flights_table(fresh))
    table = flights_table(database).set_index("flight_id")
    assert table.loc[edited[0], "dep_delay"] == -77
    assert (table["dep_delay"] == -77).sum() == 1


BAD_INPUT = {
    "missing table": (
        lambda raw: (raw / "weather.csv").unlink(),
        "{raw}/weather.csv: no such file. The flights ETL reads flights.csv.zip, weather.csv, "
        "planes.csv, airports.csv, airlines.csv from one folder: restore it (`git checkout -- "
        "{raw}/weather.csv`) or pass --raw with a folder that has all five.",
    ),
    "missing column": (
        lambda raw: edit_flights(raw, drop_column("dep_delay")),
        "{raw}/flights.csv.zip: missing column 'dep_delay'; the flights table has year, "
        "month, day, dep_time, sched_dep_time, dep_delay, arr_time, sched_arr_time, "
        "arr_delay, carrier, flight, tailnum, origin, dest, air_time, distance, hour, "
        "minute, time_hour. Restore the file with `git checkout -- {raw}/flights.csv.zip`.",
    ),
    "bad time value": (
        lambda raw: edit_flights(raw, set_cell(7, "dep_time", "2561")),
        "{raw}/flights.csv.zip failed validation against the NYC flights schema:\n"
        "  - column 'dep_time' has values that are not clock times written hhmm "
        "(0000 to 2359, or 2400) (line 7: 2561)\n"
        "Fix the file (or restore it with `git checkout -- {raw}/flights.csv.zip`); "
        "nothing was written.",
    ),
    "text where a number belongs": (
        lambda raw: edit_flights(raw, set_cell(12, "arr_delay", "late")),
        "{raw}/flights.csv.zip: column 'arr_delay' has values that are not whole numbers "
        "of at most 18 digits (line 12: 'late'). Fix the file or restore it with `git checkout -- "
        "{raw}/flights.csv.zip`.",
    ),
    "digits of another script": (  # Python's \d matches them; nothing here converts them
        lambda raw: edit_flights(raw, set_cell(12, "arr_delay", "\u0661\u0662")),
        "{raw}/flights.csv.zip: column 'arr_delay' has values that are not whole numbers "
        "of at most 18 digits (line 12: '\u0661\u0662'). Fix the file or restore it with "
        "`git checkout -- {raw}/flights.csv.zip`.",
    ),
    "a whole number too long for 64 bits": (
        lambda raw: edit_flights(raw, set_cell(12, "arr_delay", "9" * 20)),
        "{raw}/flights.csv.zip: column 'arr_delay' has values that are not whole numbers "
        f"of at most 18 digits (line 12: '{'9' * 20}'). Fix the file or restore it with "
        "`git checkout -- {raw}/flights.csv.zip`.",
    ),
    "unknown airport code": (
        lambda raw: edit_flights(raw, set_cell(10, "origin", "XYZ")),
        "{raw}/flights.csv.zip failed validation against the NYC flights schema:\n"
        "  - column 'origin' has airport codes that are not one of New York's EWR, JFK, "
        "LGA (line 10: 'XYZ')\n"
        "Fix the file (or restore it with `git checkout -- {raw}/flights.csv.zip`); "
        "nothing was written.",
    ),
    "truncated compressed file": (
        lambda raw: (raw / "flights.csv.zip").write_bytes(
            (raw / "flights.csv.zip").read_bytes()[:1_000_000]
        ),
        "{raw}/flights.csv.zip: the compressed file is damaged or truncated (File is not "
        "a zip file). Restore it with `git checkout -- {raw}/flights.csv.zip`.",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_one_message_and_touches_nothing(case, raw, built, tmp_path, runner):
    damage, expected = BAD_INPUT[case]
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(built, out / built.name)
    before = (out / built.name).read_bytes()
    damage(raw)
    result = runner.invoke(app, ["flights-etl", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert result.stderr == "error: " + expected.format(raw=raw) + "\n"
    assert (out / built.name).read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [built.name]


def test_a_cleaning_step_that_breaks_its_output_stops_the_load(raw, tmp_path, monkeypatch):
    """The output schema catches a bug in a step before anything is written."""
    from dsops.flights import etl

    def hhmm_as_minutes(flights: pd.DataFrame) -> pd.DataFrame:  # the classic slip
        return flights.assign(dep_minutes=flights["dep_time"])

    monkeypatch.setattr(etl, "FLIGHT_STEPS", [*etl.FLIGHT_STEPS, hhmm_as_minutes])
    database = tmp_path / "out" / paths.FLIGHTS_DUCKDB_NAME
    with pytest.raises(etl.DsopsError, match="the cleaned flights failed the cleaned flights"):
        run_flights_etl(raw, database)
    assert not database.exists()


def test_a_changed_small_table_is_reloaded_and_a_lost_month_removed(raw, tmp_path, runner):
    out = tmp_path / "out"
    database = out / paths.FLIGHTS_DUCKDB_NAME
    run_flights_etl(raw, database)
    airports = raw / "airports.csv"
    airports.write_text(
        airports.read_text() + 'ZZZ,Test Field,40.0,-74.0,10,-5,A,"America/New_York"\n'
    )

    def drop_september(rows: list[list[str]]) -> None:
        # the file's last month (its months run 1, 10, 11, 12, 2, ..., 9), so no other
        # flight changes its line number, which is its flight_id
        month = rows[0].index("month")
        assert rows[-1][month] == "9"
        rows[:] = [r for r in rows if r[month] != "9"]

    edit_flights(raw, drop_september)
    result = runner.invoke(app, ["flights-etl", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "recomputed no month; removed months 9; reloaded airports;" in result.stdout
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM airports WHERE faa = 'ZZZ'").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM flights WHERE month = 9").fetchone() == (0,)


def test_the_join_misses_in_the_database_are_the_pandas_joins(built):
    """What `dsops flights-etl` prints and the recipe pages show is counted in SQL on the
    loaded tables (explore.join_coverage); it is what the pandas join left unmatched."""
    from dsops.flights import clean, explore
    from dsops.flights.tables import read_tables
    from dsops.shared.pipeline import run_steps

    tables = read_tables(paths.RAW_FLIGHTS_DIR)
    flights, _ = run_steps(tables["flights"], clean.FLIGHT_STEPS)
    weather, _ = run_steps(tables["weather"], clean.WEATHER_STEPS)
    enriched = clean.enrich(flights, weather, tables["planes"])
    hours = pd.MultiIndex.from_frame(weather[["origin", "time_hour"]])
    no_weather = ~pd.MultiIndex.from_frame(enriched[["origin", "time_hour"]]).isin(hours)
    misses = explore.join_coverage(built).set_index("table")[["no_key", "unmatched"]].sum(axis=1)
    assert misses["weather"] == no_weather.sum() == 1_556
    assert misses["planes"] == enriched["seats"].isna().sum() == 52_606


def test_a_failed_count_after_the_write_is_one_sentence(raw, tmp_path, runner, monkeypatch):
    import duckdb

    from dsops.flights import explore

    def locked(database):
        raise duckdb.IOException(f'Could not set lock on file "{database}"')

    monkeypatch.setattr(explore, "join_coverage", locked)
    out = tmp_path / "out"
    result = runner.invoke(app, ["flights-etl", "--raw", str(raw), "--out", str(out)])
    database = out / paths.FLIGHTS_DUCKDB_NAME
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr == (
        f"error: {database} was written, but counting the flights its joins leave unmatched "
        f'failed (Could not set lock on file "{database}"). Run the step again.\n'
    )
    assert database.is_file()
