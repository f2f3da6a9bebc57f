"""The exercise of analyses/recipes/tools-file-system.qmd: its solution cell, run
exactly as the page shows it."""


def test_recipes_tools_file_system_exercise(run_solution):
    namespace = run_solution("analyses/recipes/tools-file-system.qmd", "solution-misnamed-export")
    move = namespace["move"]
    # The prose: named by the month in its rows (February 2013), whatever its name says.
    assert (move.source, move.new_name, move.verdict) == (
        "Flights_Jan_FINAL.csv",
        "flights-2013-02.csv",
        "organised",
    )
    assert move.rows == 24951  # every February flight of the raw table
