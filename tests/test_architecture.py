"""The import-linter contracts in pyproject.toml hold, and they can fail: a fixture
module that breaks one makes `lint-imports` fail and name it."""

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import installed_tool
from dsops.shared import paths

FIXTURES = Path(__file__).parent / "fixtures" / "architecture"
CONTRACTS = tomllib.loads((paths.PROJ_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    lint = installed_tool("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(project / "scripts")}
    return subprocess.run(
        [lint, "--no-cache", "--config", str(project / "pyproject.toml")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    shutil.copytree(
        paths.PROJ_ROOT / "scripts",
        tmp_path / "scripts",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(paths.PROJ_ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_every_contract():
    done = lint_imports(paths.PROJ_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in done.stdout


def test_a_domain_module_importing_the_tooling_breaks_the_contracts(copy_of_the_code):
    shutil.copy(FIXTURES / "leaky_domain.py", copy_of_the_code / "scripts/dsops/penguins")
    done = lint_imports(copy_of_the_code)
    assert done.returncode == 1
    assert "dsops (its command included) never imports the build tooling BROKEN" in done.stdout
    assert "dsops.penguins.leaky_domain -> sitebuild.pages" in done.stdout
    # sitebuild.pages imports nbclient, so the page-facing contract breaks indirectly too
    assert "Page-facing code never imports nbclient, jupyter_client or bs4 BROKEN" in done.stdout


def test_a_shared_helper_importing_bs4_breaks_the_page_facing_contract(copy_of_the_code):
    shutil.copy(FIXTURES / "heavy_helper.py", copy_of_the_code / "scripts/dsops/shared")
    done = lint_imports(copy_of_the_code)
    assert done.returncode == 1
    assert "Page-facing code never imports nbclient, jupyter_client or bs4 BROKEN" in done.stdout
    assert "dsops.shared.heavy_helper -> bs4" in done.stdout
    assert "dsops (its command included) never imports the build tooling KEPT" in done.stdout


def test_a_new_domain_must_be_declared(copy_of_the_code):
    (copy_of_the_code / "scripts/dsops/weather").mkdir()
    (copy_of_the_code / "scripts/dsops/weather/__init__.py").write_text('"""A new domain."""\n')
    done = lint_imports(copy_of_the_code)
    assert done.returncode == 1
    assert "dsops.weather" in done.stdout


def test_the_dsops_command_importing_the_tooling_breaks_the_contracts(copy_of_the_code):
    """The loop the contracts once missed: a `dsops` command calling a site-build module."""
    cli = copy_of_the_code / "scripts/dsops/cli.py"
    cli.write_text(cli.read_text() + "\n\nfrom sitebuild.pages import execute_page  # noqa\n")
    done = lint_imports(copy_of_the_code)
    assert done.returncode == 1
    assert "dsops (its command included) never imports the build tooling BROKEN" in done.stdout
    assert "dsops.cli -> sitebuild.pages" in done.stdout


def test_every_domain_is_in_the_page_facing_contract():
    domains = sorted(
        f"dsops.{p.parent.name}"
        for p in (paths.PROJ_ROOT / "scripts" / "dsops").glob("*/__init__.py")
    )
    page_facing = next(c for c in CONTRACTS if c["id"] == "page-facing-light")
    assert sorted(page_facing["source_modules"]) == domains
