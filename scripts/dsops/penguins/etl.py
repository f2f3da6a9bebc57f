"""Extract, validate, clean and load the raw penguins export into Parquet and DuckDB.

The export is streamed: Arrow's CSV reader hands over blocks of about BLOCK_BYTES as
text, each block is validated against the raw pandera schema and cleaned, and only the
typed columns are kept, so memory grows with the clean table rather than with the text.
Problems from every block are gathered and reported together, with their CSV lines.
"""

import codecs
import copy
import csv
import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
import pyarrow.csv as arrow_csv
import pyarrow.parquet as pq

from dsops.penguins.columns import (
    ISLANDS,
    KEY,
    MEASUREMENTS,
    RAW_SEXES,
    RAW_TO_CLEAN,
    SPECIES,
)
from dsops.penguins.schema import (
    CLEAN_SCHEMA,
    IN_RANGE,
    IN_STUDY,
    IS_DATE,
    IS_NUMBER,
    IS_WHOLE,
    RAW_KEY,
    RAW_SCHEMA,
    arrow_text,
    dates,
    forget_encodings,
    numbers,
    whole_numbers,
)
from dsops.shared import paths
from dsops.shared.database import quiet
from dsops.shared.errors import DataValidationError, DsopsError
from dsops.shared.files import atomic_paths

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5  # offending rows shown per problem
NA_VALUES = ["NA", ""]
BLOCK_BYTES = 32 << 20  # read, validated and cleaned this much of the file at a time
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' `str`, holding Arrow strings
# Each block is validated for everything but the key's uniqueness, which only the whole
# file can show: that is checked once, after the last block (see _duplicates).
BLOCK_SCHEMA = copy.deepcopy(RAW_SCHEMA)
BLOCK_SCHEMA.unique = None
CLEAN_BLOCK_SCHEMA = copy.deepcopy(CLEAN_SCHEMA)
CLEAN_BLOCK_SCHEMA.unique = None
KEY_SPAN = 10**18  # species code * KEY_SPAN + sample number: one integer per bird


@dataclass(frozen=True)
class EtlResult:
    rows: int
    parquet: Path
    duckdb: Path


def _header_problem(path: Path, header: list[str]) -> str | None:
    """A sentence for the common ways a header goes wrong, before 17 columns go missing."""
    expected = list(RAW_TO_CLEAN)
    if len(header) == 1:
        for name, separator in (("semicolons", ";"), ("tabs", "\t")):
            if separator in header[0]:
                return (
                    f"{path}: the header has one column with {name} in it, so the file looks "
                    f"separated by {name}; the export is comma-separated. Save it as CSV "
                    "with commas."
                )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        return (
            f"{path}: the header names {', '.join(repr(d) for d in duplicated)} more than "
            "once, so one of those columns would be lost: rename or remove the duplicate."
        )
    by_lower = {name.lower(): name for name in expected}
    recased = [
        f"{name!r} should be {by_lower[name.lower()]!r}"
        for name in header
        if name not in expected and name.lower() in by_lower
    ]
    if recased:
        return (
            f"{path}: header names differ from the export's in case ({'; '.join(recased[:3])}"
            f"{'; …' if len(recased) > 3 else ''}): restore the export's header."
        )
    return None


def _field_count_problem(path: Path, width: int) -> str:
    """Rows with more or fewer fields than the header (both are refused alike), by line.
    Run only once the reader has found some, to name them all."""
    wrong = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if number > 1 and row and len(row) != width:
                wrong.append(f"line {number}: {len(row)} fields")
    shown = "; ".join(wrong[:MAX_EXAMPLES])
    more = f"; and {len(wrong) - MAX_EXAMPLES} more" if len(wrong) > MAX_EXAMPLES else ""
    return (
        f"{path}: the header has {width} fields but {len(wrong)} row"
        f"{'s' if len(wrong) != 1 else ''} do not ({shown}{more}): a value is missing "
        "or holds an unquoted comma."
    )


def _not_utf8(path: Path, err: UnicodeDecodeError, offset: int = 0) -> DataValidationError:
    return DataValidationError(
        f"{path}: this is not a UTF-8 CSV text file ({err.reason} at byte "
        f"{offset + err.start}). Pass the Palmer Station export as comma-separated text."
    )


