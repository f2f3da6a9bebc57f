"""The penguins ETL as a library: the clean table, its two outputs written together and
atomically, one writer at a time, and problems named by the lines an editor shows."""

import csv
import io
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import FolderHolder, installed_tool, wait_for_line, write_rows
from dsops.penguins.columns import SPECIES
from dsops.penguins.etl import CLEANING_STEPS, clean_export, run_etl, write_outputs
from dsops.penguins.schema import CLEAN_SCHEMA
from dsops.shared import files, paths
from dsops.shared.errors import DsopsError


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return clean_export(paths.RAW_PENGUINS)


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


def test_the_cleaning_is_named_steps_a_reader_can_list():
    assert [step.__name__ for step in CLEANING_STEPS] == [
        "rename_to_snake_case",
        "shorten_labels",
        "parse_types",
        "add_study_year",
        "keep_clean_columns",
        "sort_by_bird",
    ]


def test_running_twice_gives_identical_outputs(tmp_path):
    """Parquet is byte-identical on a rerun. A DuckDB file is not (its header and block
    layout carry per-write details), so its table is compared in full instead."""
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
    assert list(from_duckdb.columns) == list(from_parquet.columns)
    for column in ["species", "sample_number", "individual_id", "body_mass_g", "comments"]:
        assert from_duckdb[column].astype(object).equals(from_parquet[column].astype(object))


def test_duckdb_declares_the_key_and_the_required_columns(tmp_path):
    result = run_etl(paths.RAW_PENGUINS, tmp_path)
    with duckdb.connect(str(result.duckdb), read_only=True) as con:
        constraints = con.sql(
            "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
            "WHERE table_name = 'penguins'"
        ).fetchall()
    assert ("PRIMARY KEY", ["species", "sample_number"]) in constraints
    not_null = {names[0] for kind, names in constraints if kind == "NOT NULL"}
    required = {name for name, column in CLEAN_SCHEMA.columns.items() if not column.nullable}
    assert not_null == required


