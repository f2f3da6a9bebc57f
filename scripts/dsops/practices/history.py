"""A scripted delivery history: two weeks of commits, deployments, a revert and a fix,
written into a throwaway git repository so that the DORA metrics read from it have
answers known in advance (the tests work them out by hand).

A deployment is an annotated tag `deploy-NN` (its tagger date is when it went live). A
revert is `git revert`, which writes "This reverts commit <hash>." into its message; a
fix names the commit it repairs in a `Fixes: <hash>` trailer, as the Linux kernel does.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dsops.practices.gitdemo import git


@dataclass(frozen=True)
class Commit:
    at: str  # ISO date and time, UTC
    subject: str
    role: str = "analyst"
    name: str | None = None  # how a later revert or fix refers to this commit


@dataclass(frozen=True)
class Revert:
    at: str
    of: str  # the name of the commit it reverts
    role: str = "engineer"


@dataclass(frozen=True)
class Fix:
    at: str
    subject: str
    of: str  # the name of the commit it repairs
    role: str = "analyst"


@dataclass(frozen=True)
class Deploy:
    at: str
    role: str = "engineer"


Step = Commit | Revert | Fix | Deploy

TWO_WEEKS: list[Step] = [
    Commit("2024-03-04T09:00+00:00", "Add the penguins cleaning step"),
    Commit("2024-03-04T14:00+00:00", "Check species names against a list"),
    Deploy("2024-03-05T10:00+00:00"),
    Commit("2024-03-06T11:00+00:00", "Summarise body mass by island"),
    Deploy("2024-03-06T15:00+00:00"),
    Commit("2024-03-07T09:30+00:00", "Show body mass in kilograms", name="kilograms"),
    Deploy("2024-03-07T10:00+00:00"),  # the dashboard's mass axis breaks
    Revert("2024-03-07T11:00+00:00", of="kilograms"),
    Deploy("2024-03-07T11:30+00:00"),
    Commit("2024-03-11T09:00+00:00", "Count flights in one pass", role="engineer", name="one-pass"),
    Commit("2024-03-11T13:00+00:00", "Document the model card"),
    Deploy("2024-03-11T16:00+00:00"),  # cancelled flights vanish from the counts
    Fix("2024-03-12T10:00+00:00", "Keep cancelled flights in the counts", of="one-pass"),
    Deploy("2024-03-12T12:00+00:00"),
    Commit("2024-03-13T09:00+00:00", "Plot delays by hour"),
    Deploy("2024-03-15T09:00+00:00"),
]
# The window the metrics are computed over: the two weeks, Monday to Sunday.
WINDOW = (
    datetime.fromisoformat("2024-03-04T00:00+00:00"),
    datetime.fromisoformat("2024-03-18T00:00+00:00"),
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write_history(repo: Path, steps: list[Step] = TWO_WEEKS) -> Path:
    """Create a git repository in `repo` (an empty or new folder) and play `steps` into it."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet")
    commits: dict[str, str] = {}  # name -> full hash
    deployments = 0
    for step in steps:
        at = datetime.fromisoformat(step.at)
        match step:
            case Commit(subject=subject, role=role, name=name):
                (repo / f"{slug(subject)}.txt").write_text(subject + "\n", encoding="utf-8")
                git(repo, "add", "--all", role=role, at=at)
                git(repo, "commit", "--quiet", "-m", subject, role=role, at=at)
                if name:
                    commits[name] = git(repo, "rev-parse", "HEAD").strip()
            case Revert(of=name, role=role):
                git(repo, "revert", "--no-edit", commits[name], role=role, at=at)
            case Fix(subject=subject, of=name, role=role):
                (repo / f"{slug(subject)}.txt").write_text(subject + "\n", encoding="utf-8")
                git(repo, "add", "--all", role=role, at=at)
                message = f"{subject}\n\nFixes: {commits[name][:12]}"
                git(repo, "commit", "--quiet", "-m", message, role=role, at=at)
            case Deploy(role=role):
                deployments += 1
                tag = f"deploy-{deployments:02d}"
                git(repo, "tag", "-a", tag, "-m", f"Deployed {tag}", role=role, at=at)
    return repo
