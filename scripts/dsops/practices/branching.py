"""Source control and branching, shown on throwaway git repositories.

Two demonstrations, each in a folder the caller creates and removes:

- An analyst's and an engineer's changes to the same small analysis, once as a Quarto
  page (`.qmd`, plain text) and once as a Jupyter notebook (`.ipynb`, JSON that also
  stores what running it printed). Each works on a branch and runs the document; the
  two branches are then merged.
- The same six changes delivered two ways: trunk-based (short branches merged the day
  they start) and on long-lived branches, written with fixed dates so `git log --graph`
  and the branch lifetimes read from it are the same on every machine.

Every git command goes through `dsops.practices.gitdemo`: a role's identity and the
default branch on the command line, the machine's own git configuration ignored.
"""

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat
import pandas as pd

from dsops.practices.gitdemo import git, git_process
from dsops.practices.terminal import plain_env
from dsops.shared.errors import DsopsError

RUN_TIMEOUT = 120  # seconds; the notebook's one cell runs in milliseconds

# --- one analysis, as a page and as a notebook -----------------------------------------

INTRO = "Mean body mass of three birds of each species."
CODE = (
    'masses = {"Adelie": [3750, 3800, 3250], "Gentoo": [5400, 5650, 5300]}\n'
    "for species, grams in masses.items():\n"
    "    print(species, sum(grams) / len(grams))"
)
CONCLUSION = "Gentoo penguins are heavier."

# The analyst rewrites the conclusion; the engineer formats the printed numbers.
ANALYST_CONCLUSION = "Gentoo penguins are heavier than Adelie penguins, by about 1.8 kg."
ENGINEER_CODE = CODE.replace(
    "print(species, sum(grams) / len(grams))",
    'print(f"{species}: {sum(grams) / len(grams):,.0f} g")',
)
BRANCHES = {"analyst": "analyst-conclusion", "engineer": "engineer-format"}
KINDS = {"page": "mass.qmd", "notebook": "mass.ipynb"}


def page_text(conclusion: str = CONCLUSION, code: str = CODE) -> str:
    """The analysis as a Quarto page: prose and a code cell in one plain-text file."""
    return (
        f'---\ntitle: "Body mass by species"\n---\n\n{INTRO}\n\n'
        f"```{{python}}\n{code}\n```\n\n{conclusion}\n"
    )


def notebook_text(conclusion: str = CONCLUSION, code: str = CODE) -> str:
    """The same analysis as a Jupyter notebook, without outputs, as nbformat writes it."""
    notebook = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        }
    )
    notebook.cells = [
        nbformat.v4.new_markdown_cell(INTRO, id="intro"),
        nbformat.v4.new_code_cell(code, id="masses"),
        nbformat.v4.new_markdown_cell(conclusion, id="conclusion"),
    ]
    return nbformat.writes(notebook) + "\n"


