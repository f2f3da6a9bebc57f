"""The exercise of analyses/recipes/cleaning-etl.qmd: its solution cell, run exactly as
the page shows it."""


def test_recipes_cleaning_etl_exercise(run_solution):
    namespace = run_solution("analyses/recipes/cleaning-etl.qmd", "solution-leftover")
    assert namespace["left"] == ["flights.duckdb"]  # the killed run's leftover is gone
    assert namespace["total"] == 24951  # every February flight
