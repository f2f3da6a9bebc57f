"""This repository's test suite as data, for a page that describes it: its test
functions by level (read from the test files, not run), the pre-commit hooks and the CI
jobs that run it, and an in-process pytest run with line coverage.

A test's level is its marker: `pages` (the page runner executes every page),
`render` (the rendered site), `browser` (Chromium, Lighthouse), `workflows` (the CI
definitions); a test with none of them is a package test.
"""

import ast
import importlib
import io
import re
import sys
from pathlib import Path

import pandas as pd
import yaml

from dsops.shared import paths

TESTS_DIR = paths.PROJ_ROOT / "tests"
LEVELS = {
    "package": "package tests: functions and steps, in-process",
    "pages": "page runner: every page executed in a fresh kernel",
    "render": "render checks: the site Quarto built",
    "browser": "browser checks: Chromium, axe-core, Lighthouse",
    "workflows": "workflow checks: the CI definitions",
}


def _marks(node: ast.AST) -> set[str]:
    """Marker names in `pytest.mark.X`, `pytest.mark.X(...)` or a list of them."""
    found = set()
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Attribute)
            and isinstance(sub.value, ast.Attribute)
            and sub.value.attr == "mark"
        ):
            found.add(sub.attr)
    return found


def test_functions(path: Path) -> list[tuple[str, str]]:
    """(test function, level) for each test function of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_marks = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            module_marks |= _marks(node.value)
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            marks = module_marks | set().union(*(_marks(d) for d in node.decorator_list))
            level = next((level for level in LEVELS if level in marks), "package")
            found.append((node.name, level))
    return found


def inventory(tests_dir: Path = TESTS_DIR) -> pd.DataFrame:
    """Test files and test functions per level (a parametrised function counts once)."""
    rows = [
        (path.name, name, level)
        for path in sorted(tests_dir.glob("test_*.py"))
        for name, level in test_functions(path)
    ]
    frame = pd.DataFrame(rows, columns=["file", "test", "level"])
    counts = frame.groupby("level").agg(files=("file", "nunique"), tests=("test", "size"))
    counts = counts.reindex(list(LEVELS)).fillna(0).astype(int).reset_index()
    return counts.assign(what=counts["level"].map(LEVELS))


def pre_commit_hooks(config: Path = paths.PROJ_ROOT / ".pre-commit-config.yaml") -> list[str]:
    """The hook ids `make lint` (pre-commit) runs, in order."""
    repos = yaml.safe_load(config.read_text(encoding="utf-8"))["repos"]
    return [hook["id"] for repo in repos for hook in repo["hooks"]]


def ci_jobs(workflow: Path = paths.PROJ_ROOT / ".github" / "workflows" / "build.yml") -> dict:
    """Each job of a GitHub Actions workflow and the `make` targets its steps run."""
    jobs = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]
    return {
        name: [
            word
            for step in job.get("steps", [])
            for line in str(step.get("run", "")).splitlines()
            if line.strip().startswith("make ")
            for word in [line.split()[1]]
        ]
        for name, job in jobs.items()
    }


# Options for a run inside another program: no cache folder, no colour codes, plain
# asserts (rewriting them in every imported test helper is slow), output
# through sys.stdout, and without the pytest plugins of other libraries that a unit test
# of this repository does not use (importing them takes most of a run's time).
QUIET = [
    "-p", "no:cacheprovider", "--capture=sys", "--color=no", "--assert=plain",
    "-p", "no:schemathesis", "-p", "no:hydra_pytest", "-p", "no:typeguard",
    "-p", "no:anyio", "-p", "no:xdist", "-p", "no:xdist.looponfail",
]  # fmt: skip


def parallel_workers(makefile: Path = paths.PROJ_ROOT / "Makefile") -> int:
    """How many pytest-xdist workers `make test` starts (its `pytest -n N`)."""
    found = re.search(r"pytest -n (\d+)", makefile.read_text(encoding="utf-8"))
    return int(found.group(1)) if found else 1


def run_with_coverage(args: list[str], module: str) -> tuple[int, str, str]:
    """Run pytest in this process with `args`, measuring which lines of `module` run
    (coverage.py). Returns pytest's exit code, its report and the coverage report."""
    import coverage
    import pytest

    source = importlib.import_module(module)
    measure = coverage.Coverage(include=[source.__file__], data_file=None)
    measure.start()
    try:
        importlib.reload(source)  # count the lines that run when the module is imported
        report = io.StringIO()
        stdout, sys.stdout = sys.stdout, report
        try:
            code = pytest.main([*QUIET, *args])
        finally:
            sys.stdout = stdout
    finally:
        measure.stop()
    lines = io.StringIO()
    measure.report(show_missing=True, file=lines)
    return int(code), report.getvalue(), lines.getvalue()
