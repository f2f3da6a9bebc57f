"""Render the site with Quarto and check the HTML (marker `render`).

Where `quarto` is not available these tests are skipped with the reason; with
DSOPS_REQUIRE_QUARTO=1 (set in CI) a missing Quarto fails instead. With
DSOPS_RENDERED_SITE=DIR they check a site that `make site` already rendered.
"""

import os
import subprocess
from pathlib import Path

import pytest

from dsops.shared import paths
from sitebuild.project import load_project
from sitebuild.quarto import find_quarto
from sitebuild.sitecheck import check_site, rules_for

pytestmark = pytest.mark.render
RENDER_TIMEOUT = 1800


@pytest.fixture(scope="module")
def site() -> Path:
    prerendered = os.environ.get("DSOPS_RENDERED_SITE")
    if prerendered:
        return paths.PROJ_ROOT / prerendered
    quarto = find_quarto()
    if quarto is None:
        reason = (
            "quarto is not on PATH nor in the project environment, and could not be installed "
            "here; render tests need Quarto (they run in GitHub Actions)"
        )
        if os.environ.get("DSOPS_REQUIRE_QUARTO") == "1":
            pytest.fail(f"DSOPS_REQUIRE_QUARTO=1 but {reason}")
        pytest.skip(reason)
    done = subprocess.run(
        [str(quarto), "render"],
        cwd=paths.PROJ_ROOT,
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT,
    )
    assert done.returncode == 0, f"quarto render failed:\n{done.stderr[-5000:]}"
    return paths.SITE_DIR


def test_rendered_site_has_every_page_and_no_problems(site):
    problems = check_site(site, rules_for(load_project()))
    assert not problems, "\n".join(str(p) for p in problems)


def test_the_model_store_is_published_with_the_site(site):
    from dsops.penguins.train import SERVING_FILE, latest

    stored = latest()
    published = site / stored.site_path(SERVING_FILE)
    assert published.read_bytes() == stored.file(SERVING_FILE).read_bytes()
