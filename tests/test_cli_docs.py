"""The README's lists of commands cannot drift from the commands themselves: every
command of `dsops` and of `sitebuild` is listed under its own name with help text, and
nothing listed is missing."""

import re

import pytest
import typer

from dsops.cli import app as dsops_app
from dsops.shared import paths
from sitebuild.cli import app as sitebuild_app

README = (paths.PROJ_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Two commands, one per audience", 1)[1].split("\n## ", 1)[0]
APPS = {"dsops": dsops_app, "sitebuild": sitebuild_app}


def command_name(command) -> str:
    return command.name or command.callback.__name__.replace("_", "-")


def names(app: typer.Typer) -> list[str]:
    return sorted(command_name(c) for c in app.registered_commands)


CASES = [(program, name) for program, app in APPS.items() for name in names(app)]


@pytest.mark.parametrize(("program", "name"), CASES)
def test_every_command_is_in_the_readme_with_help_text(program, name, runner):
    app = APPS[program]
    assert re.search(rf"\b{program} {re.escape(name)}\b", SECTION), (
        f"`{program} {name}` is missing from the README's lists of commands"
    )
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    command = next(
        c
        for c in app.registered_commands
        if (c.name or c.callback.__name__.replace("_", "-")) == name
    )
    assert (command.callback.__doc__ or "").strip(), f"`{program} {name}` has no help text"


@pytest.mark.parametrize("program", APPS)
def test_the_readme_lists_no_command_that_does_not_exist(program):
    listed = set(re.findall(rf"uv run {program} (?:--verbose )?([a-z][a-z-]*)", SECTION))
    assert listed, f"the README lists no `{program}` command"
    assert listed <= set(names(APPS[program])), listed - set(names(APPS[program]))


def test_an_error_a_user_causes_is_one_line_and_exit_code_1(runner, tmp_path):
    """The shared boundary: the library's sentence, prefixed `error:`, on stderr only."""
    missing = tmp_path / "nope.csv"
    result = runner.invoke(dsops_app, ["etl", "--raw", str(missing), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        result.stderr == f"error: {missing}: no such file. Pass --raw with the path of the file.\n"
    )
