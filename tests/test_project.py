"""The one model of the Quarto project: render list, metadata precedence, HTML paths."""

from pathlib import Path

import pytest

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from sitebuild.project import QuartoProject, deep_merge, load_project

FIXTURE = Path(__file__).parent / "fixtures" / "project"


@pytest.fixture(scope="module")
def project() -> QuartoProject:
    return QuartoProject.load(FIXTURE)


def relative(project: QuartoProject, pages: list[Path]) -> list[str]:
    return [project.relative(p) for p in pages]


def test_render_list_globs_negations_and_hidden_folders(project):
    assert relative(project, project.pages) == [
        "index.qmd",
        "section/deeper/page.qmd",
        "section/page.qmd",
    ]


def test_html_paths_honour_output_file(project):
    assert project.expected_html() == [
        "index.html",
        "section/deeper/page.html",
        "section/renamed.html",
    ]
    assert project.page_for_html("section/renamed.html") == FIXTURE / "section/page.qmd"
    assert project.page_for_html("nowhere.html") is None


def test_execute_options_merge_project_folders_and_front_matter(project):
    assert project.execute_options(FIXTURE / "index.qmd") == {"echo": False, "warning": True}
    assert project.execute_options(FIXTURE / "section/page.qmd") == {
        "echo": True,
        "warning": True,
        "eval": False,
    }
    assert project.execute_options(FIXTURE / "section/deeper/page.qmd") == {
        "echo": False,
        "warning": True,
        "eval": True,
    }


def test_page_metadata_keeps_project_formats_and_folder_keys(project):
    metadata = project.metadata(FIXTURE / "section/page.qmd")
    assert metadata["format"] == {"html": {"toc": True}}
    assert metadata["categories"] == ["section"]
    assert metadata["title"] == "Not evaluated here"
    assert "website" not in metadata and "project" not in metadata


def test_site_settings(project):
    assert project.output_dir == FIXTURE / "built"
    assert project.execute_dir == "file"
    assert project.working_dir(FIXTURE / "section/page.qmd") == FIXTURE / "section"
    assert project.resources == ["data/*.json"]
    assert project.site_path == "/fixture-site/"


def test_this_project(tmp_path):
    project = load_project()
    assert project.root == paths.PROJ_ROOT
    assert project.execute_dir == "project"
    assert project.output_dir == paths.SITE_DIR
    assert project.relative(project.pages[0]) == "index.qmd"
    assert "analyses/penguins/model.qmd" in relative(project, project.pages)
    assert project.site_path == "/devops-for-data-science/"


def test_deep_merge_merges_mappings_concatenates_lists_and_replaces_the_rest():
    assert deep_merge({"a": {"x": 1, "y": 2}, "l": [1, 2]}, {"a": {"y": 3}, "l": [2, 3]}) == {
        "a": {"x": 1, "y": 3},
        "l": [1, 2, 3],
    }


def test_bad_configuration_is_one_sentence(tmp_path):
    with pytest.raises(DsopsError, match=r"_quarto\.yml does not exist"):
        QuartoProject.load(tmp_path)
    (tmp_path / "_quarto.yml").write_text("project: [unclosed\n")
    with pytest.raises(DsopsError, match=r"_quarto\.yml, near line 1: invalid YAML"):
        QuartoProject.load(tmp_path)
    (tmp_path / "_quarto.yml").write_text("project:\n  execute-dir: somewhere\n")
    with pytest.raises(DsopsError, match=r"execute-dir is 'somewhere'"):
        _ = QuartoProject.load(tmp_path).execute_dir


def test_every_section_has_a_generated_sidebar_and_a_navbar_entry():
    project = load_project()
    sections = sorted(p.parent.name for p in paths.ANALYSES_DIR.glob("*/index.qmd"))
    assert sections, "no section folder with an index.qmd under analyses/"
    sidebars = {s["id"]: s for s in project.website["sidebar"]}
    navbar = [item.get("href") for item in project.website["navbar"]["left"]]
    for section in sections:
        index = f"analyses/{section}/index.qmd"
        assert sidebars[section]["contents"] == [index, {"auto": f"analyses/{section}/*.qmd"}]
        assert index in navbar
    ordered = [p for p in project.pages if p.parent.name in sections and p.stem != "index"]
    for page in ordered:
        assert isinstance(project.front_matter(page).get("order"), int), page


def test_a_listing_page_lists_every_section_page_by_category():
    """Pages with categories make Quarto fetch listings.json, which exists only when a
    listing page does (without one, every such page logs a 404)."""
    project = load_project()
    listing = project.front_matter(paths.PROJ_ROOT / "pages.qmd")["listing"]
    assert listing["contents"] == "analyses/**/*.qmd" and listing["categories"] is True
    assert "pages.html" in project.expected_html()
    assert {"href": "pages.qmd", "text": "All pages"} in project.website["navbar"]["left"]
    for page in project.pages:
        if project.relative(page).startswith("analyses/"):
            assert project.metadata(page).get("categories"), page


def test_resource_globs_resolve_as_quarto_does(tmp_path):
    (tmp_path / "_quarto.yml").write_text(
        'project:\n  output-dir: out\n  resources: ["/top/**", "*.json", "!skip.json"]\n'
    )
    for name in [
        "top/a.txt",
        "top/.hidden",
        "x/top/b.txt",
        "c.json",
        "deep/d.json",
        "skip.json",
        "out/e.json",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert QuartoProject.load(tmp_path).resource_files() == ["c.json", "deep/d.json", "top/a.txt"]
