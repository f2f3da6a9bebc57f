"""The exercise of analyses/practices/dataops.qmd: its solution cell, run exactly as the
page shows it."""

import pandas as pd

from dsops.shared import paths


def test_practices_dataops_exercise(run_solution):
    namespace = run_solution("analyses/practices/dataops.qmd", "solution-third-migration")
    # The prose: every bird with a bill length in millimetres gets one in centimetres,
    # and the rollback leaves the nine columns of revision 0002.
    measured = pd.read_parquet(paths.PROCESSED_PARQUET)["bill_length_mm"].notna().sum()
    assert namespace["in_cm"] == measured
    assert namespace["left"] == 9
    assert namespace["revision"] == "0002"
