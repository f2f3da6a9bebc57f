"""The exercise of analyses/practices/environments.qmd: its solution cell, run exactly as
the page shows it."""


def test_practices_environments_exercise(run_solution):
    namespace = run_solution("analyses/practices/environments.qmd", "solution-range")
    # The prose: the range keeps 2.0.0 out, and installs the mirror's rebuilt 1.0.0
    # without a word (install raises if uv refuses).
    assert namespace["from_range"] == "1.0.0"
    assert namespace["from_mirror"] == "1.0.0"
