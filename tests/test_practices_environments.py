"""What dsops.practices.environments reads from lock files and pin files, checked on a
small lock written by hand and against the repository's own files, and the offline
drift demonstration: an unpinned requirement drifts, a lock does not, and a file
rebuilt under the same version is refused by its hash."""

import hashlib
import os
import re
import stat
from pathlib import Path

import pytest

from dsops.practices import environments
from dsops.practices.environments import TINYSTATS, Wheelhouse, installed_version, run_python
from dsops.shared import paths
from dsops.shared.errors import DsopsError

SMALL_LOCK = """version = 1
requires-python = ">=3.11"

[[package]]
name = "demo"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "Tiny_Stats"
version = "1.0.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x.org/t/tiny_stats-1.0.0.tar.gz", hash = "sha256:aa" }
wheels = [
    { url = "https://x.org/t/tiny_stats-1.0.0-py3-none-any.whl", hash = "sha256:bb" },
]

[[package]]
name = "fast"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://x.org/f/fast-2.0-cp311-cp311-manylinux_2_17_x86_64.whl", hash = "sha256:cc" },
    { url = "https://x.org/f/fast-2.0-cp311-cp311-win_amd64.whl", hash = "sha256:dd" },
]

[[package]]
name = "fast"
version = "2.1"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://x.org/f/fast-2.1-cp313-cp313-macosx_11_0_arm64.whl", hash = "sha256:ee" },
]
"""


@pytest.fixture
def small_lock(tmp_path) -> Path:
    lock = tmp_path / "uv.lock"
    lock.write_text(SMALL_LOCK, encoding="utf-8")
    return lock


def test_a_small_lock_is_read_package_by_package_and_file_by_file(small_lock):
    lock = environments.read_lock(small_lock)
    assert lock.requires_python == ">=3.11"
    assert lock.packages["name"].tolist() == ["demo", "tiny-stats", "fast", "fast"]
    assert lock.packages["source"].tolist() == ["editable", "registry", "registry", "registry"]
    assert lock.names == 3
    assert lock.versions("Tiny_Stats") == ["1.0.0"]
    assert lock.locked_twice() == ["fast"]
    assert lock.files["platform"].tolist() == [
        "any (pure Python)", "source archive", "Linux", "Windows", "macOS",
    ]  # fmt: skip
    assert lock.files["hash"].tolist() == [f"sha256:{h}" for h in ("bb", "aa", "cc", "dd", "ee")]
    assert environments.lock_entry("fast", small_lock).startswith(
        '[[package]]\nname = "fast"\nversion = "2.0"'
    )
    with pytest.raises(DsopsError, match="has no package named 'slow'"):
        environments.lock_entry("slow", small_lock)


def test_the_repositorys_lock_is_counted_as_its_text_says():
    text = (paths.PROJ_ROOT / "uv.lock").read_text(encoding="utf-8")
    lock = environments.read_lock()
    assert len(lock.packages) == text.count("\n[[package]]\n")
    assert len(lock.files) == len(re.findall(r'\{ url = "[^"]+", hash = "sha256:', text))
    assert (lock.files["hash"].str.len() == len("sha256:") + 64).all()


def test_the_environment_of_the_tests_is_the_lock(tmp_path):
    installed, off_lock = environments.installed_against_lock(environments.read_lock())
    assert installed > 100 and off_lock == []


def test_the_layers_say_what_the_pin_files_say():
    layers = environments.environment_layers().set_index("pinned_by")["pins"]
    assert layers["QUARTO_VERSION, tools/quarto-SHA256SUMS"].startswith(paths.quarto_version())
    uv_pin = re.search(r"^uv==\S+", environments.UV_PIN_FILE.read_text(), re.M)[0]
    assert layers["tools/uv-requirements.txt"].startswith(f"{uv_pin}, ")
    assert "lighthouse 12.8.2" in layers["tools/browser/package-lock.json"]
    assert "python-downloads = never" in layers["pyproject.toml"]


def test_uv_is_found_from_its_variable_then_path_then_tools(tmp_path):
    def executable(path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return path

    named = executable(tmp_path / "named" / "uv")
    on_path = executable(tmp_path / "bin" / "uv")
    tools = executable(tmp_path / ".tools" / "uv" / "bin" / "uv")
    find = environments.find_uv
    assert find({"UV": "named/uv", "PATH": str(on_path.parent)}, root=tmp_path) == named
    assert find({"PATH": str(on_path.parent)}, root=tmp_path) == on_path
    assert find({"PATH": os.devnull}, root=tmp_path) == tools
    tools.unlink()
    with pytest.raises(DsopsError, match=r"uv is not installed: run `make setup`"):
        find({"PATH": os.devnull}, root=tmp_path)


@pytest.fixture(scope="module")
def drift(tmp_path_factory):
    """The page's demonstration: a lock compiled while 1.0.0 was the newest, then 2.0.0."""
    house = Wheelhouse(tmp_path_factory.mktemp("drift"))
    house.build("tinystats", "1.0.0", TINYSTATS["1.0.0"])
    lock = house.compile_lock(["tinystats"])
    house.build("tinystats", "2.0.0", TINYSTATS["2.0.0"])
    return house, lock


def test_the_lock_pins_the_version_and_the_hash_of_its_file(drift):
    house, lock = drift
    text = lock.read_text()
    assert "tinystats==1.0.0" in text
    wheel = house.wheels / "tinystats-1.0.0-py3-none-any.whl"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert f"--hash=sha256:{digest}" in text


def test_an_unpinned_requirement_drifts_and_a_lock_does_not(drift):
    house, lock = drift
    unpinned = house.environment("unpinned")
    house.install(unpinned, ["tinystats"])
    locked = house.environment("locked")
    assert house.sync(locked, lock).returncode == 0
    analysis = "import tinystats; print(tinystats.mean([3750, 3800, 3250, 3450]))"
    assert installed_version(unpinned, "tinystats") == "2.0.0"
    assert installed_version(locked, "tinystats") == "1.0.0"
    assert run_python(unpinned, analysis) == "3562.0"  # rounds half to even
    assert run_python(locked, analysis) == "3562.5"


def test_a_file_rebuilt_under_the_same_version_is_refused_by_its_hash(drift, tmp_path, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # as Jupyter kernels set it
    _, lock = drift
    mirror = Wheelhouse(tmp_path / "mirror")
    mirror.build("tinystats", "1.0.0", TINYSTATS["1.0.0"] + "# rebuilt\n")
    refused = mirror.sync(mirror.environment("env"), lock)
    assert refused.returncode != 0
    assert "Hash mismatch for `tinystats==1.0.0`" in refused.stderr
    assert "\x1b[" not in refused.stderr  # plain text, as the page shows it


def test_the_demonstration_writes_only_inside_its_folder(tmp_path):
    house = Wheelhouse(tmp_path / "house")
    house.build("tinystats", "1.0.0", TINYSTATS["1.0.0"])
    house.install(house.environment("env"), ["tinystats"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["house"]
    assert {p.name for p in (tmp_path / "house").iterdir()} == {
        ".uv-cache", "env", "sources", "wheelhouse",
    }  # fmt: skip


def test_a_failing_uv_command_names_itself_and_uvs_reason(tmp_path):
    house = Wheelhouse(tmp_path)
    reason = r"(?s)`uv pip install .* nothere` failed: .*nothere was not found"
    with pytest.raises(DsopsError, match=reason):
        house.install(house.environment("env"), ["nothere"])