def test_a_failed_write_leaves_the_previous_outputs_and_no_temporary_files(
    tmp_path, monkeypatch, clean
):
    result = run_etl(paths.RAW_PENGUINS, tmp_path)
    before = {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)}

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", crash)
    with pytest.raises(DsopsError, match=r"cannot write the outputs in .*No space left"):
        write_outputs(clean, tmp_path)
    assert {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["penguins.duckdb", "penguins.parquet"]


def test_a_failed_second_rename_puts_the_first_output_back(tmp_path, monkeypatch, clean):
    """Both outputs change together or neither does."""
    result = run_etl(paths.RAW_PENGUINS, tmp_path)
    before = {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)}
    real_replace = files.os.replace
    calls = []

    def fail_on_the_second_output(source, target):
        calls.append((Path(source).name, Path(target).name))
        if Path(target).name == "penguins.duckdb" and ".tmp" in Path(source).name:
            raise OSError(5, "Input/output error", str(target))
        return real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", fail_on_the_second_output)
    with pytest.raises(DsopsError, match="Input/output error"):
        write_outputs(clean.head(10), tmp_path)
    assert any(target == "penguins.parquet" for _, target in calls)  # the first one moved
    assert {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["penguins.duckdb", "penguins.parquet"]


def test_what_a_killed_run_left_is_cleared_by_the_next(tmp_path):
    """A run killed with `kill -9` leaves its temporary files (a DuckDB file and its
    write-ahead log) and, if it died between two renames, an output moved aside. The
    next run clears them and puts the moved output back before it writes."""
    out = tmp_path / "out"
    first = run_etl(paths.RAW_PENGUINS, out)
    left = [out / ".penguins.duckdb.k1ll3d.tmp", out / ".penguins.duckdb.k1ll3d.tmp.wal"]
    for path in left:
        path.write_bytes(b"half a database")
    first.duckdb.rename(out / ".penguins.duckdb.m0v3d.old")  # died between the renames
    unrelated = out / ".notes.tmp"  # not ours: never touched
    unrelated.write_text("keep me")
    with files.one_writer([first.parquet, first.duckdb]):
        assert first.duckdb.is_file()  # the old version is back before anything is written
    run_etl(paths.RAW_PENGUINS, out)
    assert sorted(p.name for p in out.iterdir()) == [
        ".notes.tmp",
        "penguins.duckdb",
        "penguins.parquet",
    ]


def test_a_second_run_waits_for_the_first(tmp_path):
    """Two runs on one output folder never write at once: while another run holds the
    folder, the second waits, saying so on stderr, and writes only once it is let go."""
    out = tmp_path / "out"
    holder = FolderHolder(out / "penguins.parquet")
    second = subprocess.Popen(
        [installed_tool("dsops"), "etl", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_line(second, f"waiting for another run that is writing into {out}")
    assert not (out / "penguins.parquet").exists()  # nothing written while it waits
    holder.let_go()
    stdout, _ = second.communicate(timeout=120)
    assert second.returncode == 0
    assert stdout.startswith("wrote 344 rows to ")
    assert (out / "penguins.parquet").is_file()


def with_mass(line: str, column: int, value: str) -> str:
    fields = next(csv.reader([line]))
    fields[column] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_lines_are_counted_past_empty_lines(tmp_path, ending):
    """The reader skips empty lines; a message still names the line an editor shows,
    however lines end."""
    lines = paths.RAW_PENGUINS.read_text(encoding="utf-8").splitlines()
    mass = lines[0].split(",").index("Body Mass (g)")
    lines[300] = with_mass(lines[300], mass, "4 kg")  # line 301 before the empty lines
    lines[320] = lines[5]  # line 321 repeats line 6's bird
    lines[4:4] = ["", ""]  # lines 5 and 6 are empty: 6 moves to 8, 301 to 303, 321 to 323
    lines[200:200] = [""]  # one more before the later rows: 303 moves to 304, 323 to 324
    raw = tmp_path / "empty-lines.csv"
    raw.write_bytes((ending.join(lines) + ending).encode())
    with pytest.raises(DsopsError) as found:
        clean_export(raw)
    message = str(found.value)
    assert "(2 problems):" in message
    assert "(line 304: '4 kg')" in message
    assert "but 2 rows repeat a combination (line 8: " in message and "line 324: " in message
    numbered = raw.read_bytes().decode().split(ending)
    assert next(csv.reader([numbered[304 - 1]]))[mass] == "4 kg"
    assert numbered[324 - 1] == numbered[8 - 1]


def test_a_value_spanning_lines_moves_later_lines_on(tmp_path, raw_table):
    """A quoted comment with a line break in it takes two lines; rows after it are
    named by the line they start on."""
    header, rows = raw_table
    rows = [list(row) for row in rows[:10]]
    rows[2][header.index("Comments")] = "first line\nsecond line"
    rows[6][header.index("Body Mass (g)")] = "4 kg"
    raw = write_rows(tmp_path / "multi-line.csv", header, rows, lineterminator="\n")
    with pytest.raises(DsopsError, match=r"\(line 9: '4 kg'\)"):
        clean_export(raw)
    assert "4 kg" in raw.read_text(encoding="utf-8").splitlines()[9 - 1]


def test_a_file_written_with_cr_cr_lf_endings_names_the_lines_an_editor_shows(tmp_path, raw_table):
    """What Python's csv module writes on Windows to a file not opened with newline="":
    a CR and a CR LF, so an empty line follows each row."""
    header, rows = raw_table
    rows = [list(row) for row in rows[:10]]
    rows[4][header.index("Body Mass (g)")] = "4 kg"
    raw = write_rows(tmp_path / "double-spaced.csv", header, rows, lineterminator="\r\r\n")
    with pytest.raises(DsopsError, match=r"\(line 11: '4 kg'\)"):
        clean_export(raw)
    assert "4 kg" in raw.read_bytes().decode().splitlines()[11 - 1]


def test_a_missing_sample_number_on_the_first_row_is_a_message(tmp_path, raw_table):
    header, rows = raw_table
    rows = [list(row) for row in rows]
    rows[0][header.index("Sample Number")] = "NA"
    raw = write_rows(tmp_path / "first-missing.csv", header, rows, lineterminator="\n")
    with pytest.raises(DsopsError, match=r"'Sample Number' has missing values \(line 2: nan\)"):
        clean_export(raw)


def test_an_export_in_key_order_and_a_shuffled_one_give_the_same_bytes(tmp_path):
    frame = pd.read_csv(paths.RAW_PENGUINS, dtype=str, keep_default_na=False)
    species_rank = frame["Species"].map({label: i for i, label in enumerate(SPECIES)})
    in_key_order = frame.assign(_rank=species_rank, _n=frame["Sample Number"].astype(int))
    in_key_order = in_key_order.sort_values(["_rank", "_n"]).drop(columns=["_rank", "_n"])
    written = {}
    for name, rows in {
        "sorted": in_key_order,
        "shuffled": frame.sample(frac=1, random_state=7),
    }.items():
        rows.to_csv(tmp_path / f"{name}.csv", index=False)
        written[name] = run_etl(tmp_path / f"{name}.csv", tmp_path / name).parquet.read_bytes()
    assert written["sorted"] == written["shuffled"]
    assert written["sorted"] == run_etl(paths.RAW_PENGUINS, tmp_path / "real").parquet.read_bytes()
