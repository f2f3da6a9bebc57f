"""Every path comes from dsops.shared.paths, and the project root is found for an editable
install, an installed (copied) package, and an explicit override."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dsops.shared import paths

PRINT_ROOT = "from dsops.shared import paths; print(paths.PROJ_ROOT)"


def test_a_command_run_from_any_folder_uses_the_project_s_files(tmp_path):
    """A user need not cd to the project: the defaults of every command come from the
    root that paths finds, so `dsops verify-raw` from elsewhere checks this checkout."""
    from conftest import installed_tool

    done = subprocess.run(
        [installed_tool("dsops"), "verify-raw"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    manifests = sorted(p.relative_to(paths.PROJ_ROOT) for p in paths.RAW_DIR.glob("*/SHA256SUMS"))
    assert [line.rsplit(" ", 1)[1] for line in done.stdout.splitlines()] == [
        m.as_posix() for m in manifests
    ]


def test_the_quarto_pin_is_one_release_number_everyone_reads():
    assert re.fullmatch(r"\d+\.\d+\.\d+", paths.quarto_version())


def _installed_copy(tmp_path: Path) -> Path:
    """The package copied elsewhere, as a non-editable install puts it in site-packages."""
    site = tmp_path / "site-packages"
    shutil.copytree(paths.PROJ_ROOT / "scripts" / "dsops", site / "dsops")
    return site


def _root_seen(site: Path, cwd: Path, **env: str) -> Path:
    environment = {k: v for k, v in os.environ.items() if k != paths.ROOT_ENV}
    environment.update(env, PYTHONPATH=str(site))
    done = subprocess.run(
        [sys.executable, "-c", PRINT_ROOT],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


def test_an_installed_copy_finds_the_project_from_the_working_directory(tmp_path):
    site = _installed_copy(tmp_path)
    assert _root_seen(site, cwd=paths.PROJ_ROOT / "analyses" / "penguins") == paths.PROJ_ROOT


def test_the_environment_variable_overrides_everything(tmp_path):
    site = _installed_copy(tmp_path)
    other = tmp_path / "other-checkout"
    other.mkdir()
    seen = _root_seen(site, cwd=paths.PROJ_ROOT, **{paths.ROOT_ENV: str(other)})
    assert seen == other.resolve()


def test_find_project_root_prefers_the_override_then_the_source_tree(tmp_path):
    assert paths.find_project_root({paths.ROOT_ENV: str(tmp_path)}) == tmp_path.resolve()
    assert paths.find_project_root({}, start=tmp_path) == paths.PROJ_ROOT


def test_project_relative_paths_are_for_reading():
    assert paths.project_relative(paths.RAW_PENGUINS) == "data/raw/penguins/penguins-raw.csv"
    assert paths.project_relative(Path("/elsewhere/x.csv")) == "/elsewhere/x.csv"
