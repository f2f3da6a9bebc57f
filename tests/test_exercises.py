"""Every exercise's solution is code a test runs: the cell shown on the page, byte for
byte, executed here, and the answer the page's prose gives, asserted.

A solution cell is a `{python}` cell labelled `solution-...` inside the page's
collapsed "Solution" callout. The prose around it may quote numbers the cell computes
(inline expressions); what it states in words is asserted here, so a change in the
data that flips the answer fails this test instead of publishing a wrong sentence.
"""

from pathlib import Path

import pytest

from dsops.shared import paths
from sitebuild.pages import parse_qmd
from sitebuild.project import load_project

PROJECT = load_project()


def test_every_page_exercise_has_a_solution_cell():
    for page in PROJECT.pages:
        text = page.read_text(encoding="utf-8")
        if "## Exercise" in text:
            labels = [c.label for c in parse_qmd(page, PROJECT).cells]
            assert any(label.startswith("solution-") for label in labels), page
            assert '{.callout-note collapse="true"}\n## Solution' in text, page


def test_eda_closest_measure(run_solution, capsys):
    ns = run_solution("analyses/penguins/eda.qmd", "solution-closest-measure")
    closest = ns["closest"]
    # The prose: flipper length for Chinstrap and Gentoo, bill length for Adélie.
    assert sorted(closest[closest == "flipper_length_mm"].index) == ["Chinstrap", "Gentoo"]
    assert list(closest[closest == "bill_length_mm"].index) == ["Adelie"]
    assert "bill_length_mm" in capsys.readouterr().out


def test_model_flipper_length(run_solution):
    ns = run_solution("analyses/penguins/model.qmd", "solution-flipper-length")
    # The prose: the mean gain is smaller than the spread between folds, yet flipper
    # length lowers the error in most folds (4 of 5).
    assert 0 < ns["gain"] < ns["spread"]
    assert ns["folds_helped"] == 4
    assert len(ns["bill_only"]) == 5


def test_solution_cells_are_found_by_label(run_solution):
    with pytest.raises(AssertionError, match="has no cell labelled 'solution-nope'"):
        run_solution("analyses/penguins/eda.qmd", "solution-nope")
    assert Path(paths.PROJ_ROOT / "analyses/penguins/eda.qmd").is_file()
