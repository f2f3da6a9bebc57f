"""The exercise of analyses/recipes/analytics-descriptive.qmd: its solution cell, run
exactly as the page shows it."""

from dsops.flights import explore


def test_recipes_analytics_descriptive_exercise(run_solution):
    namespace = run_solution(
        "analyses/recipes/analytics-descriptive.qmd", "solution-weather-missing"
    )
    # The prose: the column missing most often, and its share of the observations,
    # counted here without the profiling code.
    weather = explore.query("SELECT * FROM weather")
    missing = weather.isna().sum()
    assert namespace["gappiest"] == missing.idxmax() == "wind_gust"
    assert namespace["share"] == missing.max() / len(weather)
