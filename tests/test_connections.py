"""Connecting to data safely (dsops.shared.connections, dsops.penguins.database): the URL
from configuration, SQL from the package, the same query on DuckDB and on a real
PostgreSQL server, and every connection failure as one sentence without the password.
The PostgreSQL tests share one throwaway server (conftest.py: postgres_server)."""

import pytest

from dsops.cli import app
from dsops.penguins import database
from dsops.penguins.data import load_penguins
from dsops.shared import connections, paths
from dsops.shared.connections import URL_ENV, database_url, read_sql, run_query
from dsops.shared.errors import DsopsError


@pytest.fixture(scope="module")
def penguins():
    return load_penguins()


def test_the_url_comes_from_the_environment_then_env_then_the_default(tmp_path):
    env_file = tmp_path / ".env"
    assert database_url({}, env_file) == connections.DEFAULT_URL
    assert f"duckdb:///{paths.PROCESSED_DUCKDB}" == connections.DEFAULT_URL
    env_file.write_text(f"OTHER=1\n{URL_ENV}=postgresql+psycopg://a:b@h/d\n", encoding="utf-8")
    assert database_url({}, env_file) == "postgresql+psycopg://a:b@h/d"
    assert database_url({URL_ENV: "duckdb:///x.duckdb"}, env_file) == "duckdb:///x.duckdb"


def test_the_env_file_is_ignored_by_git():
    ignored = (paths.PROJ_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/.env" in ignored


def test_a_password_is_never_shown():
    url = "postgresql+psycopg://analyst:s3cr3t@127.0.0.1:5432/penguins"
    assert connections.shown(url) == "postgresql+psycopg://analyst:***@127.0.0.1:5432/penguins"
    assert connections.without_secret(f"failed for {url}", url) == (
        "failed for postgresql+psycopg://analyst:***@127.0.0.1:5432/penguins"
    )
    assert "s3cr3t" not in connections.shown("not a url://analyst:s3cr3t@host")


def test_queries_are_files_of_the_package():
    sql = read_sql("dsops.penguins", "counts_by_species.sql")
    assert "FROM penguins" in sql and "GROUP BY species, sex" in sql
    with pytest.raises(DsopsError, match=r"dsops.penguins has no query sql/nope.sql"):
        read_sql("dsops.penguins", "nope.sql")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not-a-url", r"^not-a-url is not a database URL: write it as dialect\+driver://"),
        ("postgres://a:pw123456@h/d", r"^postgres://a:\*\*\*@h/d: no driver for 'postgres'"),
        (
            "postgresql+psycopg://a:pw123456@127.0.0.1:9/d",
            r"^cannot connect to .*:9/d: nothing answers at that address: is the server running",
        ),
        ("duckdb:////nowhere/x.duckdb", r"there is no database file /nowhere/x.duckdb"),
    ],
)
def test_connection_mistakes_are_one_sentence_without_the_password(url, message):
    with pytest.raises(DsopsError, match=message) as caught:
        run_query(url, "SELECT 1")
    assert "pw123456" not in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.__cause__ is None  # no driver traceback chained to it


def test_a_failed_query_is_one_sentence(tmp_path):
    with pytest.raises(DsopsError, match=r"the query failed on duckdb:///.*: Catalog Error"):
        run_query(connections.DEFAULT_URL, "SELECT * FROM no_such_table")


def test_the_shared_query_on_duckdb_matches_the_table(penguins):
    counts = database.check_load(connections.DEFAULT_URL, penguins)
    assert counts["birds"].sum() == len(penguins) == 344
    assert counts["sex"].isna().sum() == 2  # Adelie and Gentoo birds not sexed, last


def test_a_load_that_does_not_match_is_refused(tmp_path, penguins):
    url = f"duckdb:///{tmp_path / 'copy.duckdb'}"
    database.load_table(url, penguins)
    with pytest.raises(DsopsError, match=r"does not hold what was loaded: 344 birds counted, 343"):
        database.check_load(url, penguins.iloc[1:])


def test_load_db_needs_a_target_and_loads_duckdb(tmp_path, runner, monkeypatch):
    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.setattr(connections, "ENV_FILE", tmp_path / ".env")
    refused = runner.invoke(app, ["load-db"])
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: no database to load into: pass --url or set")
    url = f"duckdb:///{tmp_path / 'copy.duckdb'}"
    for _ in range(2):  # a second load replaces the table
        done = runner.invoke(app, ["load-db", "--url", url])
        assert done.exit_code == 0, done.output
    assert done.stdout == (
        f"loaded 344 birds into {url}; the shared count query agrees on all 8 species and "
        "sex groups\n"
    )


# --- a real PostgreSQL server ------------------------------------------------------------


def test_the_same_code_gives_the_same_answer_on_postgresql(postgres_server, penguins):
    url = postgres_server.url()
    on_postgres = database.load_table(url, penguins)
    on_duckdb = database.counts_in(connections.DEFAULT_URL)
    assert on_postgres.drop(columns="mean_mass_g").equals(on_duckdb.drop(columns="mean_mass_g"))
    assert on_postgres["mean_mass_g"].round(6).equals(on_duckdb["mean_mass_g"].round(6))
    island = read_sql("dsops.penguins", "birds_on_island.sql")
    assert run_query(url, island, {"island": "Dream"}).equals(
        run_query(connections.DEFAULT_URL, island, {"island": "Dream"})
    )


def test_a_bad_password_is_named_and_not_shown(postgres_server):
    url = postgres_server.url(password="not-the-password")
    with pytest.raises(DsopsError) as caught:
        run_query(url, "SELECT 1")
    message = str(caught.value)
    assert "the server refused the user name or password" in message
    assert "not-the-password" not in message and postgres_server.password not in message
    assert message.startswith("cannot connect to postgresql+psycopg://analyst:***@127.0.0.1:")


def test_a_database_that_does_not_exist_is_named(postgres_server):
    url = postgres_server.url().rsplit("/", 1)[0] + "/nodb"
    with pytest.raises(DsopsError, match=r'it does not exist .*database "nodb" does not exist'):
        run_query(url, "SELECT 1")


def test_load_db_reads_the_url_from_the_env_file(postgres_server, runner, tmp_path, monkeypatch):
    monkeypatch.delenv(URL_ENV, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(f"{URL_ENV}={postgres_server.url()}\n", encoding="utf-8")
    monkeypatch.setattr(connections, "ENV_FILE", env_file)
    done = runner.invoke(app, ["load-db"])
    assert done.exit_code == 0, done.output
    assert postgres_server.password not in done.output
    assert done.stdout.startswith("loaded 344 birds into postgresql+psycopg://analyst:***@")
