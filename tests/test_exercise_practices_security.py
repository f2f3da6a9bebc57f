"""The exercise of analyses/practices/security.qmd: its solution cell, run exactly as
the page shows it."""


def test_practices_security_exercise(run_solution):
    namespace = run_solution("analyses/practices/security.qmd", "solution-busiest-aircraft")
    # The prose: as many flights under the busiest pseudonym as under the busiest tail
    # number, and the same aircraft.
    assert namespace["by_pseudonym"].iloc[0] == namespace["by_tail"].iloc[0]
    assert namespace["same_aircraft"]
