"""The environment for a command-line tool a page runs, so that it prints plain text.

A page shows what a tool printed as it is, and Quarto turns terminal colour codes into
coloured text that may be unreadable on the page. Jupyter kernels set FORCE_COLOR, which
tools such as uv and import-linter (through rich) obey over NO_COLOR; so it goes.
"""

import os

FORCING_COLOUR = ("FORCE_COLOR", "CLICOLOR_FORCE")


def plain_env(**extra: str) -> dict[str, str]:
    """This process's environment without colour forced, with NO_COLOR, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if name not in FORCING_COLOUR}
    return {**env, "NO_COLOR": "1", **extra}
