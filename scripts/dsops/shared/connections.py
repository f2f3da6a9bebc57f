"""Connecting to a database safely: one SQLAlchemy URL chosen by configuration, SQL kept
in `.sql` files of the package, parameters bound by the driver, and every connection
failure as one sentence without the password.

The URL comes from the environment variable DSOPS_DATABASE_URL, else from that line of
a `.env` file (git-ignored: secrets are never in code), else it is the embedded DuckDB
database `make data` writes. The same query then runs on DuckDB (through duckdb-engine)
or on a PostgreSQL server (through psycopg): only the URL changes.
"""

import os
import re
from importlib import resources
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from dotenv import dotenv_values
from sqlalchemy import exc

from dsops.shared import paths
from dsops.shared.errors import DsopsError

URL_ENV = "DSOPS_DATABASE_URL"
ENV_FILE = paths.PROJ_ROOT / ".env"
DEFAULT_URL = f"duckdb:///{paths.PROCESSED_DUCKDB}"
CONNECT_TIMEOUT = 5  # seconds: a server that does not answer is reported, not waited for


def database_url(environ: dict[str, str] | None = None, env_file: Path | None = None) -> str:
    """The database URL: $DSOPS_DATABASE_URL, else its line in `env_file` (the project's
    .env by default), else the processed DuckDB database."""
    environ = dict(os.environ) if environ is None else environ
    env_file = env_file or ENV_FILE
    if environ.get(URL_ENV, "").strip():
        return environ[URL_ENV].strip()
    if env_file.is_file():
        from_file = (dotenv_values(env_file).get(URL_ENV) or "").strip()
        if from_file:
            return from_file
    return DEFAULT_URL


def shown(url: str) -> str:
    """A URL safe to print or log: its password replaced by ***."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def without_secret(text: str, url: str) -> str:
    """`text` with the URL's password, if any, replaced by ***."""
    try:
        password = sa.make_url(url).password
    except exc.ArgumentError:
        found = re.search(r"://[^:/@]*:([^@]*)@", url)
        password = found[1] if found else None
    return text.replace(str(password), "***") if password else text


def read_sql(package: str, name: str) -> str:
    """A query kept as `name` in a package's `sql/` folder (installed with the package,
    read with importlib.resources, so it works from a wheel as from the source tree)."""
    try:
        return (resources.files(package) / "sql" / name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        raise DsopsError(f"{package} has no query sql/{name}.") from None


def engine(url: str, writable: bool = False) -> sa.Engine:
    """A SQLAlchemy engine for the URL; a URL that is not one, names a database with no
    driver installed, or (unless `writable`) a DuckDB file that does not exist (DuckDB
    would create an empty one) is one sentence."""
    try:
        parsed = sa.make_url(url)
    except exc.ArgumentError:
        raise DsopsError(
            f"{shown(url)} is not a database URL: write it as "
            "dialect+driver://user:password@host:port/database, or duckdb:///path."
        ) from None
    connect_args: dict = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": CONNECT_TIMEOUT}
    elif parsed.get_backend_name() == "duckdb" and not writable:
        database = parsed.database or ":memory:"
        if database != ":memory:" and not Path(database).is_file():
            raise DsopsError(
                f"cannot connect to {shown(url)}: there is no database file {database} "
                "(the penguins database is written by `make data`)."
            )
    try:
        # no pool: a connection closes when its block ends, so a DuckDB file is not
        # held open (and locked) after the query
        return sa.create_engine(parsed, connect_args=connect_args, poolclass=sa.pool.NullPool)
    except (exc.NoSuchModuleError, ImportError) as err:
        raise DsopsError(
            f"{shown(url)}: no driver for {parsed.drivername!r} ({err}). Use "
            "postgresql+psycopg:// or duckdb:///, the two this project installs."
        ) from None


def connection_error(err: exc.DBAPIError, url: str) -> DsopsError:
    """One sentence for a failed connection, naming the likely cause, with no password."""
    detail = " ".join(str(err.orig).split())
    if "password authentication failed" in detail:
        cause = (
            "the server refused the user name or password: check the credentials in "
            f"${URL_ENV} or .env"
        )
    elif "Connection refused" in detail or "No such file or directory" in detail:
        cause = (
            "nothing answers at that address: is the server running, and are the URL's "
            "host and port right?"
        )
    elif "does not exist" in detail:
        cause = f"it does not exist ({detail})"
    else:
        cause = detail
    return DsopsError(without_secret(f"cannot connect to {shown(url)}: {cause}", url))


def connect(url: str, writable: bool = False) -> sa.Connection:
    """An open connection (use it in a `with` block), or one sentence saying why not."""
    try:
        return engine(url, writable).connect()
    except exc.DBAPIError as err:
        raise connection_error(err, url) from None


def run_query(url: str, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Run one query with its parameters bound by the driver (never pasted into the SQL
    text); the rows as a DataFrame, or one sentence saying what failed."""
    with connect(url) as con:
        try:
            return pd.read_sql(sa.text(sql), con, params=params or {})
        except (exc.DBAPIError, pd.errors.DatabaseError) as err:  # pandas wraps the first
            driver_error = getattr(err, "orig", None) or getattr(err.__cause__, "orig", err)
            detail = " ".join(str(driver_error).split())
            raise DsopsError(
                without_secret(f"the query failed on {shown(url)}: {detail}", url)
            ) from None
