"""Pages are executed the way Quarto's Jupyter engine would, without Quarto.

`test_page_executes` is what tests the site's pages on machines where Quarto cannot be
installed, so it never skips: a page that fails here would fail the site build.
"""

from pathlib import Path

import pytest

from dsops import config
from dsops.errors import DsopsError
from dsops.pages import discover_pages, execute_page, parse_qmd

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
PAGES = discover_pages()


def test_parse_finds_python_cells_and_their_options():
    page = parse_qmd(FIXTURES / "ok.qmd")
    assert page.front_matter == {"title": "A page that runs"}
    assert [cell.label for cell in page.cells] == ["first", "skipped", "second"]
    assert [cell.line for cell in page.cells] == [5, 15, 21]
    assert [cell.label for cell in page.executable_cells()] == ["first", "second"]


def test_front_matter_eval_false_is_the_default_a_cell_can_override():
    page = parse_qmd(FIXTURES / "not-evaluated.qmd")
    assert [cell.source for cell in page.executable_cells()] == ["#| eval: true\nran = True"]


def test_an_unclosed_cell_is_reported(tmp_path):
    page = tmp_path / "bad.qmd"
    page.write_text("---\ntitle: x\n---\n\n```{python}\nx = 1\n", encoding="utf-8")
    with pytest.raises(DsopsError, match="the Python cell opened on line 5 is never closed"):
        parse_qmd(page)


def test_discovery_follows_the_quarto_render_list():
    relative = [p.relative_to(config.PROJ_ROOT).as_posix() for p in PAGES]
    assert relative[0] == "index.qmd"
    assert {"analyses/penguins/eda.qmd", "analyses/penguins/model.qmd"} <= set(relative)
    assert not any(part.startswith("_") for p in relative for part in p.split("/"))
    assert not any(p.startswith("tests/") for p in relative)


def test_cells_run_in_order_with_the_project_root_as_working_directory():
    report = execute_page(FIXTURES / "ok.qmd")
    assert report.cells_run == 2


def test_working_directory_is_the_project_root(tmp_path):
    page = tmp_path / "cwd.qmd"
    check = f"import os\nassert os.getcwd() == {str(config.PROJ_ROOT)!r}, os.getcwd()"
    page.write_text(f"```{{python}}\n{check}\n```\n", encoding="utf-8")
    assert execute_page(page).cells_run == 1


def test_an_error_names_the_page_the_cell_and_the_exception():
    with pytest.raises(DsopsError) as caught:
        execute_page(FIXTURES / "broken.qmd")
    first_line = str(caught.value).splitlines()[0]
    assert first_line.endswith(
        "broken.qmd, boom (line 10) failed: ZeroDivisionError: division by zero"
    )


def test_a_warning_fails_the_page_because_readers_would_see_it():
    with pytest.raises(DsopsError, match=r"warns.qmd, noisy \(line 5\) wrote to stderr"):
        execute_page(FIXTURES / "warns.qmd")


def test_check_pages_command_reports_failures(runner):
    from dsops.cli import app

    result = runner.invoke(
        app, ["check-pages", str(FIXTURES / "ok.qmd"), str(FIXTURES / "broken.qmd")]
    )
    assert result.exit_code == 1
    assert "ok   " in result.stdout and "ok.qmd: 2 cells" in result.stdout
    assert "FAIL " in result.stderr and "ZeroDivisionError" in result.stderr


@pytest.mark.pages
@pytest.mark.parametrize(
    "page", PAGES, ids=[p.relative_to(config.PROJ_ROOT).as_posix() for p in PAGES]
)
def test_page_executes(page: Path):
    if not config.PROCESSED_PARQUET.is_file():
        pytest.fail(f"{config.PROCESSED_PARQUET} is missing: run `make data` (make test does).")
    execute_page(page)
