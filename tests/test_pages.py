"""Pages are executed the way Quarto's Jupyter engine would, without Quarto.

`test_page_executes` is what tests the site's pages on machines where Quarto cannot be
installed, so it never skips: a page that fails here would fail the site build.
"""

from pathlib import Path

import pytest

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from dsops.shared.sensitive import masked, words_found
from sitebuild.pages import InlineExpression, execute_page, parse_qmd
from sitebuild.project import QuartoProject, load_project

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
FIXTURE_PROJECT = Path(__file__).parent / "fixtures" / "project"
PROJECT = load_project()
PAGES = PROJECT.pages
# Page times are measured by `make bench` (data/benchmarks/site-pages.json, and the build
# report); pages take 1-10 s on a 2-core machine, over 30 s when it is busy. This limit
# only stops a page gone far beyond any budget (a runaway loop, a forgotten full-size run).
PAGE_TIME_LIMIT = 120  # seconds


def test_parse_finds_python_cells_and_their_options():
    page = parse_qmd(FIXTURES / "ok.qmd", PROJECT)
    assert page.front_matter == {"title": "A page that runs"}
    assert [cell.label for cell in page.cells] == ["first", "skipped", "second"]
    assert [cell.line for cell in page.cells] == [5, 15, 21]
    assert [cell.label for cell in page.executable_cells()] == ["first", "second"]


def test_front_matter_eval_false_is_the_default_a_cell_can_override():
    page = parse_qmd(FIXTURES / "not-evaluated.qmd", PROJECT)
    assert [cell.source for cell in page.executable_cells()] == ["#| eval: true\nran = True"]


def test_inline_expressions_are_found_in_prose_not_in_code_blocks():
    page = parse_qmd(FIXTURES / "conventions.qmd", PROJECT)
    assert [(c.expression, c.line) for c in page.inline] == [
        ("len(frame)", 16),
        ('int(frame["y"].max())', 16),
    ]
    kinds = [type(c).__name__ for c in page.chunks]
    assert kinds == ["Cell", "InlineExpression", "InlineExpression", "Cell", "Cell", "Cell"]
    figure = page.cells[2].figure
    assert (figure.id, figure.line, figure.caption) == ("fig-frame", 30, True)
    assert page.cells[3].figure is None


def test_an_unclosed_cell_is_reported(tmp_path):
    page = tmp_path / "bad.qmd"
    page.write_text("---\ntitle: x\n---\n\n```{python}\nx = 1\n", encoding="utf-8")
    with pytest.raises(DsopsError, match=r"the {python} cell opened on line 5 is never closed"):
        parse_qmd(page)


def test_a_missing_page_is_one_sentence(tmp_path):
    with pytest.raises(DsopsError, match=r"nope\.qmd: cannot read this page \(No such file"):
        parse_qmd(tmp_path / "nope.qmd")


def test_cells_run_in_order_with_the_project_root_as_working_directory():
    report = execute_page(FIXTURES / "ok.qmd", PROJECT)
    assert report.cells_run == 2


def test_working_directory_is_the_project_root(tmp_path):
    page = tmp_path / "cwd.qmd"
    check = f"import os\nassert os.getcwd() == {str(paths.PROJ_ROOT)!r}, os.getcwd()"
    page.write_text(f"```{{python}}\n{check}\n```\n", encoding="utf-8")
    assert execute_page(page, PROJECT).cells_run == 1


def test_a_project_with_execute_dir_file_runs_pages_in_their_folder():
    project = QuartoProject.load(FIXTURE_PROJECT)
    report = execute_page(FIXTURE_PROJECT / "index.qmd", project)
    assert report.inline_values == {"os.path.basename(here)": "project"}


def test_folder_metadata_switches_evaluation_off_and_a_deeper_folder_on():
    project = QuartoProject.load(FIXTURE_PROJECT)
    assert execute_page(FIXTURE_PROJECT / "section/page.qmd", project).cells_run == 0
    assert execute_page(FIXTURE_PROJECT / "section/deeper/page.qmd", project).cells_run == 1


def test_the_page_conventions_run_and_their_figures_come_in_two_renderings():
    report = execute_page(FIXTURES / "conventions.qmd", PROJECT)
    assert report.inline_values == {"len(frame)": "3", 'int(frame["y"].max())': "5"}
    assert sorted(report.figures) == ["fig-classic", "fig-frame-dark", "fig-frame-light"]
    assert all(png.startswith(b"\x89PNG") for png in report.figures.values())
    assert report.figures["fig-frame-dark"] != report.figures["fig-frame-light"]


def test_inline_values_are_the_markdown_quarto_writes():
    """Quarto's jupyter-inline.ts: a string loses its quotes and has Markdown's special
    characters escaped, Markdown is kept, anything else is its text/plain form."""
    report = execute_page(FIXTURES / "inline-values.qmd", PROJECT)
    assert report.inline_values == {
        "count": "16",
        '"a*b_c (d.e-f, g!)"': r"a\*b\_c \(d\.e\-f\, g\!\)",
        'Markdown("**bold**")': "**bold**",
    }


