"""dsops.practices.branching on throwaway repositories: a page's two changes merge, a
notebook's conflict once it has been run (and only then), the hook refuses outputs, and
the branch lifetimes read from the two scripted histories are the ones worked out by
hand from their dates."""

import json

import nbformat
import pytest

from dsops.practices import branching
from dsops.practices.gitdemo import git, git_process
from dsops.shared.errors import DsopsError


def test_the_page_merges_by_itself_and_keeps_both_changes(tmp_path):
    page = branching.merge_two_changes(tmp_path, "page")
    assert page.clean and page.conflicts == 0 and page.opens()
    assert branching.ANALYST_CONCLUSION in page.merged
    assert 'print(f"{species}: {sum(grams) / len(grams):,.0f} g")' in page.merged
    # each diff is the one line replaced
    assert page.diff_lines("analyst") == page.diff_lines("engineer") == 2


def test_the_run_notebook_conflicts_in_its_outputs_and_is_no_longer_json(tmp_path):
    notebook = branching.merge_two_changes(tmp_path, "notebook")
    assert not notebook.clean
    assert "CONFLICT (content): Merge conflict in mass.ipynb" in notebook.message
    assert notebook.conflicts >= 1
    assert not notebook.opens()
    with pytest.raises(json.JSONDecodeError):
        json.loads(notebook.merged)
    excerpt = branching.conflict_excerpt(notebook.merged)
    assert "<<<<<<< HEAD" in excerpt and ">>>>>>> engineer-format" in excerpt
    assert "Gentoo: 5,450 g" in excerpt  # the engineer's output against the analyst's
    assert notebook.diff_lines("engineer") > 10 * branching.merge_two_changes(
        tmp_path / "page", "page"
    ).diff_lines("engineer")


def test_the_same_notebook_changes_merge_when_nobody_ran_it_or_outputs_are_stripped(tmp_path):
    unrun = branching.merge_two_changes(tmp_path / "a", "notebook", run=False)
    stripped = branching.merge_two_changes(tmp_path / "b", "notebook", strip=True)
    for merged in (unrun, stripped):
        assert merged.clean and merged.opens()
        cells = nbformat.reads(merged.merged, as_version=4).cells
        assert cells[2].source == branching.ANALYST_CONCLUSION
        assert cells[1].source == branching.ENGINEER_CODE
        assert cells[1].outputs == []


def test_strip_outputs_keeps_the_code_and_prose(tmp_path):
    path = tmp_path / "mass.ipynb"
    path.write_text(branching.notebook_text(), encoding="utf-8")
    branching.run_notebooks(path)
    ran = nbformat.read(path, as_version=4)
    assert ran.cells[1].outputs[0]["text"] == "Adelie 3600.0\nGentoo 5450.0\n"
    branching.strip_outputs(path)
    assert path.read_text(encoding="utf-8") == branching.notebook_text()


def test_the_hook_refuses_outputs_and_records_the_stripped_notebook(tmp_path):
    path = tmp_path / "ran.ipynb"
    path.write_text(branching.notebook_text(), encoding="utf-8")
    branching.run_notebooks(path)
    attempts = branching.gate_demo(tmp_path, path.read_text(encoding="utf-8"))
    assert [a.exit_code for a in attempts] == [1, 0]
    assert attempts[0].said.startswith("mass.ipynb has outputs")
    log = git(tmp_path / "gate-repo", "log", "--format=%an %s")
    assert log == "engineer Add the analysis\n"


def test_branch_lifetimes_are_read_from_the_scripted_dates(tmp_path):
    trunk = branching.merged_branches(
        branching.write_strategy(tmp_path / "t", branching.TRUNK_BASED)
    )
    assert trunk["branch"].tolist() == [
        "species-names", "mass-summary", "validate-raw", "mass-plot", "model-card", "mass-model",
    ]  # fmt: skip
    assert trunk["hours"].tolist() == [2, 5, 3, 2, 4, 6]
    assert trunk["commits"].tolist() == [1] * 6
    # mass-summary started before species-names was merged (its commit and its merge),
    # mass-model before model-card was
    assert trunk["unseen"].tolist() == [0, 2, 0, 0, 0, 2]

    long_lived = branching.merged_branches(
        branching.write_strategy(tmp_path / "l", branching.LONG_LIVED)
    )
    assert long_lived["branch"].tolist() == ["pipeline", "analysis"]
    # Mon 04 09:00 -> Wed 13 11:00 is 9 days 2 hours; Mon 04 10:00 -> Thu 14 15:00, 10 days 5 h
    assert long_lived["hours"].tolist() == [218, 245]
    assert long_lived["commits"].tolist() == [3, 3]
    # pipeline missed the fix; analysis missed the fix, pipeline's three commits and its merge
    assert long_lived["unseen"].tolist() == [1, 5]


def test_a_wrong_kind_and_a_failing_git_command_say_what_is_wrong(tmp_path):
    with pytest.raises(DsopsError, match="kind must be one of page, notebook"):
        branching.merge_two_changes(tmp_path, "slides")
    git(tmp_path, "init", "--quiet")
    done = git_process(tmp_path, "merge", "no-such-branch")
    assert done.returncode != 0  # returned, not raised
    with pytest.raises(DsopsError, match="`git merge no-such-branch` failed"):
        git(tmp_path, "merge", "no-such-branch")
