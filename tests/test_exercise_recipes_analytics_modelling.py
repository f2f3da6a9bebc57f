"""The exercise of analyses/recipes/analytics-modelling.qmd: its solution cell, run
exactly as the page shows it, against the Brier scores computed here by hand."""

import pandas as pd

from dsops.flights import delays


def test_recipes_analytics_modelling_exercise(run_solution):
    namespace = run_solution("analyses/recipes/analytics-modelling.qmd", "solution-brier-by-month")
    stored = delays.latest()
    tested = pd.read_parquet(stored.file(delays.PREDICTIONS_FILE))
    chosen = stored.card["chosen"]
    squared = tested.assign(
        chosen=(tested[chosen] - tested[delays.TARGET]) ** 2,
        base=(tested["base rate"] - tested[delays.TARGET]) ** 2,
    )
    by_month = squared.groupby("month")[["chosen", "base"]].mean()
    worst = int(by_month["chosen"].idxmax())
    # The prose: the worst month, and whether the chosen model beats the base rate there.
    assert namespace["worst"] == worst
    assert namespace["beats"] == (by_month.loc[worst, "chosen"] < by_month.loc[worst, "base"])
    assert list(namespace["by_month"].index) == [10, 11, 12]