def test_figures_are_saved_by_label_and_rendering(tmp_path):
    report = execute_page(FIXTURES / "conventions.qmd", PROJECT)
    saved = report.save_figures(tmp_path)
    assert sorted(p.name for p in saved) == [
        "conventions--fig-classic.png",
        "conventions--fig-frame-dark.png",
        "conventions--fig-frame-light.png",
    ]


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("broken.qmd", r"broken\.qmd, boom \(line 10\) failed: ZeroDivisionError"),
        ("warns.qmd", r"warns\.qmd, noisy \(line 5\) wrote to stderr"),
        ("ansi-output.qmd", r"coloured \(line 5\) prints terminal colour codes"),
        (
            "broken-inline.qmd",
            r"inline expression `question` \(line 10\) failed: NameError: name 'question'",
        ),
        ("html-output.qmd", r"frame \(line 5\) displays text/html, which makes Quarto load"),
        ("raw-html-not-asis.qmd", r"tbl-oops \(line 5\) prints a raw HTML block but is not"),
        ("asis-table-with-cap.qmd", r"tbl-lost \(line 5\) gives an `output: asis` cell a `tbl-`"),
        ("table-without-div.qmd", r"bare \(line 5\) prints a table that is not in a"),
        ("html-form-remote-script.qmd", r"remote \(line 5\) prints a form that loads a script"),
        ("uncaptioned-figure.qmd", r"plot \(line 5\) shows a figure without `#\| fig-alt:`"),
        ("one-rendering.qmd", r"declares renderings \['light', 'dark'\] but shows 1 output"),
        (
            "renderings-with-fig-label.qmd",
            r"fig-bad \(line 5\) combines `renderings` with `fig-cap` and label `fig-bad`",
        ),
        (
            "renderings-without-caption.qmd",
            r"is in the div #fig-nameless \(line 5\), which has no caption paragraph",
        ),
        (
            "svg-figure-without-label.qmd",
            r"unnamed \(line 7\) prints raw HTML in the figure div #fig-unnamed, which must be",
        ),
        (
            "svg-figure-with-fig-label.qmd",
            r"fig-boxes-cell \(line 7\) gives an `output: asis` cell a `fig-` label or `fig-cap`",
        ),
        (
            "svg-figure-without-caption.qmd",
            r"in the div #fig-uncaptioned \(line 5\), which has no caption paragraph",
        ),
        (
            "inline-repr.qmd",
            r"inline expression `counts.max\(\)` \(line 12\) prints np.int64\(16\), the repr",
        ),
        (
            "inline-empty.qmd",
            r"`\"\" if quiet == 1 else \"s\"` \(line 10\) has an empty value, so Quarto would",
        ),
    ],
)
def test_what_a_reader_would_see_fails_the_page(fixture, message):
    with pytest.raises(DsopsError, match=message):
        execute_page(FIXTURES / fixture, PROJECT)


@pytest.mark.parametrize(
    ("fixture", "cells", "expected"),
    [
        # error: true on a cell, or for the page: Quarto shows the error and goes on
        ("error-true.qmd", 2, None),
        ("error-true-page.qmd", 2, None),
        # warning: false hides stderr; include: false hides everything
        ("warning-false.qmd", 2, None),
        # a cell indented inside a list item is a cell, and its inline expression runs
        ("indented-cell.qmd", 1, {"answer": "42"}),
        # a {python} cell inside a four-backtick block runs; {{python}} and {.python} do not
        ("four-backticks.qmd", 1, None),
        # a diagram: an inline SVG printed raw by an asis cell in a captioned figure div
        ("svg-figure.qmd", 1, None),
        # an interactive form: raw HTML with its script from the site, neither table nor figure
        ("html-form.qmd", 1, None),
        # {mermaid}, {dot} and {ojs} are Quarto's, not Jupyter's: not run
        ("other-kinds.qmd", 1, None),
        # echo, code-fold and code-summary change only what is shown; output: false hides
        ("display-options.qmd", 2, None),
    ],
)
def test_quarto_behaviour_is_modelled(fixture, cells, expected):
    report = execute_page(FIXTURES / fixture, PROJECT)
    assert report.cells_run == cells
    if expected is not None:
        assert report.inline_values == expected


def test_every_modelled_cell_option_has_a_fixture_page():
    from sitebuild.pages import CELL_OPTIONS

    fixtures = "\n".join(p.read_text(encoding="utf-8") for p in FIXTURES.glob("*.qmd"))
    for option in CELL_OPTIONS:
        assert f"#| {option}:" in fixtures, f"no fixture page uses `#| {option}:`"


def test_cells_jupyter_does_not_run_are_listed():
    page = parse_qmd(FIXTURES / "other-kinds.qmd", PROJECT)
    assert page.skipped == [("mermaid", 5), ("dot", 10), ("ojs", 14)]
    assert [c.label for c in page.cells] == ["the-only-python"]


