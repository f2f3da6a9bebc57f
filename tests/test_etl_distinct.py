"""The ETL judges and cleans each column's distinct texts once for the whole file, and
each row takes its values by number. These tests hold that equal to the plain way:
the raw schema run on every row, clean_block run on every row, the rows sorted by key.
"""

import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_rows
from dsops.penguins import etl
from dsops.penguins.bench import synthetic_export
from dsops.penguins.columns import RAW_TO_CLEAN, SPECIES
from dsops.shared import paths
from dsops.shared.errors import DataValidationError

SMALL_BLOCKS = 8 << 10  # the 56 KB export read in 7 blocks


def row_by_row(path: Path) -> pd.DataFrame | str:
    """The plain way: the message the file earns, or its clean table in key order."""
    raw = etl.read_raw(path)
    failures = etl._failures(etl.RAW_VALUES_SCHEMA, raw)
    keys = etl.key_numbers(
        pyarrow.array(raw["Species"], pyarrow.large_string()),
        etl.whole_numbers(raw["Sample Number"]),
    )
    order = etl.key_order(keys)
    shared = etl._duplicates(keys, order)
    if failures is not None or len(shared):
        cases = etl._in_schema_order([failures]) if failures is not None else etl._NO_FAILURES
        line = etl._Lines(path)
        duplicate = etl._duplicate_problem(keys, shared, line) if len(shared) else None
        return etl.explain_failures(path, cases, duplicate, line)
    clean = etl._validated_clean(etl.clean_block(raw))
    return clean.iloc[order].reset_index(drop=True)


def by_distinct(path: Path, block_bytes: int = SMALL_BLOCKS) -> pd.DataFrame | str:
    try:
        return etl.load_raw(path, block_bytes=block_bytes)
    except DataValidationError as err:
        return str(err)


def assert_same(path: Path, block_bytes: int = SMALL_BLOCKS) -> pd.DataFrame | str:
    expected, found = row_by_row(path), by_distinct(path, block_bytes)
    if isinstance(expected, str):
        assert found == expected
    else:
        assert not isinstance(found, str), found
        pd.testing.assert_frame_equal(found, expected)
    return found


@pytest.mark.parametrize("block_bytes", [SMALL_BLOCKS, etl.BLOCK_BYTES])
def test_the_real_export_gives_the_table_cleaned_row_by_row(block_bytes):
    table = assert_same(paths.RAW_PENGUINS, block_bytes)
    assert len(table) == 344


def test_a_synthetic_export_gives_the_table_cleaned_row_by_row(tmp_path):
    table = assert_same(synthetic_export(3000, tmp_path / "synthetic.csv"), 64 << 10)
    assert len(table) == 3000


def test_an_export_with_an_id_per_row_gives_the_table_cleaned_row_by_row(tmp_path):
    """The IDs get a frame of their own; every other column is the plain export's."""
    plain = pd.read_csv(synthetic_export(3000, tmp_path / "plain.csv"), dtype=str)
    raw = synthetic_export(3000, tmp_path / "ids.csv", distinct_ids=True)
    with mock.patch.object(etl, "OWN_FRAME_TEXTS", 1000):
        table = assert_same(raw, 64 << 10)
    assert table["individual_id"].nunique() == 3000
    ids = pd.read_csv(raw, dtype=str)
    assert ids["Individual ID"].tolist()[:2] == ["N1A1", "N2A1"]
    others = [column for column in plain.columns if column != "Individual ID"]
    pd.testing.assert_frame_equal(ids[others], plain[others])


def test_a_header_without_a_key_column_is_refused_before_any_row_is_read(tmp_path):
    frame = pd.read_csv(paths.RAW_PENGUINS, dtype=str, keep_default_na=False)
    raw = tmp_path / "no-species.csv"
    frame.drop(columns=["Species"]).to_csv(raw, index=False)
    message = by_distinct(raw)
    assert message == (
        f"{raw} failed validation against the raw Palmer Station penguins export schema "
        "(1 problem):\n  - missing required column 'Species'\n"
        "Fix the file (or pass --raw with a corrected copy); no outputs were written."
    )


def test_texts_are_numbered_across_blocks_in_the_order_they_first_appear():
    texts = etl._Distinct()
    first = texts.codes(pyarrow.array(["b", None, "a", "b"], pyarrow.large_string()))
    second = texts.codes(pyarrow.array(["c", "a", None], pyarrow.large_string()))
    numbers = texts.unify([first, second])
    assert [block.to_pylist() for block in numbers] == [[0, None, 1, 0], [2, 1, None]]
    assert texts.values().to_pylist() == ["b", "a", "c", None]


def test_a_column_that_is_not_kept_has_its_texts_in_the_order_they_first_appear():
    texts = etl._Distinct()
    texts.codes(pyarrow.array(["b", "a", "b"], pyarrow.large_string()))
    texts.codes(pyarrow.array(["c", "a"], pyarrow.large_string()))
    assert texts.unify([]) == []
    assert texts.values().to_pylist() == ["b", "a", "c"]


def test_the_distinct_frame_repeats_shorter_columns():
    distinct = {name: etl._Distinct() for name in etl.BY_DISTINCT}
    for name, texts in distinct.items():
        texts.codes(pyarrow.array(["x", "y", "z"] if name == "Comments" else ["x"]))
        texts.unify([])
    [frame] = etl._distinct_frames(distinct, {"Sample Number": "7"})
    assert frame["Comments"].tolist() == ["x", "y", "z"]
    assert frame["Island"].tolist() == ["x", "x", "x"]
    assert frame["Sample Number"].tolist() == ["7", "7", "7"]


