"""The exercise of analyses/practices/branching.qmd: its solution cell, run exactly as
the page shows it."""


def test_practices_branching_exercise(run_solution):
    namespace = run_solution("analyses/practices/branching.qmd", "solution-early-branch")
    early = namespace["early"]
    # Worked out from the dates: Mon 04 12:00 to Thu 07 16:00 is 3 days and 4 hours; main
    # gains mass-summary, validate-raw, mass-plot and model-card (a commit and a merge
    # each) and the island-label fix meanwhile: 9 commits.
    assert early["hours"] == 76
    assert early["unseen"] == 9
    assert early["commits"] == 1
