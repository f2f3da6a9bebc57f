"""The exercise of analyses/recipes/build-reuse-buy.qmd: its solution cell, run exactly
as the page shows it."""


def test_recipes_build_reuse_buy_exercise(run_solution):
    namespace = run_solution("analyses/recipes/build-reuse-buy.qmd", "solution-repeated-key")
    # The prose: one hand-written message naming the repeated key, one from pandera.
    assert namespace["hand_says"] == ["flight_id: repeated key values 1"]
    assert len(namespace["pandera_says"]) == 1
    assert namespace["pandera_says"][0].splitlines()[0] == (
        "series 'flight_id' contains duplicate values:"
    )
