"""Cleaning, validation and atomic output of the ETL step (library level)."""

import csv
import io
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import write_rows
from dsops.penguins import etl
from dsops.penguins.columns import SPECIES
from dsops.penguins.etl import load_raw, raw_blocks, read_raw, run_etl, write_outputs
from dsops.penguins.schema import CLEAN_SCHEMA
from dsops.shared import files, paths
from dsops.shared.errors import DsopsError


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
    assert from_duckdb["body_mass_g"].sum() == from_parquet["body_mass_g"].sum()
    assert list(from_duckdb.columns) == list(from_parquet.columns)


def test_a_failed_write_leaves_the_previous_outputs_and_no_temporary_files(tmp_path, monkeypatch):
    result = run_etl(config_raw(), tmp_path)
    before = {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)}

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", crash)
    with pytest.raises(DsopsError, match=r"cannot write the outputs in .*No space left"):
        write_outputs(load_raw(config_raw()), tmp_path)
    assert {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["penguins.duckdb", "penguins.parquet"]


def test_a_failed_second_rename_puts_the_first_output_back(tmp_path, monkeypatch):
    """Both outputs change together or neither does."""
    result = run_etl(config_raw(), tmp_path)
    before = {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)}
    real_replace = files.os.replace
    calls = []

    def fail_on_the_second_output(source, target):
        calls.append((Path(source).name, Path(target).name))
        if Path(target).name == "penguins.duckdb" and ".tmp" in Path(source).name:
            raise OSError(5, "Input/output error", str(target))
        return real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", fail_on_the_second_output)
    frame = load_raw(config_raw()).head(10)
    with pytest.raises(DsopsError, match="Input/output error"):
        write_outputs(frame, tmp_path)
    assert any(target == "penguins.parquet" for _, target in calls)  # the first one moved
    assert {p.name: p.read_bytes() for p in (result.parquet, result.duckdb)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["penguins.duckdb", "penguins.parquet"]


@pytest.mark.parametrize("rows", [0, 1, 99, 100, 101, 250, 10_000_000])
def test_duckdb_parts_are_whole_row_groups_that_hold_every_row_in_order(rows, monkeypatch):
    monkeypatch.setattr(etl, "DUCKDB_ROW_GROUP", 100)
    parts = etl._duckdb_parts(rows)
    assert [offset for offset, _ in parts] == [0, *np.cumsum([n for _, n in parts])[:-1]]
    assert sum(length for _, length in parts) == rows
    assert all(length % 100 == 0 for _, length in parts[:-1])
    assert len(parts) == min(2, max(1, -(-rows // 100)))


def test_duckdb_rows_inserted_in_parts_keep_the_table_order(tmp_path, monkeypatch):
    """The parts are committed in order, so the DuckDB table's rows are the Parquet
    file's, row for row (here the 344 rows go in as 3 parts of up to 128)."""
    monkeypatch.setattr(etl, "DUCKDB_ROW_GROUP", 64)
    parts = etl._duckdb_parts
    monkeypatch.setattr(etl, "_duckdb_parts", lambda rows: parts(rows, parts=3))
    result = run_etl(paths.RAW_PENGUINS, tmp_path)
    with duckdb.connect(str(result.duckdb), read_only=True) as con:
        from_duckdb = con.sql("SELECT * FROM penguins").df()
    from_parquet = pd.read_parquet(result.parquet)
    assert len(from_duckdb) == 344
    for column in ["species", "sample_number", "individual_id", "body_mass_g", "comments"]:
        assert from_duckdb[column].astype(object).equals(from_parquet[column].astype(object))


def _row_groups(database: Path) -> list[tuple[int, int]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(
            "SELECT row_group_id, sum(count) FROM pragma_storage_info('penguins') "
            "WHERE column_name = 'sample_number' AND segment_type <> 'VALIDITY' "
            "GROUP BY ALL ORDER BY row_group_id"
        ).fetchall()


def test_duckdb_parts_give_the_row_groups_of_one_insert(tmp_path, clean):
    """At DuckDB's real row group size (parts of 245,760 and 54,240 rows here), the
    table is laid out in the row groups one insert makes, with the same rows."""
    rows = 300_000
    table = pyarrow.Table.from_pandas(
        clean.iloc[np.arange(rows) % len(clean)].assign(sample_number=np.arange(1, rows + 1)),
        preserve_index=False,
    )
    assert etl._duckdb_parts(rows) == [(0, 245_760), (245_760, 54_240)]
    etl._write_duckdb(table, tmp_path / "parts.duckdb")
    with duckdb.connect(str(tmp_path / "one.duckdb")) as con:
        con.register("clean", table)
        con.execute("CREATE TABLE penguins AS SELECT * FROM clean")
    assert _row_groups(tmp_path / "parts.duckdb") == _row_groups(tmp_path / "one.duckdb")
    with duckdb.connect(str(tmp_path / "parts.duckdb"), read_only=True) as con:
        back = con.sql("SELECT sample_number, body_mass_g FROM penguins").df()
    assert back["sample_number"].tolist() == list(range(1, rows + 1))
    assert back["body_mass_g"].equals(table.column("body_mass_g").to_pandas())


def test_duckdb_declares_the_key_and_the_required_columns(tmp_path):
    result = run_etl(config_raw(), tmp_path)
    with duckdb.connect(str(result.duckdb), read_only=True) as con:
        constraints = con.sql(
            "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
            "WHERE table_name = 'penguins'"
        ).fetchall()
    assert ("PRIMARY KEY", ["species", "sample_number"]) in constraints
    not_null = {names[0] for kind, names in constraints if kind == "NOT NULL"}
    required = {name for name, column in CLEAN_SCHEMA.columns.items() if not column.nullable}
    assert not_null == required


def test_the_raw_file_is_not_read_whole_to_check_its_first_bytes(monkeypatch):
    def refuse(self):
        raise AssertionError("read_bytes reads the whole file")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert len(read_raw(config_raw())) == 344


def config_raw() -> Path:
    return paths.RAW_PENGUINS


SMALL_BLOCKS = 8 << 10  # the 56 KB export read in 7 blocks


def test_blocks_of_any_size_give_the_same_table(clean):
    assert len(list(raw_blocks(config_raw(), SMALL_BLOCKS))) >= 5
    pd.testing.assert_frame_equal(load_raw(config_raw(), block_bytes=SMALL_BLOCKS), clean)


def test_problems_in_different_blocks_are_reported_together_with_their_lines(tmp_path):
    lines = config_raw().read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    mass = header.index("Body Mass (g)")

    def with_mass(line: str, value: str) -> str:
        fields = next(csv.reader([line]))
        fields[mass] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(fields)
        return out.getvalue()

    lines[2] = with_mass(lines[2], "heavy")  # line 3, in the first block
    lines[300] = with_mass(lines[300], "4 kg")  # line 301, in a later block
    lines[320] = lines[5]  # line 321 repeats line 6's bird
    raw = tmp_path / "two-blocks.csv"
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DsopsError) as found:
        load_raw(raw, block_bytes=SMALL_BLOCKS)
    message = str(found.value)
    assert "(2 problems):" in message
    assert "but 2 rows share a pair (line 6: " in message and "line 321: " in message
    assert (
        "column 'Body Mass (g)' has values that are not a number "
        "(line 3: 'heavy'; line 301: '4 kg')"
    ) in message


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_lines_are_counted_past_empty_lines(tmp_path, ending):
    """The reader skips empty lines; a message still names the line a reader's editor
    shows, whatever block the row is in and however lines end."""
    lines = config_raw().read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    mass = header.index("Body Mass (g)")
    fields = next(csv.reader([lines[300]]))
    fields[mass] = "4 kg"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    lines[300] = out.getvalue()  # line 301 before the empty lines are added
    lines[320] = lines[5]  # line 321 repeats line 6's bird
    lines[4:4] = ["", ""]  # lines 5 and 6 are empty: line 6 moves to 8, 301 to 303, 321 to 323
    lines[200:200] = [""]  # one more before the later rows: 303 moves to 304, 323 to 324
    raw = tmp_path / "empty-lines.csv"
    raw.write_bytes((ending.join(lines) + ending).encode())
    with pytest.raises(DsopsError) as found:
        load_raw(raw, block_bytes=SMALL_BLOCKS)
    message = str(found.value)
    assert "(line 304: '4 kg')" in message
    assert "but 2 rows share a pair (line 8: " in message and "line 324: " in message
    numbered = raw.read_bytes().decode().split(ending)
    assert next(csv.reader([numbered[304 - 1]]))[mass] == "4 kg"
    assert numbered[324 - 1] == numbered[8 - 1]


@given(
    text=st.binary(max_size=60).map(lambda b: bytes(b"ab\n\r,"[x % 5] for x in b)),
    piece_bytes=st.integers(min_value=1, max_value=8),
)
def test_empty_lines_are_found_across_pieces(tmp_path_factory, text, piece_bytes):
    raw = tmp_path_factory.mktemp("empty") / "rows.csv"
    raw.write_bytes(text)
    lines = re.split(rb"\r\n|\r|\n", text)[:-1]  # each ended by CR LF, CR or LF, as Arrow reads
    expected = [n for n, line in enumerate(lines, start=1) if n > 1 and line == b""]
    assert etl._empty_lines(raw, piece_bytes).tolist() == expected


def test_a_file_written_with_cr_cr_lf_endings_names_the_lines_an_editor_shows(tmp_path, raw_table):
    """What Python's csv module writes on Windows to a file not opened with newline="":
    Arrow reads a CR and a CR LF, so an empty line follows each row."""
    header, rows = raw_table
    rows = [list(row) for row in rows[:10]]
    rows[4][header.index("Body Mass (g)")] = "4 kg"
    raw = write_rows(tmp_path / "double-spaced.csv", header, rows, lineterminator="\r\r\n")
    with pytest.raises(DsopsError, match=r"\(line 11: '4 kg'\)"):
        load_raw(raw)
    assert "4 kg" in raw.read_bytes().decode().splitlines()[11 - 1]


def test_a_missing_sample_number_on_the_first_row_is_a_message(tmp_path, raw_table):
    header, rows = raw_table
    rows = [list(row) for row in rows]
    rows[0][header.index("Sample Number")] = "NA"
    raw = write_rows(tmp_path / "first-missing.csv", header, rows, lineterminator="\n")
    with pytest.raises(DsopsError, match=r"'Sample Number' has missing values \(line 2: nan\)"):
        load_raw(raw)


def test_line_numbers_skip_each_empty_line_after_the_header(tmp_path):
    raw = tmp_path / "rows.csv"
    raw.write_bytes(b"h\n\n1\n\n\n2\r\n\r\n3\n")  # rows on lines 3, 6 and 8
    line = etl._Lines(raw)
    assert [line(row) for row in (0, 1, 2)] == ["3", "6", "8"]
    assert line(float("nan")) == "?"


def test_an_export_in_key_order_and_a_shuffled_one_give_the_same_bytes(tmp_path):
    """Rows already in key order are kept as they are; any other order is sorted."""
    frame = pd.read_csv(config_raw(), dtype=str, keep_default_na=False)
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
    assert written["sorted"] == run_etl(config_raw(), tmp_path / "real").parquet.read_bytes()
