"""Shared fixtures: copies of the raw export with one thing wrong, and an in-process CLI."""

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dsops import config


@pytest.fixture(scope="session")
def raw_table() -> tuple[list[str], list[list[str]]]:
    """Header and rows of the real raw export."""
    with open(config.RAW_PENGUINS, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write a header and rows to tmp_path/name and return the path."""

    def write(name: str, header: list[str], rows: list[list[str]]) -> Path:
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
