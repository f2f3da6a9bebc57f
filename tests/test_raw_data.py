"""The raw export is immutable: its checksum is recorded and checked."""

import shutil

import pytest

from dsops import config
from dsops.errors import DsopsError
from dsops.provenance import read_manifest, verify_manifest


def test_raw_files_match_their_manifest():
    checked = verify_manifest(config.RAW_MANIFEST)
    assert config.RAW_PENGUINS in checked


def test_every_raw_data_file_is_in_the_manifest():
    listed = set(read_manifest(config.RAW_MANIFEST))
    data_files = {p.name for p in config.RAW_DIR.iterdir() if p.suffix == ".csv"}
    assert data_files == listed


def test_raw_export_has_the_documented_shape(raw_table):
    header, rows = raw_table
    assert len(header) == 17
    assert len(rows) == 344


def test_a_changed_raw_file_is_reported(tmp_path):
    shutil.copy(config.RAW_MANIFEST, tmp_path / "SHA256SUMS")
    changed = tmp_path / config.RAW_PENGUINS.name
    changed.write_bytes(config.RAW_PENGUINS.read_bytes().replace(b"3750", b"3751", 1))
    with pytest.raises(DsopsError, match=r"penguins-raw\.csv has changed: its SHA-256 is"):
        verify_manifest(tmp_path / "SHA256SUMS")


def test_a_listed_file_that_is_missing_is_reported(tmp_path):
    shutil.copy(config.RAW_MANIFEST, tmp_path / "SHA256SUMS")
    with pytest.raises(DsopsError, match=r"is listed in .* but does not exist"):
        verify_manifest(tmp_path / "SHA256SUMS")


def test_verify_raw_command(runner):
    from dsops.cli import app

    result = runner.invoke(app, ["verify-raw"])
    assert result.exit_code == 0, result.output
    assert "1 raw file(s) match" in result.output
