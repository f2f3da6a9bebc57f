"""The exercise of analyses/recipes/infrastructure-python.qmd: its solution cell, run
exactly as the page shows it."""

from dsops.practices import infra


def test_recipes_infrastructure_python_exercise(run_solution):
    namespace = run_solution("analyses/recipes/infrastructure-python.qmd", "solution-archive-block")
    # The prose: one more resource than the page's stack, and the repeat refused.
    page_stack = infra.stack(
        infra.shared_folders(),
        infra.data_service("flights", port=8000),
        infra.data_service("penguins", port=8001),
    )
    assert len(namespace["with_archive"]) == len(page_stack) + 1 == 13
    assert namespace["refusal"] == (
        "the stack is not valid: 'srv/flights/archive' is declared twice."
    )
