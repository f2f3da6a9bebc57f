"""Schema migrations on a DuckDB database with Alembic, through duckdb-engine.

The migrations are files inside this package (`migrations/versions/`), one per change,
each naming the one before it (`down_revision`), so they apply in one order on every
database. Alembic records the version a database is at in a table of that database,
`alembic_version`, and runs only the migrations it has not yet had.

The functions take the database file to work on; the demonstrations use files in a
temporary folder and never the pipeline's `data/processed/` database.
"""

from pathlib import Path

import duckdb
import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from dsops.shared import paths
from dsops.shared.errors import DsopsError

MIGRATIONS = Path(__file__).parent / "migrations"
# The columns the first migration creates, read from the pipeline's processed data.
LOADED_COLUMNS = [
    "species", "sample_number", "island", "sex", "year",
    "bill_length_mm", "flipper_length_mm", "body_mass_g",
]  # fmt: skip


def alembic_config(database: Path, migrations: Path = MIGRATIONS) -> Config:
    """Alembic's configuration for one database file: where the migrations are and which
    database to apply them to (what an `alembic.ini` would say)."""
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", f"duckdb:///{Path(database).resolve()}")
    return config


def upgrade(database: Path, to: str = "head", migrations: Path = MIGRATIONS) -> None:
    """Apply the migrations the database has not had, up to revision `to`."""
    database = Path(database)
    if not database.parent.is_dir():
        raise DsopsError(f"{database.parent} is not a folder: create it, or name another.")
    command.upgrade(alembic_config(database, migrations), to)


def downgrade(database: Path, to: str, migrations: Path = MIGRATIONS) -> None:
    """Undo migrations, newest first, down to revision `to` ("base": all of them)."""
    _must_exist(database)
    command.downgrade(alembic_config(database, migrations), to)


def _must_exist(database: Path) -> None:
    if not Path(database).is_file():
        raise DsopsError(f"{database} does not exist: run the migrations up first.")


def history(migrations: Path = MIGRATIONS) -> pd.DataFrame:
    """The migrations in the order they apply: revision, the one before, and what each
    does (the first line of its docstring)."""
    script = ScriptDirectory.from_config(alembic_config(Path("unused.duckdb"), migrations))
    rows = [
        {
            "revision": rev.revision,
            "after": rev.down_revision or "(none)",
            "change": (rev.doc or "").strip().splitlines()[0],
            "file": Path(rev.path).name,
        }
        for rev in reversed(list(script.walk_revisions()))
    ]
    return pd.DataFrame(rows, columns=["revision", "after", "change", "file"])


def current(database: Path) -> str | None:
    """The revision a database is at, read from its `alembic_version` table (None for a
    database no migration has touched, or one migrated all the way down)."""
    _must_exist(database)
    with duckdb.connect(str(database), read_only=True) as con:
        tables = {name for (name,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "alembic_version" not in tables:
            return None
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def columns(database: Path, table: str = "penguins") -> pd.DataFrame:
    """A table's columns and their types, as the database reports them."""
    _must_exist(database)
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "SELECT column_name AS column, data_type AS type FROM duckdb_columns() "
            "WHERE table_name = ? ORDER BY column_index",
            [table],
        ).df()


def query(database: Path, sql: str) -> pd.DataFrame:
    """A read-only query's result."""
    _must_exist(database)
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(sql).df()


def load_penguins(database: Path, parquet: Path = paths.PROCESSED_PARQUET) -> int:
    """Insert the pipeline's cleaned penguins into the migrated table; the rows added."""
    if not Path(parquet).is_file():
        raise DsopsError(f"{parquet} does not exist: run `make data` to build it.")
    names = ", ".join(LOADED_COLUMNS)
    with duckdb.connect(str(database)) as con:
        con.execute(
            f"INSERT INTO penguins ({names}) SELECT {names} FROM read_parquet(?)",
            [str(parquet)],
        )
        (rows,) = con.execute("SELECT count(*) FROM penguins").fetchone()
    return rows