def run_notebooks(*paths: Path) -> None:
    """Run notebooks in place, as a reader's Jupyter does when they press "Run all": their
    outputs, execution counts and timings are written into the files. Each runs in its
    own process, at the same time, as two people's would."""
    runner = Path(sys.executable).parent / "jupyter-execute"
    running = [
        (
            path,
            subprocess.Popen(
                [str(runner), "--inplace", str(path)],
                cwd=path.parent,
                env=plain_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for path in paths
    ]
    for path, process in running:
        _, stderr = process.communicate(timeout=RUN_TIMEOUT)
        if process.returncode != 0:
            raise DsopsError(f"{path.name} failed to run: {stderr.strip()[-500:]}")


def strip_outputs(path: Path) -> None:
    """Remove what running wrote into a notebook (outputs, execution counts, cell
    metadata), as nbstripout does before a commit; the code and prose stay."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("language_info", None)
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Merge:
    """Two branches' changes to one file, merged into main one after the other."""

    kind: str  # "page" or "notebook"
    file: str
    clean: bool  # the second merge went through without a conflict
    diffs: dict[str, str]  # role -> `git diff` of the file between main and its branch
    committed: dict[str, str]  # role -> the file as the role committed it
    conflicts: int  # conflict blocks (<<<<<<< ... >>>>>>>) left in the file
    merged: str  # the file after the second merge, with any conflict markers
    message: str  # what git printed for the second merge

    def diff_lines(self, role: str) -> int:
        """Lines the role's diff adds or removes."""
        return sum(
            1
            for line in self.diffs[role].splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )

    def opens(self) -> bool:
        """Whether the merged file is still a document its tool can read (a notebook is
        JSON: with conflict markers in it, Jupyter cannot open it)."""
        if self.kind == "page":
            return True
        try:
            json.loads(self.merged)
        except json.JSONDecodeError:
            return False
        return True


def merge_two_changes(folder: Path, kind: str, run: bool = True, strip: bool = False) -> Merge:
    """In a new repository in `folder`: main holds the analysis; the analyst rewrites the
    conclusion on one branch, the engineer the print line on another, each in their own
    working copy (a git worktree), each runs the document (`run`; only a notebook keeps
    what running printed) and, if `strip`, strips the notebook's outputs before
    committing. Both branches are then merged into main."""
    if kind not in KINDS:
        raise DsopsError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}.")
    text = page_text if kind == "page" else notebook_text
    name = KINDS[kind]
    repo = folder / f"{kind}-repo"
    repo.mkdir(parents=True)
    path = repo / name
    git(repo, "init", "--quiet")
    path.write_text(text(), encoding="utf-8")
    git(repo, "add", name)
    git(repo, "commit", "--quiet", "-m", "Add the body mass analysis")

    changes = {
        "analyst": text(conclusion=ANALYST_CONCLUSION),
        "engineer": text(code=ENGINEER_CODE),
    }
    copies = {role: folder / f"{kind}-{role}" for role in changes}
    for role, changed in changes.items():
        git(repo, "worktree", "add", "--quiet", "-b", BRANCHES[role], str(copies[role]), "main")
        (copies[role] / name).write_text(changed, encoding="utf-8")
    if kind == "notebook" and run:
        run_notebooks(*(copy / name for copy in copies.values()))
    committed: dict[str, str] = {}
    for role, copy in copies.items():
        if kind == "notebook" and strip:
            strip_outputs(copy / name)
        git(copy, "commit", "--quiet", "-am", f"{role}: {BRANCHES[role]}", role=role)
        committed[role] = (copy / name).read_text(encoding="utf-8")
    diffs = {
        role: git(repo, "diff", "main", branch, "--", name) for role, branch in BRANCHES.items()
    }

    git(repo, "merge", "--no-ff", "--no-edit", BRANCHES["analyst"])
    second = git_process(repo, "merge", "--no-ff", "--no-edit", BRANCHES["engineer"])
    merged = path.read_text(encoding="utf-8")
    return Merge(
        kind=kind,
        file=name,
        clean=second.returncode == 0,
        diffs=diffs,
        committed=committed,
        conflicts=merged.count("\n<<<<<<< ") + merged.startswith("<<<<<<< "),
        merged=merged,
        message=(second.stdout + second.stderr).strip(),
    )


def conflict_excerpt(merged: str, context: int = 2, limit: int = 40) -> str:
    """The conflict blocks of a merged file, with `context` lines around each, at most
    `limit` lines in all."""
    lines = merged.splitlines()
    keep: set[int] = set()
    inside = False
    for number, line in enumerate(lines):
        if line.startswith("<<<<<<< "):
            inside = True
            keep.update(range(max(0, number - context), number))
        if inside:
            keep.add(number)
        if line.startswith(">>>>>>> "):
            inside = False
            keep.update(range(number + 1, min(len(lines), number + 1 + context)))
    shown, previous = [], None
    for number in sorted(keep):
        if previous is not None and number != previous + 1:
            shown.append("…")
        shown.append(lines[number])
        previous = number
    if len(shown) > limit:
        shown = [*shown[:limit], "…"]
    return "\n".join(shown)


# --- the same work, delivered two ways -------------------------------------------------


@dataclass(frozen=True)
class Work:
    """A change: a commit by `role` at `at`, on `branch` (created from main when it is
    first used) or straight on main when `branch` is None."""

    at: str  # ISO date and time, UTC
    subject: str
    role: str = "analyst"
    branch: str | None = None


@dataclass(frozen=True)
class MergeInto:
    """`branch` merged into main at `at` (`--no-ff`, so the graph keeps its shape)."""

    at: str
    branch: str
    role: str = "engineer"


# Six changes, three an analyst's and three an engineer's, and one urgent fix.
TRUNK_BASED = [
    Work("2024-03-04T09:00+00:00", "Clean the species names", "engineer", "species-names"),
    MergeInto("2024-03-04T11:00+00:00", "species-names"),
    Work("2024-03-04T10:00+00:00", "Summarise body mass", "analyst", "mass-summary"),
    MergeInto("2024-03-04T15:00+00:00", "mass-summary", "analyst"),
    Work("2024-03-05T09:00+00:00", "Validate the raw export", "engineer", "validate-raw"),
    MergeInto("2024-03-05T12:00+00:00", "validate-raw"),
    Work("2024-03-05T14:00+00:00", "Plot mass by island", "analyst", "mass-plot"),
    MergeInto("2024-03-05T16:00+00:00", "mass-plot", "analyst"),
    Work("2024-03-06T09:30+00:00", "Fix the island labels", "engineer"),
    Work("2024-03-07T09:00+00:00", "Store the model with its card", "engineer", "model-card"),
    MergeInto("2024-03-07T13:00+00:00", "model-card"),
    Work("2024-03-07T10:00+00:00", "Fit the body mass model", "analyst", "mass-model"),
    MergeInto("2024-03-07T16:00+00:00", "mass-model", "analyst"),
]
LONG_LIVED = [
    Work("2024-03-04T09:00+00:00", "Clean the species names", "engineer", "pipeline"),
    Work("2024-03-04T10:00+00:00", "Summarise body mass", "analyst", "analysis"),
    Work("2024-03-05T09:00+00:00", "Validate the raw export", "engineer", "pipeline"),
    Work("2024-03-05T14:00+00:00", "Plot mass by island", "analyst", "analysis"),
    Work("2024-03-06T09:30+00:00", "Fix the island labels", "engineer"),
    Work("2024-03-07T09:00+00:00", "Store the model with its card", "engineer", "pipeline"),
    Work("2024-03-07T10:00+00:00", "Fit the body mass model", "analyst", "analysis"),
    MergeInto("2024-03-13T11:00+00:00", "pipeline"),
    MergeInto("2024-03-14T15:00+00:00", "analysis", "analyst"),
]
STRATEGIES = {"trunk-based": TRUNK_BASED, "long-lived branches": LONG_LIVED}


def write_strategy(repo: Path, steps: list[Work | MergeInto]) -> Path:
    """Create a repository in `repo` and play `steps` into it, in order of time."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet")
    start = datetime.fromisoformat(steps[0].at).replace(hour=8, minute=0)
    (repo / "README.md").write_text("Penguins analysis\n", encoding="utf-8")
    git(repo, "add", "README.md", at=start)
    git(repo, "commit", "--quiet", "-m", "Start the project", at=start)
    branches: set[str] = set()
    for step in sorted(steps, key=lambda s: s.at):
        at = datetime.fromisoformat(step.at)
        match step:
            case Work(subject=subject, role=role, branch=branch):
                if branch and branch not in branches:
                    git(repo, "branch", branch, "main")
                    branches.add(branch)
                git(repo, "switch", "--quiet", branch or "main")
                name = subject.lower().replace(" ", "-") + ".txt"
                (repo / name).write_text(subject + "\n", encoding="utf-8")
                git(repo, "add", name, role=role, at=at)
                git(repo, "commit", "--quiet", "-m", subject, role=role, at=at)
            case MergeInto(branch=branch, role=role):
                git(repo, "switch", "--quiet", "main")
                message = f"Merge {branch}"
                git(repo, "merge", "--no-ff", "--quiet", "-m", message, branch, role=role, at=at)
    git(repo, "switch", "--quiet", "main")
    return repo


def graph(repo: Path) -> str:
    """`git log --graph` of main, oldest change at the bottom, as git draws it."""
    return git(repo, "log", "--graph", "--date=format:%a %d %H:%M", "--format=%ad %an: %s")


def merged_branches(repo: Path) -> pd.DataFrame:
    """Each merge into main: the branch, how long it lived (from its first commit to the
    merge, in hours), its commits, and the commits main had gained meanwhile that the
    branch had never seen (what a merge has to reconcile)."""
    rows = []
    merges = git(repo, "log", "--merges", "--first-parent", "--format=%H %cI %P %s", "main")
    for line in reversed(merges.splitlines()):
        _, merged_at, main_side, branch_side, *subject = line.split()
        own = git(repo, "log", "--format=%cI", f"{main_side}..{branch_side}").split()
        unseen = git(repo, "rev-list", "--count", f"{branch_side}..{main_side}").strip()
        lived = datetime.fromisoformat(merged_at) - datetime.fromisoformat(own[-1])
        rows.append(
            {
                "branch": subject[-1],
                "hours": lived.total_seconds() / 3600,
                "commits": len(own),
                "unseen": int(unseen),
            }
        )
    return pd.DataFrame(rows, columns=["branch", "hours", "commits", "unseen"])


# --- a gate before the commit ------------------------------------------------------------

# A pre-commit hook is a program git runs before it records a commit; a non-zero exit
# stops the commit. This one refuses a staged notebook that carries outputs (nbformat
# writes `"outputs": []` for a cell without any, and `"outputs": [` then a new line for
# one with some).
OUTPUTS_HOOK = """#!/bin/sh
status=0
for notebook in $(git diff --cached --name-only --diff-filter=ACM -- '*.ipynb'); do
    if git show ":$notebook" | grep -q '"outputs": \\[$'; then
        echo "$notebook has outputs: clear them (Jupyter: Clear All Outputs) and add it again."
        status=1
    fi
done
exit $status
"""


@dataclass(frozen=True)
class Attempt:
    what: str
    exit_code: int
    said: str


def gate_demo(folder: Path, ran: str) -> list[Attempt]:
    """A repository with the outputs hook installed: the engineer commits `ran`, a
    notebook as it was after running it (refused), then with its outputs stripped
    (recorded)."""
    repo = folder / "gate-repo"
    repo.mkdir(parents=True)
    git(repo, "init", "--quiet")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(OUTPUTS_HOOK, encoding="utf-8")
    hook.chmod(0o755)
    path = repo / KINDS["notebook"]
    path.write_text(ran, encoding="utf-8")
    attempts = []
    for what in ("run, with its outputs", "outputs stripped"):
        if what == "outputs stripped":
            strip_outputs(path)
        git(repo, "add", path.name, role="engineer")
        done = git_process(repo, "commit", "--quiet", "-m", "Add the analysis", role="engineer")
        attempts.append(Attempt(what, done.returncode, (done.stdout + done.stderr).strip()))
    return attempts
