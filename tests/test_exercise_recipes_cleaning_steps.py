"""The exercise of analyses/recipes/cleaning-steps.qmd: its solution cell, run exactly
as the page shows it, and the answer its prose gives."""

import pandas as pd


def test_recipes_cleaning_steps_exercise(run_solution, capsys):
    namespace = run_solution("analyses/recipes/cleaning-steps.qmd", "solution-add-gain")
    add_gain = namespace["add_gain"]
    # The step is pure and right on rows whose answer is known.
    few = pd.DataFrame(
        {
            "dep_delay": pd.array([0, 45, None, 10], dtype="Int64"),
            "arr_delay": pd.array([-12, 50, 5, None], dtype="Int64"),
        }
    )
    gain = add_gain(few)["gain"]
    assert gain.isna().tolist() == [False, False, True, True]
    assert gain.dropna().tolist() == [12, -5]
    assert list(few.columns) == ["dep_delay", "arr_delay"]
    # The prose: most flights with both delays made up time, a median of 7 minutes.
    gains = namespace["gains"]
    assert len(gains) == 327_346
    assert 0.5 < namespace["gained"] < 1
    assert f"{namespace['gained']:.0%}" == "68%"
    assert int(gains.median()) == 7
    assert "327,346 flights with both delays" in capsys.readouterr().out
