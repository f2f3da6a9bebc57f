"""The sensitive-data check: no column tagged sensitive (each domain's
`columns.SENSITIVE`) may reach what the pipeline writes or what the site shows, neither
by its name nor by any of its raw values.

Tables (DuckDB databases, Parquet files) are read column by column: a column with a
tagged name is a leak, and so is a text column holding a raw value, even inside a
longer text. Every other file (HTML, JSON, a model's pickle) is read as text and split
into words of letters and digits: a word equal to a raw value is a leak. A report never
repeats a value it found, only its first two characters, so the check's own log does
not leak it.

What it cannot see: a value written in a form other than its own (compressed, encoded,
split), and identifiers nobody tagged. The tags are the promise; this check is what
keeps it.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dsops.shared import paths

WORD = re.compile(r"[A-Za-z0-9]+")
TABLE_SUFFIXES = {".duckdb", ".parquet"}
SKIPPED_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".ttf", ".ico"}


@dataclass(frozen=True)
class Leak:
    """One place where a tagged column or its values turned up."""

    where: str  # file, and table.column for a table
    what: str  # "column tailnum", or "3 raw values of tailnum (N1…, N2…)": never a value

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class Scan:
    """What a check read and what it found."""

    tables: int = 0  # tables read, in DuckDB and Parquet files
    columns: int = 0  # columns of those tables
    files: int = 0  # other files read as text
    leaks: list[Leak] = field(default_factory=list)

    def add(self, other: "Scan") -> None:
        self.tables += other.tables
        self.columns += other.columns
        self.files += other.files
        self.leaks += other.leaks


def masked(values: Iterable[str], shown: int = 3) -> str:
    """What values start with (their first two characters, each prefix once), never the
    values themselves."""
    prefixes = sorted({value[:2] for value in values})
    more = ", …" if len(prefixes) > shown else ""
    return ", ".join(f"{prefix}…" for prefix in prefixes[:shown]) + more


def words_found(text: str, values: set[str]) -> set[str]:
    """The raw values that appear as whole words of `text`."""
    return set(WORD.findall(text)) & values


def value_leak(where: str, column: str, found: set[str]) -> Leak:
    plural = "s" if len(found) != 1 else ""
    return Leak(where, f"{len(found):,} raw value{plural} of {column} ({masked(found)})")


def _tables(
    con: duckdb.DuckDBPyConnection, path: Path
) -> list[tuple[str, duckdb.DuckDBPyRelation]]:
    """Each table of a DuckDB database, or a Parquet file as one table named after it."""
    if path.suffix == ".duckdb":
        return [(name, con.table(name)) for (name,) in con.execute("SHOW TABLES").fetchall()]
    return [(path.stem, con.read_parquet(str(path)))]


def table_leaks(path: Path, tags: dict[str, set[str]]) -> Scan:
    """Every table of a DuckDB database or a Parquet file: tagged column names, and
    tagged columns' raw values in any text column (`tags`: column name -> raw values)."""
    scan = Scan()
    database = str(path) if path.suffix == ".duckdb" else ":memory:"
    with duckdb.connect(database, read_only=database != ":memory:") as con:
        for table, relation in _tables(con, path):
            scan.tables += 1
            for column, kind in zip(relation.columns, relation.types, strict=True):
                scan.columns += 1
                where = f"{paths.project_relative(path)}, {table}.{column}"
                if column in tags:
                    scan.leaks.append(Leak(where, f"column {column} (tagged sensitive)"))
                if str(kind) != "VARCHAR":
                    continue
                distinct = relation.select(duckdb.ColumnExpression(column)).distinct()
                text = " ".join(str(value) for (value,) in distinct.fetchall())
                for tagged, values in tags.items():
                    if found := words_found(text, values):
                        scan.leaks.append(value_leak(where, tagged, found))
    return scan


def file_leaks(path: Path, tags: dict[str, set[str]]) -> Scan:
    """A file that is not a table, read as text (bytes as Latin-1: a pickled string is
    its UTF-8 bytes), for tagged columns' raw values."""
    text = path.read_bytes().decode("latin-1")
    scan = Scan(files=1)
    for tagged, values in tags.items():
        if found := words_found(text, values):
            scan.leaks.append(value_leak(paths.project_relative(path), tagged, found))
    return scan


def folder_leaks(folder: Path, tags: dict[str, set[str]]) -> Scan:
    """Every file under `folder` (images and fonts aside): tables by table_leaks, the
    rest by file_leaks."""
    scan = Scan()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() in SKIPPED_SUFFIXES:
            continue
        scan.add(
            table_leaks(path, tags) if path.suffix in TABLE_SUFFIXES else file_leaks(path, tags)
        )
    return scan
