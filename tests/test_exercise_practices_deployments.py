"""The exercise of analyses/practices/deployments.qmd: its solution cell, run exactly as
the page shows it."""


def test_practices_deployments_exercise(run_solution):
    namespace = run_solution("analyses/practices/deployments.qmd", "solution-simpler-model")
    # The prose: the gate refuses the model without bill length, whose cross-validated
    # RMSE is higher than the published model's.
    assert namespace["decision"].action == "refused"
    assert namespace["decision"].reason.startswith("not better: CV RMSE")
    assert namespace["worse_by"] > 0
