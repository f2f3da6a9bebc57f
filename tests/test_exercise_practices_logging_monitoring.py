"""The exercise of analyses/practices/logging-monitoring.qmd: its solution cell, run
exactly as the page shows it."""


def test_practices_logging_monitoring_exercise(run_solution):
    namespace = run_solution("analyses/practices/logging-monitoring.qmd", "solution-batch-size")
    caught = list(namespace["caught"].values())
    # The prose: batches twice as large catch a 1 mm shift more often, but in fewer than
    # nine batches of ten.
    assert caught[0] < caught[1] < 0.9
