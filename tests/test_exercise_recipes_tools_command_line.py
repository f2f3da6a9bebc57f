"""The exercise of analyses/recipes/tools-command-line.qmd: its solution cell, run
exactly as the page shows it."""


def test_recipes_tools_command_line_exercise(run_solution):
    namespace = run_solution("analyses/recipes/tools-command-line.qmd", "solution-exit-codes")
    # The prose: a missing folder is bad input (1), a file where a folder belongs is a
    # usage mistake the parser refuses (2), with the usage.
    assert namespace["missing"].exit_code == 1
    assert namespace["missing"].stderr.endswith(
        "nope: no such folder. Pass the folder the exports are saved in.\n"
    )
    assert namespace["not_a_folder"].exit_code == 2
    assert "Usage: " in namespace["not_a_folder"].stderr
