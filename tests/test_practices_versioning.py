"""dsops.practices.versioning: DVC on a throwaway project with a local remote, in a
temporary folder. The MD5 in a `.dvc` file is the MD5 of the file's bytes (so the model
card's SHA-256 and the `.dvc` file can be matched through the file), a change shows in
`dvc diff`, an old version comes back from the cache and, once the cache is gone, from
the remote; DVC's settings, analytics and output stay inside the folder."""

import hashlib
import os

import pandas as pd
import pytest

from dsops.practices import versioning
from dsops.practices.gitdemo import git
from dsops.shared import paths
from dsops.shared.errors import DsopsError

# DVC's own code uses a pygtrie call that pygtrie deprecates; nothing here can change it.
pytestmark = pytest.mark.filterwarnings("ignore:_NoneStep.value:DeprecationWarning")


@pytest.fixture
def two_versions(tmp_path):
    """A project whose penguins file has two commits: the cleaned file, then without the
    birds of 2009."""
    project = versioning.DataProject(tmp_path)
    project.init()
    first = project.track(paths.PROCESSED_PARQUET, "penguins.parquet", "The cleaned penguins")
    penguins = pd.read_parquet(paths.PROCESSED_PARQUET)
    smaller = tmp_path / "smaller.parquet"
    penguins[penguins["year"] != 2009].to_parquet(smaller)
    second = project.track(smaller, "penguins.parquet", "Leave out 2009")
    return project, first, second, smaller


def test_digests_are_md5_and_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"penguins\n" * 1000)
    assert versioning.digests(path) == {
        "md5": hashlib.md5(path.read_bytes()).hexdigest(),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def test_the_dvc_file_records_the_md5_of_the_files_bytes(two_versions):
    project, first, second, smaller = two_versions
    assert first == {
        "md5": versioning.md5_file(paths.PROCESSED_PARQUET),
        "size": paths.PROCESSED_PARQUET.stat().st_size,
        "hash": "md5",
        "path": "penguins.parquet",
    }
    assert second["md5"] == versioning.md5_file(smaller) != first["md5"]
    # git versions the .dvc file and ignores the data
    tracked = git(project.root, "ls-files").split()
    assert "data/penguins.parquet.dvc" in tracked and "data/penguins.parquet" not in tracked
    assert git(project.root, "status", "--porcelain") == ""
    config = (project.root / ".dvc" / "config").read_text()
    assert "analytics = False" in config and "check_update = False" in config


def test_diff_names_the_old_and_new_md5(two_versions):
    project, first, second, _ = two_versions
    changes = project.diff("HEAD~1")
    assert changes["modified"] == [
        {"path": "data/penguins.parquet", "hash": {"old": first["md5"], "new": second["md5"]}}
    ]
    assert changes["added"] == changes["deleted"] == []


def test_the_old_version_comes_back_from_the_cache_then_from_the_remote(two_versions):
    project, first, second, _ = two_versions
    data = project.checkout("HEAD~1", "penguins.parquet")
    assert versioning.digests(data) == versioning.digests(paths.PROCESSED_PARQUET)
    assert len(project.remote_files()) == 2

    project.forget_cache()
    data.unlink()
    restored = project.checkout("HEAD", "penguins.parquet", pull=True)
    assert versioning.md5_file(restored) == second["md5"]
    from dvc.exceptions import CheckoutError

    with pytest.raises(CheckoutError):  # the first version is in neither cache nor folder
        project.checkout("HEAD~1", "penguins.parquet")
    assert (
        versioning.md5_file(project.checkout("HEAD~1", "penguins.parquet", pull=True))
        == (first["md5"])
    )


def test_the_model_cards_hash_is_the_hash_of_the_version_dvc_restores(two_versions):
    from dsops.penguins import train

    project, _, _, _ = two_versions
    card = train.latest().card["training_data"]
    data = project.checkout("HEAD~1", "penguins.parquet")
    assert versioning.digests(data)["sha256"] == card["sha256"]


def test_the_sandbox_keeps_dvc_inside_the_folder_and_restores_everything(tmp_path):
    from dvc.ui import ui

    before = {name: os.environ.get(name) for name in os.environ if name.startswith("DVC_")}
    project = versioning.DataProject(tmp_path)
    project.init()
    assert (tmp_path / ".dvc-site").is_dir()
    with versioning.dvc_sandbox(tmp_path):
        assert os.environ["DVC_NO_ANALYTICS"] == "1"
        assert os.environ["DVC_GLOBAL_CONFIG_DIR"] == str(tmp_path / ".dvc-global")
    after = {name: os.environ.get(name) for name in os.environ if name.startswith("DVC_")}
    assert after == before
    assert "error_console" not in ui.__dict__ and "rich_console" not in ui.__dict__
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dvc-site", "project", "remote"]


def test_a_missing_dvc_file_gets_one_message(tmp_path):
    project = versioning.DataProject(tmp_path)
    project.init()
    with pytest.raises(DsopsError, match=r"penguins.parquet.dvc does not exist: track"):
        project.dvc_entry("penguins.parquet")


def test_the_page_reads_the_body_mass_model_by_its_stored_name():
    from dsops.penguins import train
    from dsops.shared.store import ModelStore

    # the page names the model without importing the training code (seconds of imports)
    assert ModelStore().get("penguin-body-mass").version == train.latest().version