def test_an_indented_cell_loses_its_indent():
    (cell,) = parse_qmd(FIXTURES / "indented-cell.qmd", PROJECT).cells
    assert cell.source == "#| label: in-a-list\nanswer = 6 * 7"
    assert cell.options == {"label": "in-a-list"}


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("unknown-option.qmd", r"line 5: the cell option `fig-width` is not modelled"),
        ("unknown-kind.qmd", r"line 5: a \{r\} cell is not modelled by the page runner"),
        ("other-engine.qmd", r"line 1: `engine: knitr` is not modelled"),
        ("unknown-execute-option.qmd", r"line 1: `execute: cache` is not modelled"),
        ("inline-two-lines.qmd", r"line 10: an inline expression spanning lines is not"),
    ],
)
def test_what_the_runner_does_not_model_is_refused(fixture, message):
    with pytest.raises(DsopsError, match=message):
        parse_qmd(FIXTURES / fixture, PROJECT)


def test_check_pages_command_reports_failures(runner):
    from sitebuild.cli import app

    result = runner.invoke(
        app, ["check-pages", str(FIXTURES / "ok.qmd"), str(FIXTURES / "broken.qmd")]
    )
    assert result.exit_code == 1
    assert "ok   " in result.stdout and "ok.qmd: 2 cells" in result.stdout
    assert "FAIL " in result.stderr and "ZeroDivisionError" in result.stderr


def test_check_pages_on_a_missing_page_is_one_line(runner, tmp_path):
    from sitebuild.cli import app

    result = runner.invoke(app, ["check-pages", str(tmp_path / "nope.qmd")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "cannot read this page" in result.stderr


def test_inline_expression_type():
    assert InlineExpression("x", 3).label == "inline expression `x` (line 3)"


def sensitive_shown(text: str, tags: dict[str, set[str]]) -> list[str]:
    """Each column tagged sensitive whose raw values `text` shows, how many, masked."""
    return [
        f"{len(found)} raw value(s) of {column}, a column tagged sensitive ({masked(found)}): "
        "show its pseudonym instead"
        for column, values in tags.items()
        if (found := words_found(text, values))
    ]


def test_a_page_that_shows_a_tail_number_fails(tmp_path, sensitive_values):
    page = tmp_path / "leak.qmd"
    page.write_text('```{python}\nprint("busiest aircraft: N725MQ")\n```\n\n`{python} "N14228"`\n')
    report = execute_page(page, PROJECT)
    assert sensitive_shown(report.text, sensitive_values) == [
        "2 raw value(s) of tailnum, a column tagged sensitive (N1…, N7…): show its pseudonym "
        "instead"
    ]


@pytest.fixture(scope="session")
def sensitive_values() -> dict[str, set[str]]:
    from dsops.flights.tables import raw_sensitive_values

    return raw_sensitive_values()


@pytest.mark.pages
@pytest.mark.parametrize("page", PAGES, ids=[PROJECT.relative(p) for p in PAGES])
def test_page_executes(page: Path, sensitive_values):
    report = execute_page(page, PROJECT)
    shown = sensitive_shown(report.text, sensitive_values)  # what the page shows names none
    assert not shown, f"{PROJECT.relative(page)} shows {'; '.join(shown)}"
    assert report.seconds < PAGE_TIME_LIMIT, (
        f"{PROJECT.relative(page)} took {report.seconds:.1f} s to execute "
        f"(limit {PAGE_TIME_LIMIT} s, far beyond the 10 s a page should take): move heavy "
        "work into a pipeline step"
    )


FIGURE_PAGE = """---
title: "A figure"
fig-dpi: 96
---

```{{python}}
#| label: fig-one
#| fig-cap: "One figure."
#| fig-alt: "What it shows."
import numpy as np
import matplotlib.pyplot as plt
figure = plt.figure(figsize=({size}, {size}), dpi={dpi})
plt.imshow(np.random.default_rng(1).random(({pixels}, {pixels}, 3)))
plt.show()
```
"""


def test_figures_must_be_retina_at_the_pages_dpi(tmp_path):
    page = tmp_path / "figure.qmd"
    page.write_text(FIGURE_PAGE.format(size=2, dpi=100, pixels=20), encoding="utf-8")
    with pytest.raises(
        DsopsError, match=r"figure fig-one is drawn at \d+ dpi, not twice the page's fig-dpi \(96\)"
    ):
        execute_page(page, PROJECT)


def test_a_png_over_the_cap_fails_the_page(tmp_path):
    page = tmp_path / "figure.qmd"
    page.write_text(FIGURE_PAGE.format(size=8, dpi=192, pixels=800), encoding="utf-8")
    with pytest.raises(DsopsError, match=r"figure fig-one is a [\d,]+-byte PNG, over the"):
        execute_page(page, PROJECT)


def test_the_sites_figures_are_retina_and_light():
    from sitebuild.pages import PNG_MAX_BYTES, png_facts

    report = execute_page(FIXTURES / "conventions.qmd", PROJECT)
    for png in report.figures.values():
        width, height, _ = png_facts(png)
        assert width > 0 and height > 0 and len(png) <= PNG_MAX_BYTES
