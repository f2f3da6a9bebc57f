"""`dsops flights-etl`: a good run, reruns that recompute only what changed, and bad
input that gets one message naming file, column and lines with nothing touched."""

import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dsops.cli import app
from dsops.flights.columns import FLIGHTS_CSV
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
        *("etl_months", "etl_tables", "etl_files"),
    }


def months_table(database: Path) -> dict[int, str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return dict(con.sql("SELECT month, input_hash FROM etl_months").fetchall())


def flights_table(database: Path) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql("SELECT * FROM flights ORDER BY flight_id").to_arrow_table().to_pandas()


def test_after_one_month_changes_only_that_month_is_recomputed(tmp_path):
    from dsops.flights.samples import copy_raw

    raw = copy_raw(tmp_path / "raw", months=[2, 3, 4])  # three months: the same logic, quicker
    database = tmp_path / "out" / paths.FLIGHTS_DUCKDB_NAME
    first = run_flights_etl(raw, database)
    assert first.recomputed == [2, 3, 4]
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
    assert [m.month for m in second.months if not m.recomputed] == [2, 4]
    after = months_table(database)
    assert {m: h for m, h in after.items() if m != 3} == {m: h for m, h in hashes.items() if m != 3}
    assert after[3] != hashes[3]
    fresh = tmp_path / "fresh" / paths.FLIGHTS_DUCKDB_NAME
    run_flights_etl(raw, fresh)  # the same data from nothing gives the same table
    pd.testing.assert_frame_equal(flights_table(database), flights_table(fresh))
    table = flights_table(database).set_index("flight_id")
    assert table.loc[edited[0], "dep_delay"] == -77
    assert (table["dep_delay"] == -77).sum() == 1


def failed(column_problem: str) -> str:
    """The message for one problem in the copied flights file."""
    return (
        "{raw}/flights.csv.zip failed validation against the NYC flights schema (1 problem):\n"
        f"  - {column_problem}\n"
        "Fix the file (or pass --raw with a corrected copy); nothing was written."
    )


def rewrite_flights(raw: Path, change: Callable[[bytes], bytes]) -> None:
    """Rewrite flights.csv inside the zip as bytes (header and all)."""
    header, lines = read_flight_lines(raw / "flights.csv.zip")
    text = change(b"\n".join([header, *lines]) + b"\n").split(b"\n")[:-1]
    write_flight_lines(raw / "flights.csv.zip", text[0], text[1:])


BAD_INPUT = {
    "missing table": (
        lambda raw: (raw / "weather.csv").unlink(),
        "{raw}/weather.csv: no such file. The flights ETL reads flights.csv.zip, weather.csv, "
        "planes.csv, airports.csv, airlines.csv from one folder: pass --raw with a folder "
        "that has all five.",
    ),
    "missing column": (
        lambda raw: edit_flights(raw, drop_column("dep_delay")),
        failed("missing required column 'dep_delay'"),
    ),
    "missing columns": (  # each is named, not only the first (pandera names the schema)
        lambda raw: [edit_flights(raw, drop_column(c)) for c in ("dep_delay", "tailnum")],
        failed("missing required columns 'dep_delay', 'tailnum'"),
    ),
    "bad time value": (
        lambda raw: edit_flights(raw, set_cell(7, "dep_time", "2561")),
        failed(
            "column 'dep_time' has values that are not clock times written hhmm "
            "(0000 to 2359, or 2400) (line 7: 2561)"
        ),
    ),
    "text where a number belongs": (
        lambda raw: edit_flights(raw, set_cell(12, "arr_delay", "late")),
        failed(
            "column 'arr_delay' has values that are not a whole number of at most 18 digits "
            "(line 12: 'late')"
        ),
    ),
    "digits of another script": (  # Python's \d matches them; nothing here converts them
        lambda raw: edit_flights(raw, set_cell(12, "arr_delay", "\u0661\u0662")),
        failed(
            "column 'arr_delay' has values that are not a whole number of at most 18 digits "
            "(line 12: '\u0661\u0662')"
        ),
    ),
    "a whole number too long for 64 bits": (
        lambda raw: edit_flights(raw, set_cell(12, "arr_delay", "9" * 20)),
        failed(
            "column 'arr_delay' has values that are not a whole number of at most 18 digits "
            f"(line 12: '{'9' * 20}')"
        ),
    ),
    "unknown airport code": (
        lambda raw: edit_flights(raw, set_cell(10, "origin", "XYZ")),
        failed(
            "column 'origin' has airport codes that are not one of New York's EWR, JFK, "
            "LGA (line 10: 'XYZ')"
        ),
    ),
    "a row with too many fields": (
        lambda raw: rewrite_flights(raw, lambda text: text.replace(b",EWR,", b",EWR,,", 1)),
        "{raw}/flights.csv.zip: the header has 19 fields but 1 row does not (line 2: 20 "
        "fields): a value is missing or holds an unquoted comma.",
    ),
    "a re-cased header": (
        lambda raw: rewrite_flights(raw, lambda text: text.replace(b"dep_time", b"Dep_Time", 1)),
        "{raw}/flights.csv.zip: header names differ from the expected ones in case "
        "('Dep_Time' should be 'dep_time'): restore the original header.",
    ),
    "semicolons for commas": (
        lambda raw: rewrite_flights(raw, lambda text: text.replace(b",", b";")),
        "{raw}/flights.csv.zip: the header has one column with semicolons in it, so the "
        "file looks separated by semicolons; the data is comma-separated. Save it as CSV "
        "with commas.",
    ),
    "text that is not UTF-8": (
        lambda raw: (raw / "airlines.csv").write_bytes(
            (raw / "airlines.csv").read_bytes().replace(b"Inc.", "Inc. \u00e9".encode("latin-1"))
        ),
        "{raw}/airlines.csv: line 2 is not UTF-8 text (invalid continuation byte). Save the "
        "file as UTF-8 (comma-separated) and run again.",
    ),
    "truncated compressed file": (
        lambda raw: (raw / "flights.csv.zip").write_bytes(
            (raw / "flights.csv.zip").read_bytes()[:1_000_000]
        ),
        "{raw}/flights.csv.zip: the compressed file is damaged or truncated (File is not "
        "a zip file). Replace it with a good copy.",
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

    tables = clean.pseudonymise_identifiers(read_tables(paths.RAW_FLIGHTS_DIR), b"k" * 32)
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


def test_a_run_that_starts_while_another_writes_compares_with_what_it_wrote(tmp_path):
    """Two runs on the same --out at once: the second must compare its input with what
    the first stored, not with what was there before, or both recompute from the same
    old state and one overwrites the other's months. Here a stand-in for the first run
    holds the folder and, before letting go, puts in place the database a run of this
    input writes; the second run, started meanwhile, must wait and then find nothing
    to do."""
    from conftest import FolderHolder, installed_tool, wait_for_line
    from dsops.flights.samples import copy_raw

    raw = copy_raw(tmp_path / "raw", months=[1, 2])
    done = tmp_path / "done" / paths.FLIGHTS_DUCKDB_NAME
    run_flights_etl(raw, done)  # what the first run will have written
    out = tmp_path / "out"
    database = out / paths.FLIGHTS_DUCKDB_NAME
    first = FolderHolder(database, finish_with=done)
    second = subprocess.Popen(
        [installed_tool("dsops"), "flights-etl", "--raw", str(raw), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_line(second, f"waiting for another run that is writing into {out}")
    first.let_go()
    stdout, _ = second.communicate(timeout=120)
    assert second.returncode == 0
    assert stdout == (
        f"{database} is up to date: no input changed (2 months, {rows(database)} flights)\n"
    )
    assert database.read_bytes() == done.read_bytes()


def rows(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("SELECT count(*) FROM flights").fetchone()[0]


def test_verbose_logs_each_step_and_what_was_written(tmp_path, runner):
    from dsops.flights.samples import copy_raw

    raw = copy_raw(tmp_path / "raw", months=[1])
    out = tmp_path / "out"
    result = runner.invoke(app, ["--verbose", "flights-etl", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 0, result.output
    logged = result.stderr.splitlines()
    assert logged[0].startswith("INFO dsops.flights.etl: read flights (27,004 rows), weather")
    steps = [line.split(": ")[1].split()[1] for line in logged if "pipeline: step" in line]
    assert steps == [
        "add_minutes_after_midnight",
        "flag_cancelled",
        "add_scheduled_departure",
        "parse_time_hour",
        "parse_time_hour",
        "drop_repeated_hours",
    ]
    assert f"INFO dsops.flights.etl: wrote {out / paths.FLIGHTS_DUCKDB_NAME} (rebuilt)" in logged


def test_what_a_killed_run_left_is_cleared(built, tmp_path):
    """`kill -9` during a write leaves a hidden copy of the database and its write-ahead
    log (up to 29 MB); the next run deletes them before it writes."""
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(built, out / built.name)
    left = [out / ".flights.duckdb.k1ll3d.tmp", out / ".flights.duckdb.k1ll3d.tmp.wal"]
    for path in left:
        path.write_bytes(b"x" * 1000)
    run_flights_etl(paths.RAW_FLIGHTS_DIR, out / built.name)
    assert sorted(p.name for p in out.iterdir()) == [built.name]


def test_a_rerun_with_no_file_and_no_code_changed_reads_nothing(tmp_path, runner):
    """The SHA-256 of every raw file and of the code are kept: when none changed, the
    rerun does not even read the tables. A file rewritten with the same data is read,
    found unchanged, and still writes nothing."""
    from dsops.flights.samples import copy_raw

    raw = copy_raw(tmp_path / "raw", months=[2])
    out = tmp_path / "out"
    database = out / paths.FLIGHTS_DUCKDB_NAME
    run_flights_etl(raw, database)
    before = database.read_bytes()
    args = ["--verbose", "flights-etl", "--raw", str(raw), "--out", str(out)]
    quick = runner.invoke(app, args)
    assert quick.exit_code == 0, quick.output
    assert "nothing to read" in quick.stderr and "pipeline: step" not in quick.stderr
    assert quick.stdout.startswith(f"{database} is up to date: no input changed (1 month, ")
    header, lines = read_flight_lines(raw / "flights.csv.zip")
    # Same rows, new zip bytes: a stamp other than "now", which may fall in the same
    # two-second tick as the first copy and give identical bytes.
    stamped = zipfile.ZipInfo(FLIGHTS_CSV, date_time=(2000, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(raw / "flights.csv.zip", "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(stamped, b"\n".join([header, *lines]) + b"\n")
    reread = runner.invoke(app, args)
    assert reread.exit_code == 0, reread.output
    assert "nothing to read" not in reread.stderr and "pipeline: step" in reread.stderr
    assert reread.stdout == quick.stdout
    assert database.read_bytes() == before
