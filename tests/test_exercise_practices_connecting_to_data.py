"""The exercise of analyses/practices/connecting-to-data.qmd: its solution cell, run
exactly as the page shows it."""


def test_practices_connecting_to_data_exercise(run_solution):
    namespace = run_solution("analyses/practices/connecting-to-data.qmd", "solution-islands")
    # The prose: the three islands hold every bird of the table, and the bound attack
    # is an island name nobody recorded, so no rows.
    assert sum(namespace["per_island"].values()) == 344
    assert len(namespace["attack"]) == 0
