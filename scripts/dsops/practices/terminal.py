"""The environment for a command-line tool a page runs, so that it prints plain text.

A page shows what a tool printed as it is, and Quarto turns terminal colour codes into
coloured text that may be unreadable on the page. Jupyter kernels set FORCE_COLOR, which
tools such as uv and import-linter (through rich) obey over NO_COLOR; so it goes.
"""

import os
import subprocess
import sys
from pathlib import Path

FORCING_COLOUR = ("FORCE_COLOR", "CLICOLOR_FORCE")
DSOPS_TIMEOUT = 300  # seconds; the steps a page runs take a few


def plain_env(**extra: str) -> dict[str, str]:
    """This process's environment without colour forced, with NO_COLOR, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if name not in FORCING_COLOUR}
    return {**env, "NO_COLOR": "1", **extra}


def run_dsops(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`uv run dsops ARGS` in `cwd`, as a reader runs it: the `dsops` command of the
    environment this Python belongs to, printing plain text; its exit code, stdout and
    stderr."""
    dsops = Path(sys.executable).with_name("dsops")
    return subprocess.run(
        [str(dsops), *args], cwd=cwd, env=plain_env(), capture_output=True, text=True,
        timeout=DSOPS_TIMEOUT,
    )  # fmt: skip