def _first_bad_utf8(path: Path) -> DataValidationError:
    """Where the file stops being UTF-8 (read in pieces, only once Arrow has refused it)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as handle:
        while piece := handle.read(1 << 20):
            try:
                decoder.decode(piece)
            except UnicodeDecodeError as err:
                return _not_utf8(path, err, offset - len(decoder.getstate()[0]))
            offset += len(piece)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            return _not_utf8(path, err, offset - len(decoder.getstate()[0]))
    return DataValidationError(f"{path}: Arrow's CSV reader found text that is not UTF-8.")


def _header(path: Path) -> list[str]:
    """The header row, after the checks that need only the first bytes of the file."""
    if not path.is_file():
        raise DataValidationError(f"{path}: no such file. Pass --raw with the path of the export.")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise DataValidationError(f"{path}: the file is empty; expected a CSV with a header row.")
    if b"\x00" in head:
        raise DataValidationError(
            f"{path}: this is not a CSV text file (it contains binary data). "
            "Pass the Palmer Station export as comma-separated text."
        )
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle))
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from None
    except csv.Error as err:
        raise DataValidationError(f"{path}: could not be parsed as CSV: {err}") from None
    problem = _header_problem(path, header)
    if problem:
        raise DataValidationError(problem)
    return header


def raw_blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> Iterator[pd.DataFrame]:
    """The export as text, a block at a time, each indexed by data row (line - 2), so
    that validation (not the parser) judges every value. Only `NA` and empty are missing.
    Rows with too few or too many fields are refused once the whole file has been read."""
    header = _header(path)
    ragged = []

    def refuse_ragged(row: arrow_csv.InvalidRow) -> str:
        ragged.append(row)
        return "skip"

    try:
        reader = arrow_csv.open_csv(
            path,
            read_options=arrow_csv.ReadOptions(block_size=block_bytes),
            parse_options=arrow_csv.ParseOptions(invalid_row_handler=refuse_ragged),
            convert_options=arrow_csv.ConvertOptions(
                column_types={name: pyarrow.large_string() for name in header},
                null_values=NA_VALUES,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        start = 0
        for batch in reader:
            frame = batch.to_pandas(types_mapper={pyarrow.large_string(): TEXT}.get)
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            yield frame
    except pyarrow.ArrowInvalid as err:
        if "UTF8" in str(err) or "UTF-8" in str(err):
            raise _first_bad_utf8(path) from None
        detail = " ".join(str(err).split())
        raise DataValidationError(f"{path}: could not be parsed as CSV: {detail}") from None
    if ragged:
        raise DataValidationError(_field_count_problem(path, len(header)))


def read_raw(path: Path) -> pd.DataFrame:
    """The whole export as text (every block), unvalidated."""
    blocks = list(raw_blocks(path))
    if not blocks or sum(len(block) for block in blocks) == 0:
        raise DataValidationError(f"{path}: the file has a header but no data rows.")
    return pd.concat(blocks)


def _line(index: object) -> str:
    """CSV line number of a data row (line 1 is the header); '?' if pandera gave none."""
    try:
        return str(int(index) + 2)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return "?"


def _describe_check(check: str) -> str:
    name, _, arguments = check.partition("(")
    bounds = [b.strip() for b in arguments.rstrip(")").split(",")] if arguments else []
    sentences = {
        IS_NUMBER: "values that are not a number",
        IS_WHOLE: "values that are not a whole number of at least 1 and at most 18 digits",
        IS_DATE: "values that are not a date written YYYY-MM-DD",
        IN_RANGE: "values outside the plausible range {} to {}",
        IN_STUDY: "dates outside the study's years {} to {}",
    }
    if name in sentences:
        return sentences[name].format(*bounds)
    if name == "isin":
        return "values outside the allowed set " + arguments.rstrip(")")
    if check == "not_nullable":
        return "missing values"
    return f"values failing {check}"


def _examples(cases: pd.DataFrame) -> str:
    shown = [
        f"line {_line(row['index'])}: {row['failure_case']!r}"
        for _, row in cases.head(MAX_EXAMPLES).iterrows()
    ]
    more = len(cases) - MAX_EXAMPLES
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def key_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Each raw row's (species, sample number) as one integer that sorts as the pair
    does: the species' position in SPECIES times KEY_SPAN plus the sample number; -1
    where either is not valid (validation names those rows)."""
    species = pc.index_in(arrow_text(frame["Species"]), value_set=pyarrow.array(list(SPECIES)))
    sample = whole_numbers(frame["Sample Number"])
    key = pc.add(pc.multiply(pc.cast(species, pyarrow.int64()), KEY_SPAN), sample)
    return pc.fill_null(key, -1).to_numpy()


def key_order(keys: np.ndarray) -> np.ndarray:
    """Row positions in key order (stable)."""
    return np.argsort(keys, kind="stable")


