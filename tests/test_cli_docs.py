"""The README's list of `dsops` commands cannot drift from the command itself."""

import re

import pytest

from dsops.cli import app
from dsops.shared import paths

README = (paths.PROJ_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## The `dsops` command", 1)[1].split("\n## ", 1)[0]
COMMANDS = sorted(
    command.name or command.callback.__name__.replace("_", "-")
    for command in app.registered_commands
)


def test_the_readme_has_a_dsops_section():
    assert "```bash" in SECTION


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme_with_help_text(name, runner):
    assert re.search(rf"\bdsops {re.escape(name)}\b", SECTION), (
        f"`dsops {name}` is missing from the README's list of commands"
    )
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    command = next(
        c
        for c in app.registered_commands
        if (c.name or c.callback.__name__.replace("_", "-")) == name
    )
    assert (command.callback.__doc__ or "").strip(), f"`dsops {name}` has no help text"


def test_the_readme_lists_no_command_that_does_not_exist():
    listed = set(re.findall(r"\bdsops ([a-z][a-z-]*)", SECTION))
    assert listed <= set(COMMANDS), listed - set(COMMANDS)
