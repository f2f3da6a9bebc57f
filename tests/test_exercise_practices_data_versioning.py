"""The exercise of analyses/practices/data-versioning.qmd: its solution cell, run exactly
as the page shows it."""

import pytest


# DVC's own code uses a pygtrie call that pygtrie deprecates; nothing here can change it.
@pytest.mark.filterwarnings("ignore:_NoneStep.value:DeprecationWarning")
def test_practices_data_versioning_exercise(run_solution):
    namespace = run_solution("analyses/practices/data-versioning.qmd", "solution-find-version")
    # The prose: the stored model was trained on the first version, the cleaned file.
    assert namespace["found"] == "The cleaned penguins"
