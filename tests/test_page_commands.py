"""Every command a page shows runs as shown, in a fresh clone after `make setup`: each
line of a page's shell blocks (```{.bash}, ```bash, ```sh) and each command written as
code in its prose (`uv run …`, `make …`, or `dsops`/`sitebuild` with arguments) is a
`make` target that exists, a `uv run dsops|sitebuild` command with the options it is
given, or the clone of this repository (see `command_problems`). A bare `dsops …` is
refused: it is not on PATH in a fresh clone."""

import re

import pytest

from sitebuild.project import load_project
from test_recipes_index import command_problems

PROJECT = load_project()
SHELL_BLOCK = re.compile(r"^```\{?\.?(?:bash|sh|shell)\}?\n(.*?)^```", re.M | re.S)
INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def shown_commands(text: str) -> list[tuple[str, str]]:
    """(command, comment) for each line of the shell blocks and each command in prose."""
    commands = []
    for block in SHELL_BLOCK.findall(text):
        for line in block.splitlines():
            command, _, comment = line.partition(" #")
            if command.strip():
                commands.append((command.strip(), comment.strip()))
    prose = SHELL_BLOCK.sub("", text)
    for code in INLINE_CODE.findall(prose):
        words = code.split()
        is_command = code.startswith(("uv run ", "make ")) or (
            words[0] in ("dsops", "sitebuild") and len(words) >= 3
        )
        if is_command and not code.startswith("{python}"):
            commands.append((code.strip(), ""))
    return list(dict.fromkeys(commands))


def test_commands_are_found_in_blocks_and_in_prose():
    text = (
        "Run\n\n```{.bash}\nmake data   # dsops etl: the data\nuv run dsops train\n```\n\n"
        "and then `uv run sitebuild check-pages PAGE`, or `sitebuild new-page a b`; "
        "`dsops etl` names the step, `{python} x` is a value.\n"
    )
    assert shown_commands(text) == [
        ("make data", "dsops etl: the data"),
        ("uv run dsops train", ""),
        ("uv run sitebuild check-pages PAGE", ""),
        ("sitebuild new-page a b", ""),
    ]


@pytest.mark.parametrize("page", PROJECT.pages, ids=[PROJECT.relative(p) for p in PROJECT.pages])
def test_every_command_a_page_shows_runs_as_shown(page):
    commands = shown_commands(page.read_text(encoding="utf-8"))
    assert command_problems(commands) == []