def _duplicates(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions of the rows whose valid key another row shares, in file order."""
    ordered = keys[order]
    same = (ordered[1:] == ordered[:-1]) & (ordered[1:] >= 0)
    shared = np.zeros(len(keys), dtype=bool)
    shared[order[1:][same]] = True
    shared[order[:-1][same]] = True
    return np.flatnonzero(shared)


def _duplicate_problem(keys: np.ndarray, positions: np.ndarray) -> str:
    labels = list(SPECIES)
    shown = [
        f"line {position + 2}: "
        f"{(labels[keys[position] // KEY_SPAN], str(keys[position] % KEY_SPAN))!r}"
        for position in positions[:MAX_EXAMPLES]
    ]
    return (
        f"columns {tuple(RAW_KEY)!r}: each pair must appear once, but {len(positions)} rows "
        f"share a pair ({'; '.join(shown)})"
    )


def explain_failures(path: Path, failures: pd.DataFrame, duplicate: str | None = None) -> str:
    """Turn pandera's failure-case table (and the key check's finding) into a message
    naming columns and CSV lines."""
    problems: list[str] = []
    missing = failures[failures["check"] == "column_in_dataframe"]
    for column in missing["failure_case"].drop_duplicates():
        problems.append(f"missing required column {column!r}")
    if duplicate:
        problems.append(duplicate)
    per_column = failures[failures["schema_context"] == "Column"]
    for (column, check), cases in per_column.groupby(["column", "check"], sort=False):
        problems.append(f"column {column!r} has {_describe_check(check)} ({_examples(cases)})")
    if not problems:  # a failure pandera reports in a form not handled above
        problems = [f"{row['check']}: {row['failure_case']!r}" for _, row in failures.iterrows()]
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return (
        f"{path} failed validation against the {RAW_SCHEMA.name} schema "
        f"({len(problems)} problem{'s' if len(problems) != 1 else ''}):\n{listed}\n"
        "Fix the file (or pass --raw with a corrected copy); no outputs were written."
    )


def _block_failures(block: pd.DataFrame) -> pd.DataFrame | None:
    try:
        BLOCK_SCHEMA.validate(block, lazy=True, inplace=True)  # checks only: no copy
    except pa.errors.SchemaErrors as err:
        return err.failure_cases
    return None


def _categorical(text: pd.Series, raw_levels: list[str], labels: list[str]) -> pd.Categorical:
    """Text coded by its position in `raw_levels`, labelled with `labels`."""
    codes = pc.index_in(arrow_text(text), value_set=pyarrow.array(raw_levels))
    return pd.Categorical.from_codes(pc.fill_null(codes, -1).to_numpy(), categories=labels)


def rename_to_snake_case(frame: pd.DataFrame) -> pd.DataFrame:
    """The export's column titles as snake_case names (`Culmen Length (mm)` -> bill_length_mm)."""
    return frame.rename(columns=RAW_TO_CLEAN)


def shorten_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Short species and sex labels, as categories with every level declared."""
    return frame.assign(
        species=_categorical(frame["species"], list(SPECIES), list(SPECIES.values())),
        island=_categorical(frame["island"], ISLANDS, ISLANDS),
        sex=_categorical(frame["sex"], list(RAW_SEXES), list(RAW_SEXES.values())),
    )


NUMERIC_COLUMNS = [*MEASUREMENTS, "delta_15n", "delta_13c"]


def type_flags_and_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Clutch completion as a boolean, sample number as a 64-bit integer."""
    sample = arrow_text(frame["sample_number"])  # validated digits
    return frame.assign(
        clutch_completion=frame["clutch_completion"].eq("Yes").astype(bool),
        sample_number=pc.cast(sample, pyarrow.int64()).to_numpy(),
    )


