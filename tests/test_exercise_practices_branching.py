"""The exercise of analyses/practices/branching.qmd: its solution cell, run exactly as
the page shows it."""


def test_practices_branching_exercise(run_solution):
    namespace = run_solution("analyses/practices/branching.qmd", "solution-stripped-merge")
    stripped = namespace["stripped"]
    # The prose: with outputs stripped the merge goes through, and the engineer's diff is
    # the old print line and the new.
    assert stripped.clean
    assert stripped.conflicts == 0
    assert stripped.diff_lines("engineer") == 2
