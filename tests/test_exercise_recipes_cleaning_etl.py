"""The exercise of analyses/recipes/cleaning-etl.qmd: its solution cell, run exactly as
the page shows it."""


def test_recipes_cleaning_etl_exercise(run_solution):
    namespace = run_solution("analyses/recipes/cleaning-etl.qmd", "solution-february")
    assert namespace["recomputed"] == [2]
    assert namespace["total"] == 27004 + 24951  # every flight of January and February
