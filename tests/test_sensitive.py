"""The sensitive-data check: the flights ETL writes no tail number, by name or by value,
into its database; the check finds one wherever it is planted (a table, a longer text,
an HTML page); and the repository's own processed data and models hold none."""

import duckdb
import pandas as pd
import pytest

from dsops.cli import app
from dsops.flights.columns import SENSITIVE
from dsops.flights.etl import run_flights_etl
from dsops.flights.samples import copy_raw
from dsops.flights.tables import raw_sensitive_values
from dsops.shared import paths
from dsops.shared.pseudonyms import pseudonym
from dsops.shared.sensitive import folder_leaks, masked, table_leaks

KEY = b"k" * 32


@pytest.fixture(scope="module")
def tags() -> dict[str, set[str]]:
    return raw_sensitive_values()


@pytest.fixture(scope="module")
def one_month(tmp_path_factory) -> tuple:
    """January's flights through the real ETL, with its raw copy."""
    folder = tmp_path_factory.mktemp("sensitive")
    raw = copy_raw(folder / "raw", months=[1])
    run_flights_etl(raw, folder / "out" / paths.FLIGHTS_DUCKDB_NAME, key=KEY)
    return raw, folder / "out"


def test_every_sensitive_column_is_tagged_with_its_replacement(tags):
    assert SENSITIVE == {"tailnum": "aircraft"}
    assert len(tags["tailnum"]) == 4_043  # distinct tail numbers in flights and planes


def test_the_etl_writes_pseudonyms_and_no_tail_number(one_month, tags):
    raw, out = one_month
    scan = folder_leaks(out, tags)
    assert scan.leaks == [] and scan.tables == 8 and scan.columns > 50
    with duckdb.connect(str(out / paths.FLIGHTS_DUCKDB_NAME), read_only=True) as con:
        listed = con.execute("SELECT column_name FROM duckdb_columns()").fetchall()
        joined = con.execute("SELECT count(*) FROM flights JOIN planes USING (aircraft)")
        joined = joined.fetchone()[0]
        first = con.execute("SELECT aircraft FROM flights WHERE flight_id = 1").fetchone()[0]
    columns = {name for (name,) in listed}
    assert "tailnum" not in columns and "aircraft" in columns
    assert joined > 20_000  # the pseudonyms still join flights to planes
    raw_first = pd.read_csv(raw / "flights.csv.zip", nrows=1, dtype="string")["tailnum"][0]
    assert first == pseudonym(raw_first, KEY) and raw_first not in first


def test_a_table_leaking_a_tail_number_is_reported(tmp_path, tags):
    leaking = tmp_path / "leaky.parquet"
    pd.DataFrame(
        {"tailnum": ["N14228"], "note": ["N24211 was late"], "aircraft": [pseudonym("N14228", KEY)]}
    ).to_parquet(leaking)
    found = [str(leak) for leak in table_leaks(leaking, tags).leaks]
    assert found == [
        f"{leaking}, leaky.tailnum: column tailnum (tagged sensitive)",
        f"{leaking}, leaky.tailnum: 1 raw value of tailnum (N1…)",
        f"{leaking}, leaky.note: 1 raw value of tailnum (N2…)",
    ]
    assert masked({"N14228", "N14229", "N24211", "N619AA", "N804JB"}) == "N1…, N2…, N6…, …"


def test_a_copy_of_the_database_with_a_tail_number_put_back_is_caught(one_month, tmp_path, tags):
    _, out = one_month
    copy = tmp_path / "flights.duckdb"
    copy.write_bytes((out / paths.FLIGHTS_DUCKDB_NAME).read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE airlines SET name = 'United, aircraft N14228' WHERE carrier = 'UA'")
    found = [str(leak) for leak in table_leaks(copy, tags).leaks]
    assert found == [f"{copy}, airlines.name: 1 raw value of tailnum (N1…)"]


def test_a_page_or_a_model_file_with_a_tail_number_is_reported(tmp_path, tags):
    (tmp_path / "page.html").write_text("<p>The busiest aircraft, N725MQ, flew 575 times.</p>")
    (tmp_path / "model.joblib").write_bytes(b"\x80\x04\x95N14228\x94")  # a pickled string
    (tmp_path / "clean.html").write_text("<p>The busiest aircraft flew 575 times.</p>")
    (tmp_path / "figure.png").write_bytes(b"N14228")  # images are not read
    found = [str(leak) for leak in folder_leaks(tmp_path, tags).leaks]
    assert found == [
        f"{tmp_path / 'model.joblib'}: 1 raw value of tailnum (N1…)",
        f"{tmp_path / 'page.html'}: 1 raw value of tailnum (N7…)",
    ]


@pytest.mark.parametrize("folder", [paths.PROCESSED_DIR, paths.MODELS_DIR], ids=["data", "models"])
def test_this_projects_processed_data_and_models_hold_no_tail_number(folder, tags):
    if not folder.is_dir():  # `make test` builds both first (it depends on `make train`)
        pytest.skip(f"{folder} is not built: `make train` builds it, then this test checks it")
    scan = folder_leaks(folder, tags)
    assert scan.tables > 0, f"{folder} holds no table: run `make train` to rebuild it"
    assert scan.leaks == [], "\n".join(map(str, scan.leaks))


def test_check_sensitive_exits_1_naming_each_leak(runner, tmp_path):
    pd.DataFrame({"tailnum": ["N14228"]}).to_parquet(tmp_path / "leaky.parquet")
    done = runner.invoke(app, ["check-sensitive", str(tmp_path)])
    assert done.exit_code == 1
    assert f"leak: {tmp_path / 'leaky.parquet'}, leaky.tailnum: column tailnum" in done.output
    assert "N14228" not in done.output  # the report does not leak what it found
    assert "error: sensitive data reached an output" in done.stderr
    (tmp_path / "leaky.parquet").unlink()
    done = runner.invoke(app, ["check-sensitive", str(tmp_path), str(tmp_path / "site")])
    assert done.exit_code == 0, done.output
    assert "0 leaks" in done.output and "site: not built, not checked" in done.output


def test_a_new_key_rewrites_every_pseudonym(one_month, tmp_path):
    raw, out = one_month
    database = tmp_path / paths.FLIGHTS_DUCKDB_NAME
    database.write_bytes((out / paths.FLIGHTS_DUCKDB_NAME).read_bytes())
    assert run_flights_etl(raw, database, key=KEY).recomputed == []  # same key: nothing to do
    assert run_flights_etl(raw, database, key=b"n" * 32).recomputed == [1]
    with duckdb.connect(str(database), read_only=True) as con:
        first = con.execute("SELECT aircraft FROM flights WHERE flight_id = 1").fetchone()[0]
    raw_first = pd.read_csv(raw / "flights.csv.zip", nrows=1, dtype="string")["tailnum"][0]
    assert first == pseudonym(raw_first, b"n" * 32) != pseudonym(raw_first, KEY)
