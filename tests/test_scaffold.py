"""`sitebuild new-page`: a page from the template that passes the runner and its exercise
test unedited, and one-sentence refusals for what cannot be a new page."""

import importlib.util
import shutil
from pathlib import Path

import pytest

from conftest import solution_runner
from dsops.shared import paths
from dsops.shared.errors import DsopsError
from sitebuild.cli import app
from sitebuild.pages import execute_page
from sitebuild.project import QuartoProject
from sitebuild.scaffold import fill_template, new_page


@pytest.fixture
def project(tmp_path) -> QuartoProject:
    """A copy of the project's pages, configuration and template to scaffold into."""
    for name in ("_quarto.yml", "analyses", "templates"):
        source = paths.PROJ_ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "tests").mkdir()
    return QuartoProject.load(tmp_path)


def test_a_new_page_passes_the_runner_and_its_test_unedited(project, monkeypatch):
    section = sorted((project.root / "analyses" / "penguins").glob("*.qmd"))
    last = max(project.front_matter(page).get("order", 0) for page in section)
    made = new_page(project, "penguins", "flipper-length", "Flipper length", "What it shows.")
    assert made.page == project.root / "analyses/penguins/flipper-length.qmd"
    assert project.front_matter(made.page) == {
        "title": "Flipper length",
        "description": "What it shows.",
        "order": last + 1,  # after the section's pages
    }
    fresh = QuartoProject.load(project.root)
    assert made.page in fresh.pages  # the render list, hence the sidebar, finds it
    report = execute_page(made.page, fresh)
    assert sorted(report.figures) == ["fig-flipper-mass-dark", "fig-flipper-mass-light"]
    spec = importlib.util.spec_from_file_location("generated", made.test)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    generated.test_penguins_flipper_length_exercise(solution_runner(fresh, monkeypatch.chdir))


@pytest.mark.parametrize(
    ("section", "slug", "message"),
    [
        ("penguins", "Bad Slug", r"'Bad Slug' is not a valid slug: use lower-case words"),
        ("penguins", "index", r"'index' is the section's own page"),
        ("birds", "new", r"analyses/birds/ is not a section .* sections are penguins"),
        ("penguins", "eda", r"analyses/penguins/eda\.qmd already exists: choose another slug"),
    ],
)
def test_what_cannot_be_a_new_page_is_refused(project, section, slug, message):
    before = sorted(p.relative_to(project.root) for p in project.root.rglob("*"))
    with pytest.raises(DsopsError, match=message):
        new_page(project, section, slug, "A title")
    assert sorted(p.relative_to(project.root) for p in project.root.rglob("*")) == before


def test_titles_that_would_break_the_front_matter_are_refused():
    with pytest.raises(DsopsError, match="contains a double quote"):
        fill_template('title: "__TITLE__"', 'A "quoted" title', "d", 1)


def test_the_command_says_what_it_wrote_and_refuses_in_one_line(runner, tmp_path):
    bad = runner.invoke(app, ["new-page", "penguins", "Bad_Slug", "--title", "T"])
    assert bad.exit_code == 1
    assert bad.stderr.count("\n") == 1 and "is not a valid slug" in bad.stderr
    assert not Path(paths.ANALYSES_DIR / "penguins" / "Bad_Slug.qmd").exists()
