"""The exercise of analyses/recipes/cleaning-datasets.qmd: its solution cell, run
exactly as the page shows it, and the answer its prose gives."""


def test_recipes_cleaning_datasets_exercise(run_solution, capsys):
    namespace = run_solution("analyses/recipes/cleaning-datasets.qmd", "solution-unknown-aircraft")
    # The prose: MQ has the largest share of flights with a tail number not in planes,
    # nearly all of them, then AA with about two in three.
    assert (namespace["worst"], namespace["runner_up"]) == ("MQ", "AA")
    assert namespace["worst_name"] == "Envoy Air"
    assert round(namespace["worst_share"], 2) == 0.96
    assert round(namespace["runner_up_share"], 2) == 0.69
    assert "MQ Envoy Air 96.2%" in capsys.readouterr().out