# Texts a cell may be changed to: good ones of every kind and the common mistakes.
EDITS = {
    "Species": [*SPECIES, "Emperor penguin", "", "adelie"],
    "Sample Number": ["1", "12", "0", "x", "", "1" * 19, "007"],
    "Island": ["Dream", "Biscoe", "Atlantis", ""],
    "Individual ID": ["N1A1", ""],
    "Clutch Completion": ["Yes", "No", "yes", ""],
    "Date Egg": ["2007-11-09", "2009-12-01", "2010-11-11", "11/11/2007", "2007-02-30", ""],
    "Culmen Length (mm)": ["39.1", "NA", "", "heavy", "nan", "700", "1e400", "9" * 400],
    "Body Mass (g)": ["3750", "NA", "3.75", "9000", "\u0663\u0664\u0665\u0660"],
    "Sex": ["MALE", "FEMALE", "NA", ".", "male"],
    "Delta 15 N (o/oo)": ["8.94956", "NA", "-"],
    "Comments": ["Nest never observed with full clutch.", "NA", ""],
    "studyName": ["PAL0708", ""],
}


edits = st.lists(
    st.tuples(
        st.integers(0, 343),
        st.sampled_from(sorted(EDITS)).flatmap(
            lambda column: st.tuples(st.just(column), st.sampled_from(EDITS[column]))
        ),
    ),
    max_size=6,
)


@settings(max_examples=40)
@given(
    changes=edits,
    block_kb=st.sampled_from([4, 8, 64]),
    own_frame=st.sampled_from([etl.OWN_FRAME_TEXTS, 2, 100]),
)
def test_any_edited_export_earns_the_same_message_or_table_as_row_by_row(
    raw_table, changes, block_kb, own_frame
):
    """Also with columns of many texts judged in frames of their own (see
    test_columns_with_many_texts_are_judged_in_frames_of_their_own)."""
    header, rows = raw_table
    rows = [list(row) for row in rows]
    for row, (column, text) in changes:
        rows[row][header.index(column)] = text
    with tempfile.TemporaryDirectory(prefix="dsops-distinct-") as scratch:
        raw = write_rows(Path(scratch) / "edited.csv", header, rows, lineterminator="\n")
        with mock.patch.object(etl, "OWN_FRAME_TEXTS", own_frame):
            assert_same(raw, block_kb << 10)


@pytest.mark.parametrize("own_frame", [2, 100])
def test_columns_with_many_texts_are_judged_in_frames_of_their_own(own_frame):
    """The real export has 190 Individual IDs and about 330 texts in each isotope column:
    with a lower limit they get frames of their own, and the table is the same."""
    made, real = [], etl._distinct_frames

    def spy(*args):
        frames = real(*args)
        made.append(list(frames))  # clean_table lets each go once cleaned
        return frames

    with (
        mock.patch.object(etl, "OWN_FRAME_TEXTS", own_frame),
        mock.patch.object(etl, "_distinct_frames", spy),
    ):
        assert_same(paths.RAW_PENGUINS)
    [frames] = made
    alone = [frame.columns for frame in frames[1:]]
    assert len(frames) > 2 and all(len(columns) == 1 for columns in alone)
    assert {column for columns in alone for column in columns} >= {"Individual ID"}
    assert len(frames[0]) <= own_frame


def test_every_clean_column_has_one_source_column():
    clean_columns = list(etl.CLEAN_SCHEMA.columns)
    assert sorted(etl.SOURCE) == sorted(clean_columns)
    assert set(etl.SOURCE.values()) <= set(RAW_TO_CLEAN)
    assert np.all([etl.SOURCE[name] in etl.RAW_SCHEMA.columns for name in clean_columns])


def test_only_columns_free_to_hold_anything_are_left_unread(tmp_path):
    """Region and Stage may hold any text or none and are dropped, so they are not read;
    the table is the same whatever they hold."""
    assert etl.FREE_TEXT == ["Region", "Stage"]
    frame = pd.read_csv(paths.RAW_PENGUINS, dtype=str, keep_default_na=False)
    frame.loc[3, "Region"], frame.loc[5, "Stage"] = "", "Adult, 2 eggs?"
    raw = tmp_path / "free-text.csv"
    frame.to_csv(raw, index=False)
    pd.testing.assert_frame_equal(assert_same(raw), by_distinct(paths.RAW_PENGUINS))


def test_text_that_is_not_utf8_is_refused_in_a_column_that_is_not_numbered(tmp_path, raw_table):
    """Region is read though its texts are not numbered, so a Latin-1 byte past the
    header's first bytes is still refused."""
    header, rows = raw_table
    rows = [list(row) for row in rows]
    rows[300][header.index("Region")] = "Anv\u00e9rs"
    raw = write_rows(tmp_path / "latin1.csv", header, rows, "\n", encoding="latin-1")
    message = by_distinct(raw, etl.BLOCK_BYTES)
    assert message.startswith(f"{raw}: this is not a UTF-8 CSV text file ("), message


def test_a_column_s_problems_come_in_the_schema_s_order_whatever_the_blocks(raw_table):
    """Missing values before the column's own checks, as pandera runs them, even when a
    later check fails in an earlier block."""
    header, rows = raw_table
    rows = [list(row) for row in rows]
    sample = header.index("Sample Number")
    rows[0][sample], rows[150][sample] = "x", "NA"
    with tempfile.TemporaryDirectory(prefix="dsops-distinct-") as scratch:
        raw = write_rows(Path(scratch) / "order.csv", header, rows, lineterminator="\n")
        for block_bytes in (4 << 10, etl.BLOCK_BYTES):
            message = assert_same(raw, block_bytes)
            assert message.index("missing values (line 152") < message.index(
                "not a whole number of at least 1 and at most 18 digits (line 2:"
            )