def parse_numbers_and_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Measurements as floats and the egg date as a date, from text the raw schema
    has already shown to be decimal numbers and real YYYY-MM-DD dates (the same parsers
    the schema's checks use)."""
    return frame.assign(
        **{
            column: numbers(frame[column]).to_numpy(zero_copy_only=False)
            for column in NUMERIC_COLUMNS
        },
        date_egg=dates(frame["date_egg"]).to_numpy(zero_copy_only=False),
    )


def add_study_year(frame: pd.DataFrame) -> pd.DataFrame:
    """The study season, from the date the first egg was observed."""
    return frame.assign(year=frame["date_egg"].dt.year.astype("int64"))


def keep_clean_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The clean schema's columns in its order; the export's constant columns drop."""
    return frame[list(CLEAN_SCHEMA.columns)]


# Each block of validated text goes through these in order; none reorders rows, so a
# row keeps its position (and its CSV line) until the whole table is sorted by its key.
CLEANING_STEPS = [
    rename_to_snake_case,
    shorten_labels,
    type_flags_and_keys,
    parse_numbers_and_dates,
    add_study_year,
    keep_clean_columns,
]


def clean_block(block: pd.DataFrame) -> pd.DataFrame:
    """One validated block of raw text, tidied: snake_case names, short labels, typed."""
    for step in CLEANING_STEPS:
        block = block.pipe(step)
    return block


def _validated_clean(block: pd.DataFrame) -> pd.DataFrame:
    try:
        return CLEAN_BLOCK_SCHEMA.validate(block, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as err:  # the raw schema should have caught it first
        cases = err.failure_cases[["column", "check", "failure_case"]].head(MAX_EXAMPLES)
        raise DataValidationError(
            f"the cleaned table failed the {CLEAN_SCHEMA.name} schema, which the raw "
            f"schema should have prevented: {cases.to_dict(orient='records')}. "
            "Report this with the file you ran."
        ) from None


def _in_schema_order(failures: list[pd.DataFrame]) -> pd.DataFrame:
    """Every block's failure cases, column by column in the schema's order."""
    cases = pd.concat(failures, ignore_index=True)
    position = {name: i for i, name in enumerate(RAW_SCHEMA.columns)}
    rank = cases["column"].map(position).fillna(-1)
    return cases.iloc[np.argsort(rank.to_numpy(), kind="stable")]


@dataclass(frozen=True)
class _Block:
    """What one block of the export gave: its rows' keys, and either the raw schema's
    failure cases or the cleaned rows."""

    keys: np.ndarray
    failures: pd.DataFrame | None
    clean: pyarrow.Table | None


def _process(block: pd.DataFrame) -> _Block:
    failures = _block_failures(block)
    clean = None
    if failures is None:
        tidy = _validated_clean(clean_block(block))
        clean = pyarrow.Table.from_pandas(tidy, preserve_index=False)
    return _Block(key_numbers(block), failures, clean)


def _processed(blocks: Iterator[pd.DataFrame]) -> Iterator[_Block]:
    """Each block validated and cleaned on a worker thread while this thread reads the
    next (Arrow's CSV parser releases the GIL, so both cores work); results in order.
    More workers do not help: pandera's checks hold the GIL between Arrow kernels."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dsops-etl") as worker:
        pending: Future[_Block] | None = None
        for block in blocks:
            if pending is not None:
                yield pending.result()
            pending = worker.submit(_process, block)
        if pending is not None:
            yield pending.result()


def clean_table(path: Path, block_bytes: int = BLOCK_BYTES) -> pyarrow.Table:
    """Read, validate and clean the raw export a block at a time (no files written); the
    cleaned table as Arrow, sorted by its key. Every block is validated, so one message
    lists every problem in the file. Each cleaned block is checked against the clean
    schema; the key's uniqueness, once, on the whole file's keys."""
    failures: list[pd.DataFrame] = []
    keys: list[np.ndarray] = []
    cleaned: list[pyarrow.Table] = []
    try:
        for block in _processed(raw_blocks(path, block_bytes)):
            keys.append(block.keys)
            if block.failures is not None:
                failures.append(block.failures)
                cleaned.clear()  # nothing will be written
            elif not failures and block.clean is not None:
                cleaned.append(block.clean)
    finally:
        forget_encodings()  # the last blocks' text is not needed any more
        _give_back_freed_memory()
    every_key = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
    keys.clear()
    if len(every_key) == 0:
        raise DataValidationError(f"{path}: the file has a header but no data rows.")
    order = key_order(every_key)
    shared = _duplicates(every_key, order)
    if failures or len(shared):
        cases = _in_schema_order(failures) if failures else _NO_FAILURES
        duplicate = _duplicate_problem(every_key, shared) if len(shared) else None
        raise DataValidationError(explain_failures(path, cases, duplicate))
    return _in_key_order(cleaned, order)


def _give_back_freed_memory() -> None:
    """Return memory Arrow has freed to the system. Its allocator keeps freed memory for
    reuse, so without this the sorted table's columns would come on top of the blocks'
    (at 10 million rows the peak is about 300 MB lower with it)."""
    pyarrow.default_memory_pool().release_unused()


def _in_key_order(blocks: list[pyarrow.Table], order: np.ndarray) -> pyarrow.Table:
    """The cleaned blocks as one table in one stable row order (species, then sample
    number), so reruns write the same bytes. Built two columns at a time, each block's
    copy of a column let go (and its memory given back) once the column is placed, so the
    table is held about once plus two columns, not twice."""
    schema = blocks[0].schema
    pieces = {name: [block.column(name) for block in blocks] for name in schema.names}
    blocks.clear()
    in_order = bool(np.all(order[1:] > order[:-1]))  # an export sorted already
    positions = pyarrow.array(order)

    def placed(name: str) -> pyarrow.Array | pyarrow.ChunkedArray:
        column = pyarrow.chunked_array(
            [chunk for piece in pieces.pop(name) for chunk in piece.chunks],
            type=schema.field(name).type,
        )
        ordered = column.combine_chunks() if in_order else column.take(positions)
        del column  # this column's blocks
        _give_back_freed_memory()
        return ordered

    # Arrow's take releases the GIL: two columns are placed at a time, one per core
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="dsops-sort") as pool:
        columns = list(pool.map(placed, schema.names))
    return pyarrow.Table.from_arrays(columns, schema=schema)


def load_raw(path: Path, block_bytes: int = BLOCK_BYTES) -> pd.DataFrame:
    """The cleaned table (see clean_table) as a pandas DataFrame."""
    return clean_table(path, block_bytes).to_pandas()


_NO_FAILURES = pd.DataFrame(columns=["schema_context", "column", "check", "failure_case", "index"])


def table_ddl(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """CREATE TABLE for the cleaned table: DuckDB's types for each column and NOT NULL
    where the clean schema allows no missing value (the key is added once the rows are
    in: see KEY_DDL)."""
    columns = []
    for name, kind, *_ in con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall():
        required = not CLEAN_SCHEMA.columns[name].nullable
        columns.append(f'"{name}" {kind}{" NOT NULL" if required else ""}')
    return f"CREATE TABLE {paths.PENGUINS_TABLE} (\n  " + ",\n  ".join(columns) + "\n)"


# Building the key's index over loaded rows is faster than updating it row by row.
_KEY_COLUMNS = ", ".join(f'"{column}"' for column in KEY)
KEY_DDL = f"ALTER TABLE {paths.PENGUINS_TABLE} ADD PRIMARY KEY ({_KEY_COLUMNS})"


def _write_duckdb(table: pyarrow.Table, target: Path) -> None:
    with duckdb.connect(str(target)) as con:
        quiet(con)
        # pandas' categories become ENUM types: the DDL comes from the empty frame
        con.register("clean_columns", table.slice(0, 0).to_pandas())
        con.execute(table_ddl(con, "clean_columns"))
        con.register("clean", table)
        con.execute(f"INSERT INTO {paths.PENGUINS_TABLE} SELECT * FROM clean")
        con.execute(KEY_DDL)
        con.execute("CHECKPOINT")


def write_outputs(clean: pd.DataFrame | pyarrow.Table, out_dir: Path) -> EtlResult:
    """Write Parquet and DuckDB (at the same time, one on each core), then swap both into
    place together: both change, or neither does (a failed second rename puts the
    first output back)."""
    table = (
        clean
        if isinstance(clean, pyarrow.Table)
        else pyarrow.Table.from_pandas(clean, preserve_index=False)
    )
    parquet = out_dir / paths.PENGUINS_PARQUET_NAME
    database = out_dir / paths.PENGUINS_DUCKDB_NAME
    try:
        with (
            atomic_paths([parquet, database]) as (tmp_parquet, tmp_db),
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="dsops-write") as pool,
        ):
            writes = [
                pool.submit(pq.write_table, table, tmp_parquet),
                pool.submit(_write_duckdb, table, tmp_db),
            ]
            for write in writes:
                write.result()
    except duckdb.Error as err:
        raise DsopsError(
            f"DuckDB could not write the outputs in {out_dir} ({' '.join(str(err).split())}); "
            "earlier outputs were left as they were."
        ) from None
    except OSError as err:
        where = err.filename or out_dir
        raise DsopsError(
            f"cannot write the outputs in {out_dir}: {err.strerror or err} ({where}). "
            "Pass --out with a folder you can write to; earlier outputs were left as they were."
        ) from None
    return EtlResult(rows=table.num_rows, parquet=parquet, duckdb=database)


def run_etl(raw: Path = paths.RAW_PENGUINS, out_dir: Path = paths.PROCESSED_DIR) -> EtlResult:
    """The whole step: raw CSV in, validated Parquet and DuckDB out."""
    result = write_outputs(clean_table(raw), out_dir)
    log.info("wrote %d rows to %s and %s", result.rows, result.parquet, result.duckdb)
    return result
