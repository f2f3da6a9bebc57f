"""Throwaway git repositories for executed demos, whose answers are known in advance.

Every command runs with a role's identity and the default branch given on the command
line, dates from GIT_AUTHOR_DATE and GIT_COMMITTER_DATE, and the machine's own git
configuration ignored, so a demo gives the same commits on every machine.
"""

import os
import subprocess
from datetime import datetime
from pathlib import Path

from dsops.practices.terminal import plain_env
from dsops.shared.errors import DsopsError

ROLES = {"analyst": "analyst@example.org", "engineer": "engineer@example.org"}
GIT_TIMEOUT = 60  # seconds; a git command in a tiny repository takes milliseconds


def git_process(
    repo: Path, *args: str, role: str = "analyst", at: datetime | None = None
) -> subprocess.CompletedProcess:
    """Run `git ARGS` in `repo` as `role` (at time `at`, if given); the finished process,
    whatever its exit code (a merge that conflicts exits with 1)."""
    # GIT_DIR, GIT_INDEX_FILE and the like (set inside a git hook) would point elsewhere.
    env = {name: value for name, value in plain_env().items() if not name.startswith("GIT_")}
    env |= {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if at is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = at.isoformat()
    command = [
        "git",
        "-c", f"user.name={role}",
        "-c", f"user.email={ROLES[role]}",
        "-c", "init.defaultBranch=main",
        *args,
    ]  # fmt: skip
    try:
        return subprocess.run(
            command, cwd=repo, env=env, capture_output=True, text=True, timeout=GIT_TIMEOUT
        )
    except FileNotFoundError:
        raise DsopsError("git is not installed: install git and run this again.") from None


def git(repo: Path, *args: str, role: str = "analyst", at: datetime | None = None) -> str:
    """Run `git ARGS` in `repo` as `role` (at time `at`, if given); return its stdout."""
    done = git_process(repo, *args, role=role, at=at)
    if done.returncode != 0:
        raise DsopsError(f"`git {' '.join(args)}` failed in {repo}: {done.stderr.strip()}")
    return done.stdout
