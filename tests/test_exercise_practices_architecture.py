"""The exercise of analyses/practices/architecture.qmd: its solution cell, run exactly as
the page shows it."""


def test_practices_architecture_exercise(run_solution):
    namespace = run_solution("analyses/practices/architecture.qmd", "solution-shared-by-both")
    both = namespace["both"]
    # The prose: among the shared modules both domains import is the validation layer.
    assert "dsops.shared.validation" in both
    assert both == sorted(both) and all(name.startswith("dsops.shared.") for name in both)
