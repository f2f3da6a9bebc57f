"""A page pays only for what it uses: the imports of each page's setup cell, run alone,
load no validation or modelling library unless the page validates or models, so pages
that only read processed data and plot it start fast."""

import ast
import json
import subprocess
import sys

import pytest

from sitebuild.pages import parse_qmd
from sitebuild.project import load_project

HEAVY = (
    "pandera",
    "statsmodels",
    "sklearn",
    "nbclient",
    "jupyter_client",
    "bs4",
    "great_expectations",  # seconds to import: pages read its benchmark record instead
)
# Pages that fit or load models may import the modelling libraries, and pages that run
# a validating pipeline step, pandera; nothing else heavy.
MAY_IMPORT = {
    "analyses/penguins/model.qmd": {"statsmodels", "sklearn"},
    "analyses/penguins/serving.qmd": {"statsmodels", "sklearn"},  # loads the stored model
    "analyses/practices/deployments.qmd": {"statsmodels", "sklearn"},  # trains a candidate
    "analyses/practices/logging-monitoring.qmd": {"statsmodels", "sklearn"},  # the model's split
    "analyses/recipes/cleaning-steps.qmd": {"pandera"},
    "analyses/recipes/cleaning-etl.qmd": {"pandera"},
    "analyses/recipes/tools-file-system.qmd": {"pandera"},  # the organiser checks exports
    "analyses/practices/security.qmd": {"pandera"},  # runs the penguins ETL, reads raw planes
    "analyses/recipes/build-reuse-buy.qmd": {"pandera"},  # runs the pandera validator
}
PROJECT = load_project()
PAGES = [p for p in PROJECT.pages if any(c.label == "setup" for c in parse_qmd(p, PROJECT).cells)]


def setup_imports(page) -> str:
    """The import statements of the page's setup cell, as source."""
    setup = next(c for c in parse_qmd(page, PROJECT).cells if c.label == "setup")
    tree = ast.parse(setup.source)
    return "\n".join(
        ast.get_source_segment(setup.source, node)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
    )


def heavy_modules_after(source: str) -> set[str]:
    report = f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    probe = f"{source}\nimport sys, json\n{report}"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_pages_with_a_setup_cell_are_found():
    assert {PROJECT.relative(p) for p in PAGES} >= {
        "analyses/penguins/eda.qmd",
        "analyses/penguins/model.qmd",
    }


@pytest.mark.parametrize("page", PAGES, ids=[PROJECT.relative(p) for p in PAGES])
def test_a_page_imports_only_what_it_uses(page):
    source = setup_imports(page)
    assert source, "the setup cell imports nothing"
    assert heavy_modules_after(source) == MAY_IMPORT.get(PROJECT.relative(page), set())


def test_the_probe_sees_a_heavy_import():
    assert heavy_modules_after("import dsops.penguins.schema") == {"pandera"}
