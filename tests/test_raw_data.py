"""Raw data is immutable: every dataset folder's checksums are recorded and checked."""

import shutil

import pytest

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from dsops.shared.provenance import raw_manifests, read_manifest, verify_manifest


def test_every_dataset_folder_matches_its_manifest():
    manifests = raw_manifests()
    assert paths.RAW_PENGUINS_MANIFEST in manifests
    checked = [path for manifest in manifests for path in verify_manifest(manifest)]
    assert paths.RAW_PENGUINS in checked


def test_every_dataset_folder_has_provenance():
    for manifest in raw_manifests():
        assert (manifest.parent / "PROVENANCE.md").is_file(), manifest.parent


def test_raw_export_has_the_documented_shape(raw_table):
    header, rows = raw_table
    assert len(header) == 17
    assert len(rows) == 344


@pytest.fixture
def copy_of_penguins(tmp_path):
    folder = tmp_path / "penguins"
    shutil.copytree(paths.RAW_PENGUINS_DIR, folder)
    return folder


def test_a_changed_raw_file_is_reported(copy_of_penguins):
    changed = copy_of_penguins / paths.RAW_PENGUINS.name
    changed.write_bytes(changed.read_bytes().replace(b"3750", b"3751", 1))
    with pytest.raises(DsopsError, match=r"penguins-raw\.csv has changed: its SHA-256 is"):
        verify_manifest(copy_of_penguins / "SHA256SUMS")


def test_a_listed_file_that_is_missing_is_reported(copy_of_penguins):
    (copy_of_penguins / paths.RAW_PENGUINS.name).unlink()
    with pytest.raises(DsopsError, match=r"is listed in .* but does not exist"):
        verify_manifest(copy_of_penguins / "SHA256SUMS")


def test_a_file_the_manifest_does_not_list_is_reported(copy_of_penguins):
    (copy_of_penguins / "extra.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DsopsError, match=r"holds extra\.csv, which SHA256SUMS does not list"):
        verify_manifest(copy_of_penguins / "SHA256SUMS")


def test_an_empty_manifest_is_reported(copy_of_penguins):
    (copy_of_penguins / "SHA256SUMS").write_text("\n")
    with pytest.raises(DsopsError, match=r"SHA256SUMS lists no files"):
        read_manifest(copy_of_penguins / "SHA256SUMS")


def test_no_manifest_anywhere_is_reported(tmp_path):
    with pytest.raises(DsopsError, match=r"no SHA256SUMS manifest in any folder"):
        raw_manifests(tmp_path)


def test_verify_raw_command(runner):
    from dsops.cli import app

    result = runner.invoke(app, ["verify-raw"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "5 raw file(s) match data/raw/flights/SHA256SUMS\n"
        "1 raw file(s) match data/raw/penguins/SHA256SUMS\n"
    )
