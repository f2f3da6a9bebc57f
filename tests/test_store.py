"""The model store: versions, metadata, pruning, and nothing half-written."""

import pytest

from dsops.shared import store as store_module
from dsops.shared.errors import DsopsError, MissingArtifactError
from dsops.shared.store import ModelStore


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "a.json").write_text('{"x": 1}\n')
    (folder / "b.csv").write_text("a,b\n1,2\n")
    return [folder / "a.json", folder / "b.csv"]


def test_a_version_holds_its_files_and_card(tmp_path, files):
    store = ModelStore(tmp_path / "models")
    stored = store.write("toy", files, {"metric": 1.5}, title="a toy")
    assert store.names() == ["toy"]
    assert store.versions("toy") == [stored.version]
    assert stored.card == {"metric": 1.5}
    assert stored.read_json("a.json") == {"x": 1}
    assert stored.file("b.csv").read_text() == "a,b\n1,2\n"
    assert store.get("toy") == stored


def test_old_versions_are_pruned(tmp_path, files, monkeypatch):
    store = ModelStore(tmp_path / "models")
    monkeypatch.setattr(store_module, "KEEP_VERSIONS", 2)
    for n in range(3):
        files[0].write_text(f'{{"x": {n}}}\n')  # new content, so a new version each time
        latest = store.write("toy", files, {"n": n}, title="a toy")
    assert len(store.versions("toy")) == 2
    assert store.get("toy") == latest
    assert store.get("toy").read_json("a.json") == {"x": 2}


def test_a_failed_write_leaves_no_version_and_no_staging_folder(tmp_path, files, monkeypatch):
    store = ModelStore(tmp_path / "models")

    def broken_upload(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store_module.pins.boards.BaseBoard, "pin_upload", broken_upload)
    with pytest.raises(OSError, match="disk full"):
        store.write("toy", files, {}, title="a toy")
    assert store.versions("toy") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["files", "models"]


def test_missing_things_are_named(tmp_path, files):
    store = ModelStore(tmp_path / "models")
    with pytest.raises(MissingArtifactError, match=r"model 'toy' .* run `make train`"):
        store.get("toy")
    stored = store.write("toy", files, {}, title="a toy")
    with pytest.raises(DsopsError, match=r"model 'toy' has no version 'nope'; stored: "):
        store.get("toy", "nope")
    with pytest.raises(MissingArtifactError, match=r"c\.txt does not exist yet: run `make train`"):
        stored.file("c.txt")


def test_stray_files_in_the_board_are_not_models(tmp_path, files):
    store = ModelStore(tmp_path / "models")
    store.write("toy", files, {}, title="a toy")
    (tmp_path / "models" / ".DS_Store").write_text("")
    (tmp_path / "models" / "README.md").write_text("")
    assert store.names() == ["toy"]
