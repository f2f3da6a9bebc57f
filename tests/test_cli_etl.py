"""`dsops etl` on good and bad input: exit codes, exact messages, files written or kept."""

import csv
from pathlib import Path

import pytest

from dsops.cli import app
from dsops.shared import paths

SPECIES, SAMPLE, MASS = "Species", "Sample Number", "Body Mass (g)"


@pytest.fixture
def previous_outputs(tmp_path: Path, runner) -> dict[str, bytes]:
    """A good run first, so each bad run can be shown to leave its outputs untouched."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["etl", "--raw", str(paths.RAW_PENGUINS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def run_bad(runner, tmp_path: Path, raw: Path, previous: dict[str, bytes]):
    out = tmp_path / "out"
    result = runner.invoke(app, ["etl", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in sorted(out.iterdir())} == previous
    return result.stderr


def test_good_input_writes_both_outputs(tmp_path, runner):
    out = tmp_path / "processed"
    result = runner.invoke(app, ["etl", "--raw", str(paths.RAW_PENGUINS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote 344 rows to {out / 'penguins.parquet'} and {out / 'penguins.duckdb'}\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["penguins.duckdb", "penguins.parquet"]


def test_missing_required_column(tmp_path, runner, raw_table, write_csv, previous_outputs):
    header, rows = raw_table
    i = header.index(MASS)
    raw = write_csv("bad.csv", header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw} failed validation against the raw Palmer Station penguins export schema "
        "(1 problem):\n"
        "  - missing required column 'Body Mass (g)'\n"
        "Fix the file (or pass --raw with a corrected copy); nothing was written.\n"
    )


def test_non_numeric_measurement(tmp_path, runner, raw_table, write_csv, previous_outputs):
    header, rows = raw_table
    rows = [list(r) for r in rows]
    i = header.index(MASS)
    rows[2][i], rows[9][i] = "heavy", "4 kg"
    raw = write_csv("bad.csv", header, rows)
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw} failed validation against the raw Palmer Station penguins export schema "
        "(1 problem):\n"
        "  - column 'Body Mass (g)' has values that are not a number "
        "(line 4: 'heavy'; line 11: '4 kg')\n"
        "Fix the file (or pass --raw with a corrected copy); nothing was written.\n"
    )


def test_unknown_species(tmp_path, runner, raw_table, write_csv, previous_outputs):
    header, rows = raw_table
    rows = [list(r) for r in rows]
    rows[4][header.index(SPECIES)] = "Emperor penguin (Aptenodytes forsteri)"
    raw = write_csv("bad.csv", header, rows)
    message = run_bad(runner, tmp_path, raw, previous_outputs)
    assert "  - column 'Species' has values outside the allowed set [" in message
    assert "(line 6: 'Emperor penguin (Aptenodytes forsteri)')\n" in message


def test_duplicated_species_and_sample_number(
    tmp_path, runner, raw_table, write_csv, previous_outputs
):
    header, rows = raw_table
    rows = [list(r) for r in rows]
    rows[5][header.index(SAMPLE)] = "1"
    raw = write_csv("bad.csv", header, rows)
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw} failed validation against the raw Palmer Station penguins export schema "
        "(1 problem):\n"
        "  - columns ('Species', 'Sample Number') must be unique together, but 2 rows repeat "
        "a combination (line 2: ('Adelie Penguin (Pygoscelis adeliae)', '1'); "
        "line 7: ('Adelie Penguin (Pygoscelis adeliae)', '1'))\n"
        "Fix the file (or pass --raw with a corrected copy); nothing was written.\n"
    )


def test_implausible_measurement(tmp_path, runner, raw_table, write_csv, previous_outputs):
    header, rows = raw_table
    rows = [list(r) for r in rows]
    rows[0][header.index(MASS)] = "3.75"  # kilograms where grams are expected
    raw = write_csv("bad.csv", header, rows)
    message = run_bad(runner, tmp_path, raw, previous_outputs)
    assert (
        "  - column 'Body Mass (g)' has values outside the range 2000 to 7000 (line 2: '3.75')\n"
    ) in message


def test_several_problems_are_reported_together(
    tmp_path, runner, raw_table, write_csv, previous_outputs
):
    header, rows = raw_table
    rows = [list(r) for r in rows]
    rows[0][header.index(MASS)] = "heavy"
    rows[1][header.index("Island")] = "Atlantis"
    raw = write_csv("bad.csv", header, rows)
    message = run_bad(runner, tmp_path, raw, previous_outputs)
    assert "(2 problems):" in message
    assert "column 'Body Mass (g)' has values that are not a number (line 2: 'heavy')" in message
    assert "column 'Island' has values outside the allowed set" in message


def test_empty_file(tmp_path, runner, previous_outputs):
    raw = tmp_path / "empty.csv"
    raw.write_bytes(b"")
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw}: the file is empty; expected a CSV with a header row.\n"
    )


@pytest.mark.parametrize("above", [b"\n", b"\r\n\r\n"])
def test_empty_lines_above_the_header(tmp_path, runner, previous_outputs, above):
    """Arrow would skip them, but line numbers count from a header on line 1."""
    raw = tmp_path / "late-header.csv"
    raw.write_bytes(above + paths.RAW_PENGUINS.read_bytes())
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw}: line 1 is empty, so the header is not the first line: remove the "
        "empty lines above it.\n"
    )


def test_header_only(tmp_path, runner, raw_table, write_csv, previous_outputs):
    raw = write_csv("header.csv", raw_table[0], [])
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw}: the file has a header but no data rows.\n"
    )


def test_binary_file_is_not_csv(tmp_path, runner, previous_outputs):
    raw = tmp_path / "penguins.csv"
    raw.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw}: this is not a CSV text file (it contains binary data). "
        "Pass the data as comma-separated text.\n"
    )


def test_non_utf8_text_is_not_csv(tmp_path, runner, previous_outputs):
    raw = tmp_path / "latin1.csv"
    raw.write_bytes("Species,Island\nAdélie,Dream\n".encode("latin-1"))
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw}: line 2 is not UTF-8 text (invalid continuation byte). Save the file "
        "as UTF-8 (comma-separated) and run again.\n"
    )


def test_missing_raw_file(tmp_path, runner, previous_outputs):
    raw = tmp_path / "nope.csv"
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw}: no such file. Pass --raw with the path of the file.\n"
    )


def edited(raw_table, write_csv, changes: dict[tuple[int, str], str], name="bad.csv"):
    """The real export with some cells changed: {(row index, column): text}."""
    header, rows = raw_table
    rows = [list(r) for r in rows]
    for (row, column), text in changes.items():
        rows[row][header.index(column)] = text
    return write_csv(name, header, rows)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {(3, "Date Egg"): "2010-11-11"},
            "column 'Date Egg' has dates outside the years 2007 to 2009 (line 5: '2010-11-11')",
        ),
        (
            {(3, "Date Egg"): "11/11/2007"},
            "column 'Date Egg' has values that are not a date written YYYY-MM-DD "
            "(line 5: '11/11/2007')",
        ),
        (
            {(3, "Date Egg"): "2007-13-11"},  # day first: there is no 13th month
            "column 'Date Egg' has values that are not a date written YYYY-MM-DD "
            "(line 5: '2007-13-11')",
        ),
        (
            {(3, MASS): "nan", (4, MASS): "N/A"},
            "column 'Body Mass (g)' has values that are not a number "
            "(line 5: 'nan'; line 6: 'N/A')",
        ),
        (
            {(3, MASS): "1e400"},
            "column 'Body Mass (g)' has values that are not a number (line 5: '1e400')",
        ),
        (
            {(3, SAMPLE): "0"},
            "column 'Sample Number' has values that are not a whole number of at least 1 "
            "and at most 18 digits (line 5: '0')",
        ),
        (
            {(3, SAMPLE): "1" * 19},  # would not fit a 64-bit integer
            "column 'Sample Number' has values that are not a whole number of at least 1 "
            f"and at most 18 digits (line 5: '{'1' * 19}')",
        ),
        (
            # Arabic-Indic digits: Python reads them as digits, no parser here converts them
            {(3, MASS): "\u0663\u0664\u0665\u0660"},
            "column 'Body Mass (g)' has values that are not a number "
            "(line 5: '\u0663\u0664\u0665\u0660')",
        ),
        (
            {(3, MASS): "9" * 400},  # digits, but past float64: refused as written, not inf
            f"column 'Body Mass (g)' has values that are not a number (line 5: '{'9' * 400}')",
        ),
        (
            {(3, MASS): "NA", (4, MASS): "9000"},  # a missing value is allowed; 9 kg is not
            "column 'Body Mass (g)' has values outside the range 2000 to 7000 (line 6: '9000')",
        ),
        (
            {(3, "Date Egg"): "2007-02-30"},  # no such day: never rolled over to March
            "column 'Date Egg' has values that are not a date written YYYY-MM-DD "
            "(line 5: '2007-02-30')",
        ),
    ],
)
def test_values_are_judged_as_written(
    tmp_path, runner, raw_table, write_csv, previous_outputs, changes, expected
):
    raw = edited(raw_table, write_csv, changes)
    message = run_bad(runner, tmp_path, raw, previous_outputs)
    assert f"  - {expected}\n" in message, message
    assert message.count("\n  - ") == 1


def test_short_and_long_rows_are_refused_alike(tmp_path, runner, raw_table, previous_outputs):
    header, rows = raw_table
    lines = [",".join(header)] + [",".join(f'"{v}"' for v in r) for r in rows]
    lines[3] = lines[3].rsplit(",", 1)[0]  # one field short
    lines[5] = lines[5] + ',"extra"'  # one field long
    raw = tmp_path / "ragged.csv"
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw}: the header has 17 fields but 2 rows do not (line 4: 16 fields; "
        "line 6: 18 fields): a value is missing or holds an unquoted comma.\n"
    )


@pytest.mark.parametrize(
    ("transform", "expected"),
    [
        (
            lambda text: text.replace(",", ";"),
            "the header has one column with semicolons in it, so the file looks separated "
            "by semicolons; the data is comma-separated. Save it as CSV with commas.",
        ),
        (
            lambda text: text.replace(",", "\t"),
            "the header has one column with tabs in it, so the file looks separated by tabs; "
            "the data is comma-separated. Save it as CSV with commas.",
        ),
        (
            lambda text: text.replace("Island,", "Species,", 1),
            "the header names 'Species' more than once, so one of those columns would be "
            "lost: rename or remove the duplicate.",
        ),
        (
            lambda text: text.split("\n", 1)[0].lower() + "\n" + text.split("\n", 1)[1],
            "header names differ from the expected ones in case ('studyname' should be "
            "'studyName'; 'sample number' should be 'Sample Number'; 'species' should be "
            "'Species'; …): restore the original header.",
        ),
    ],
)
def test_common_header_mistakes_are_named(tmp_path, runner, previous_outputs, transform, expected):
    raw = tmp_path / "header.csv"
    raw.write_text(transform(paths.RAW_PENGUINS.read_text(encoding="utf-8")), encoding="utf-8")
    assert run_bad(runner, tmp_path, raw, previous_outputs) == f"error: {raw}: {expected}\n"


def test_one_row_is_one_row(tmp_path, runner, raw_table, write_csv):
    header, rows = raw_table
    raw = write_csv("one.csv", header, rows[:1])
    out = tmp_path / "out"
    result = runner.invoke(app, ["etl", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote 1 row to ")


def test_an_output_path_that_is_a_folder_is_one_sentence(tmp_path, runner):
    out = tmp_path / "out"
    (out / "penguins.parquet").mkdir(parents=True)
    result = runner.invoke(app, ["etl", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write the outputs in {out}: Is a directory")
    assert result.stderr.endswith(
        "Pass --out with a folder you can write to; earlier outputs were left as they were.\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["penguins.parquet"]
    assert (out / "penguins.parquet").is_dir()


def test_an_output_folder_that_cannot_be_created_is_one_sentence(runner):
    out = Path("/proc/dsops-cannot-be-here")
    result = runner.invoke(app, ["etl", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write the outputs in {out}: ")
    assert "Traceback" not in result.output


def test_unknown_option_is_a_usage_error(runner):
    result = runner.invoke(app, ["etl", "--rwa", "x.csv"])
    assert result.exit_code == 2
    assert "No such option: --rwa" in result.output


@pytest.mark.parametrize(
    "variant",
    ["bom", "crlf", "reordered", "extra column"],
)
def test_valid_variants_of_the_export_give_the_same_table(tmp_path, runner, variant):
    import pandas as pd

    text = paths.RAW_PENGUINS.read_text(encoding="utf-8")
    raw = tmp_path / "variant.csv"
    if variant == "bom":
        raw.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    elif variant == "crlf":
        raw.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    else:
        frame = pd.read_csv(paths.RAW_PENGUINS, dtype=str, keep_default_na=False)
        if variant == "reordered":
            frame = frame[list(reversed(frame.columns))]
        else:
            frame.insert(3, "Observer notes", "none")
        frame.to_csv(raw, index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["etl", "--raw", str(raw), "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = tmp_path / "expected"
    runner.invoke(app, ["etl", "--out", str(expected)])
    assert (out / "penguins.parquet").read_bytes() == (expected / "penguins.parquet").read_bytes()


def test_an_unnamed_column_is_named_as_such(tmp_path, runner, raw_table, previous_outputs):
    """A column with data but no name in the header (a stray value and comma on every
    row, say) is refused, not dropped without a word."""
    header, rows = raw_table
    raw = tmp_path / "unnamed.csv"
    with raw.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow([*header, ""])
        out.writerows([*row, "x"] for row in rows)
    assert run_bad(runner, tmp_path, raw, previous_outputs) == (
        f"error: {raw}: the header gives column 18 no name: name it in the header or remove "
        "it (with its commas).\n"
    )


def test_a_raw_file_of_this_repository_is_restored_with_git(tmp_path, runner):
    """Only a file git has gets the advice to restore it with git."""
    missing = paths.RAW_PENGUINS.with_name("penguins-raw-missing.csv")
    result = runner.invoke(app, ["etl", "--raw", str(missing), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {missing}: no such file. Restore it with `git checkout -- "
        "data/raw/penguins/penguins-raw-missing.csv`, or pass --raw with the path of the file.\n"
    )
