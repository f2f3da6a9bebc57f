"""The demonstrations of connecting to data safely (dsops.practices.data_access): a
committed secret caught by detect-secrets, and an injection that string formatting lets
through and a bound parameter stops, on DuckDB and on PostgreSQL."""

import pytest

from dsops.practices import data_access

ATTACKS = {
    "a real island": ("Dream", 2, 2),
    "always true": ("x' OR '1'='1", 3, 0),
}
DROP = "Dream'; DROP TABLE birds; --"


def test_a_committed_secret_is_caught_and_an_ignored_env_file_is_not(tmp_path):
    url = "postgresql+psycopg://analyst:made-up-for-this-test@127.0.0.1:5432/penguins"
    repo = data_access.repository_with_secret(tmp_path, url)
    found = data_access.scan_for_secrets(repo)
    assert found.to_dict(orient="records") == [
        {"file": "settings.py", "line": 3, "kind": "Basic Auth Credentials"}
    ]
    assert (repo / ".env").is_file()  # there, but not tracked, so not scanned


def test_a_clean_repository_has_no_finding(tmp_path):
    repo = data_access.repository_with_secret(tmp_path, "duckdb:///penguins.duckdb")
    assert data_access.scan_for_secrets(repo).empty


@pytest.fixture(params=["duckdb", "postgresql"])
def throwaway(request, tmp_path):
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'throwaway.duckdb'}"
    return request.getfixturevalue("postgres_server").url()


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_formatting_lets_the_attack_through_and_binding_stops_it(throwaway, attack):
    island, formatted, bound = ATTACKS[attack]
    data_access.make_throwaway_table(throwaway)
    assert data_access.count_formatted(throwaway, island) == formatted
    assert data_access.count_bound(throwaway, island) == bound


def test_formatting_lets_a_table_be_dropped_and_binding_does_not(throwaway):
    data_access.make_throwaway_table(throwaway)
    assert data_access.count_bound(throwaway, DROP) == 0
    assert data_access.table_rows(throwaway) == 3
    data_access.count_formatted(throwaway, DROP)
    assert data_access.table_rows(throwaway) is None
