"""The exercise of analyses/penguins/serving.qmd: its solution cell, run as the page shows it."""

import pytest


def test_penguins_serving_exercise(run_solution):
    namespace = run_solution("analyses/penguins/serving.qmd", "solution-sex-difference")
    coefficient = namespace["served"].export["coefficients"]["sex_male"]
    assert namespace["difference"] == pytest.approx(coefficient, abs=1e-6)
    assert 500 < namespace["difference"] < 650  # the prose: "about 570 g heavier"
