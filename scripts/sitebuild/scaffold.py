"""`sitebuild new-page`: a new page from the page template, with the test of its exercise,
so a contributor starts from a page that already passes the runner and its test."""

import re
from dataclasses import dataclass
from pathlib import Path

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from sitebuild.project import QuartoProject

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TEMPLATE = "page.qmd"
TEMPLATE_SOLUTION = "solution-most-birds"
TEMPLATE_ANSWER = ("most", "Adelie")
TEST_TEMPLATE = '''"""The exercise of {page}: its solution cell, run exactly as the page shows it.

Change the assertion to the answer your page's prose gives."""


def test_{name}_exercise(run_solution):
    namespace = run_solution("{page}", "{label}")
    assert namespace["{variable}"] == {answer!r}
'''


@dataclass(frozen=True)
class NewPage:
    page: Path
    test: Path


def fill_template(text: str, title: str, description: str, order: int) -> str:
    """The template with its placeholders filled (YAML-quoted title and description)."""
    for name, value in (("title", title), ("description", description)):
        if '"' in value or "\n" in value:
            raise DsopsError(f"the {name} {value!r} contains a double quote or a line break.")
    return (
        text.replace("__TITLE__", title)
        .replace("__DESCRIPTION__", description)
        .replace("__ORDER__", str(order))
    )


def next_order(project: QuartoProject, section: Path) -> int:
    """One more than the highest `order:` among the section's pages."""
    orders = [
        project.front_matter(page).get("order") for page in project.pages if page.parent == section
    ]
    return max([o for o in orders if isinstance(o, int)], default=0) + 1


def new_page(
    project: QuartoProject,
    section: str,
    slug: str,
    title: str,
    description: str | None = None,
    tests_dir: Path | None = None,
) -> NewPage:
    """Write analyses/<section>/<slug>.qmd from the template, and its exercise test."""
    for name, value in (("section", section), ("slug", slug)):
        if not SLUG.match(value):
            raise DsopsError(
                f"{value!r} is not a valid {name}: use lower-case words joined by hyphens, "
                "such as 'bill-length'."
            )
    if slug == "index":
        raise DsopsError("'index' is the section's own page: choose another slug.")
    folder = project.root / "analyses" / section
    if not (folder / "index.qmd").is_file():
        known = sorted(p.parent.name for p in (project.root / "analyses").glob("*/index.qmd"))
        raise DsopsError(
            f"analyses/{section}/ is not a section (no index.qmd there); sections are "
            f"{', '.join(known) or 'none yet'} (a new section needs its index page, sidebar "
            "and navbar entry first: see CONTRIBUTING.md)."
        )
    page = folder / f"{slug}.qmd"
    if page.exists():
        raise DsopsError(f"{paths.project_relative(page)} already exists: choose another slug.")
    tests = tests_dir or project.root / "tests"
    name = f"{section}_{slug}".replace("-", "_")
    test = tests / f"test_exercise_{name}.py"
    if test.exists():
        raise DsopsError(f"{paths.project_relative(test)} already exists: choose another slug.")
    template = (project.root / "templates" / TEMPLATE).read_text(encoding="utf-8")
    text = fill_template(template, title, description or title, next_order(project, folder))
    relative = page.relative_to(project.root).as_posix()
    page.write_text(text, encoding="utf-8")
    test.write_text(
        TEST_TEMPLATE.format(
            page=relative,
            name=name,
            label=TEMPLATE_SOLUTION,
            variable=TEMPLATE_ANSWER[0],
            answer=TEMPLATE_ANSWER[1],
        ),
        encoding="utf-8",
    )
    return NewPage(page=page, test=test)
