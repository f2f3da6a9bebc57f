"""Render the site with Quarto and check the HTML (marker `render`).

Where `quarto` is not available these tests are skipped with the reason; with
DSOPS_REQUIRE_QUARTO=1 (set in CI) a missing Quarto fails instead. With
DSOPS_RENDERED_SITE=DIR they check a site that `make site` already rendered.

Otherwise they render a copy of the project in a temporary folder (DSOPS_PROJ_ROOT
points the pages and the post-render step at it), so a test run never writes `site/`,
`.quarto/` or Quarto's intermediate notebooks into the work tree.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dsops.shared import paths
from sitebuild.project import load_project
from sitebuild.quarto import find_quarto
from sitebuild.sitecheck import check_site, rules_for

RENDER_TIMEOUT = 1800
# Top-level folders a render neither reads nor may write into: tools, environments,
# caches and earlier build output (data/processed and models/ are copied: pages read them).
NOT_COPIED = {
    ".git",
    ".venv",
    ".tools",
    ".make",
    ".quarto",
    ".reports",
    ".pytest_cache",
    ".ruff_cache",
    "site",
    "_site",
    "figures",
}


def copy_of_the_project(target: Path) -> Path:
    """The project as a render needs it (sources, raw and processed data, the model store)."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {"__pycache__", "node_modules"} & set(names)
        if Path(folder) == paths.PROJ_ROOT:
            skipped |= NOT_COPIED & set(names)
        return skipped

    shutil.copytree(paths.PROJ_ROOT, target, ignore=ignore, symlinks=True)
    return target


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    prerendered = os.environ.get("DSOPS_RENDERED_SITE")
    if prerendered:
        return paths.PROJ_ROOT / prerendered
    quarto = find_quarto()
    if quarto is None:
        reason = (
            "quarto is not on PATH nor in the project environment, and could not be installed "
            f"here: install Quarto {paths.quarto_version()} (https://quarto.org/docs/download/) "
            "or put its `quarto` on PATH, then run `make test` (CI renders the site either way)"
        )
        if os.environ.get("DSOPS_REQUIRE_QUARTO") == "1":
            pytest.fail(f"DSOPS_REQUIRE_QUARTO=1 but {reason}")
        pytest.skip(reason)
    project = copy_of_the_project(tmp_path_factory.mktemp("render") / "project")
    done = subprocess.run(
        [str(quarto), "render"],
        cwd=project,
        env={**os.environ, paths.ROOT_ENV: str(project)},
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT,
    )
    assert done.returncode == 0, f"quarto render failed:\n{done.stderr[-5000:]}"
    return project / "site"


def test_the_copy_to_render_leaves_out_tools_and_build_output(tmp_path):
    copy = copy_of_the_project(tmp_path / "project")
    assert (copy / "_quarto.yml").is_file() and (copy / "data" / "raw").is_dir()
    assert not NOT_COPIED & {p.name for p in copy.iterdir()}
    assert not list(copy.rglob("__pycache__"))


@pytest.mark.render
def test_rendered_site_has_every_page_and_no_problems(site):
    problems = check_site(site, rules_for(load_project()))
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.render
def test_the_rendered_site_shows_no_value_of_a_sensitive_column(site):
    from dsops.flights.tables import raw_sensitive_values
    from dsops.shared.sensitive import folder_leaks

    scan = folder_leaks(site, raw_sensitive_values())
    assert scan.files > 0 and not scan.leaks, "\n".join(map(str, scan.leaks))


@pytest.mark.render
def test_the_model_store_is_published_with_the_site(site):
    from dsops.penguins.train import SERVING_FILE, latest

    stored = latest()
    published = site / stored.site_path(SERVING_FILE)
    assert published.read_bytes() == stored.file(SERVING_FILE).read_bytes()


@pytest.mark.render
@pytest.mark.browser
def test_the_browser_predictor_works_on_the_rendered_page(site, browser_tools):
    from dsops.penguins.serving import ServedModel
    from sitebuild.serve import serve
    from test_predictor import drive_predictor

    assert (site / "analyses" / "penguins" / "predictor.mjs").is_file()
    with serve(site) as base:
        drive_predictor(base + "analyses/penguins/serving.html", ServedModel.load())
