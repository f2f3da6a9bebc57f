"""The exercise of analyses/recipes/infrastructure-tests.qmd: its solution cell, run
exactly as the page shows it, against counts made here another way."""

import re

from dsops.shared import paths


def test_recipes_infrastructure_tests_exercise(run_solution):
    namespace = run_solution("analyses/recipes/infrastructure-tests.qmd", "solution-count-tests")
    properties = (paths.PROJ_ROOT / "tests" / "test_flights_parse.py").read_text()
    examples = (paths.PROJ_ROOT / "tests" / "test_flights_parse_examples.py").read_text()
    # The prose: how many tests use hypothesis, and how many take the fixture.
    assert len(namespace["given"]) == len(re.findall(r"^@given\(", properties, re.M)) == 6
    assert namespace["fixture_users"] == re.findall(
        r"^def (test_\w+)\(departures\)", examples, re.M
    )
    assert len(namespace["fixture_users"]) == 1
