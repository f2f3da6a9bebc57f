"""Shared fixtures and the suite's own rules.

- Hypothesis runs with no deadline (2-core machines are slow and uneven) and keeps its
  example database outside the repository.
- The suite writes nothing into the work tree: `git status --ignored` is compared
  before and after the session (only `.pytest_cache/` and `__pycache__/` may appear);
  a difference fails the run and names the paths.
"""

import builtins
import csv
import errno
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase
from typer.testing import CliRunner

from dsops.shared import paths

# Hypothesis keeps its example database and its other files (such as the constants it
# collects) outside the repository, so a test run leaves the work tree as it found it.
HYPOTHESIS_HOME = Path(tempfile.gettempdir()) / "dsops-hypothesis"
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(HYPOTHESIS_HOME))
# Pipeline steps run by tests append their audit entries here, not to data/audit/.
os.environ.setdefault(
    "DSOPS_AUDIT_LOG", str(Path(tempfile.gettempdir()) / "dsops-test-audit.jsonl")
)

settings.register_profile(
    "dsops",
    deadline=None,
    database=DirectoryBasedExampleDatabase(HYPOTHESIS_HOME / "examples"),
)
settings.load_profile("dsops")
# Fewer examples, for a run that shows the tests rather than hunts for bugs (the unit
# tests page runs some in-process): `pytest --hypothesis-profile=dsops-quick`.
settings.register_profile("dsops-quick", parent=settings.get_profile("dsops"), max_examples=20)

ALLOWED_NEW = (".pytest_cache/", "__pycache__/")


def work_tree_state(root: Path = paths.PROJ_ROOT) -> set[str] | None:
    """`git status --ignored --porcelain` lines, or None outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "status", "--ignored", "--porcelain", "--untracked-files=all"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return set(done.stdout.splitlines())


def tree_changes(before: set[str], after: set[str]) -> list[str]:
    """Status lines that appeared or vanished, less the caches pytest and Python keep."""
    changed = before.symmetric_difference(after)
    return sorted(line for line in changed if not any(part in line for part in ALLOWED_NEW))


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # pytest-xdist workers have workerinput


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_controller(session.config):
        session.config.stash[_STASH] = work_tree_state()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _is_controller(session.config) or os.environ.get("DSOPS_SKIP_TREE_CHECK") == "1":
        return
    before = session.config.stash.get(_STASH, None)
    after = work_tree_state()
    if before is None or after is None:
        print("\nnote: not a git checkout, so the suite could not check it wrote nothing.")
        return
    changes = tree_changes(before, after)
    if changes:
        print(
            "\nerror: the test suite changed the work tree (tests must write to tmp_path):\n"
            + "\n".join(f"  {line}" for line in changes)
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_STASH = pytest.StashKey[set[str] | None]()


@pytest.fixture(scope="session")
def raw_table() -> tuple[list[str], list[list[str]]]:
    """Header and rows of the real raw export."""
    with open(paths.RAW_PENGUINS, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_rows(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    lineterminator: str = "\r\n",
    encoding: str = "utf-8",
) -> Path:
    """Write a header and rows as CSV to `path` and return it."""
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle, lineterminator=lineterminator).writerows([header, *rows])
    return path


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write a header and rows to tmp_path/name and return the path."""

    def write(name: str, header: list[str], rows: list[list[str]]) -> Path:
        return write_rows(tmp_path / name, header, rows)

    return write


@pytest.fixture
def runner() -> Iterator[CliRunner]:
    """Invokes a command as a shell would. A command's `--verbose` points the root
    logger at the runner's stderr, which is closed afterwards: the logger's handlers
    are put back so later tests do not log into a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield CliRunner()
    root.handlers[:] = handlers
    root.setLevel(level)


def installed_tool(name: str) -> str:
    """A command of the project environment: beside this Python first, then on PATH."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.is_file() else shutil.which(name)
    assert found, f"{name} is not installed: run `make setup`"
    return found


class FolderHolder:
    """Another process holding the lock on writing a folder (dsops.shared.files
    one_writer), as a run would; it lets go only when told, then (optionally) puts a file
    in place, as a run finishing its write would."""

    def __init__(self, target: Path, finish_with: Path | None = None) -> None:
        finish = f"    shutil.copyfile({str(finish_with)!r}, {str(target)!r})\n"
        script = (
            "import shutil, sys\n"
            "from pathlib import Path\n"
            "from dsops.shared.files import one_writer\n"
            f"with one_writer([Path({str(target)!r})]):\n"
            "    print('held', flush=True)\n"
            "    sys.stdin.readline()\n" + (finish if finish_with else "")
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout.readline().strip() == "held"

    def let_go(self) -> None:
        self.process.stdin.write("go\n")
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


def wait_for_line(process: subprocess.Popen, text: str, timeout: float = 120) -> list[str]:
    """Lines of the process's stderr up to the first that holds `text`; fails the test
    if none does within `timeout` seconds or the process ends first."""
    import select
    import time

    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 1.0)
        if not ready:
            continue
        line = process.stderr.readline()
        if not line:
            pytest.fail(f"the process ended before saying {text!r}: {seen}")
        seen.append(line)
        if text in line:
            return seen
    pytest.fail(f"no line with {text!r} within {timeout} s: {seen}")


@pytest.fixture(scope="session")
def tool() -> Callable[[str], str]:
    return installed_tool


REQUIRE_BROWSER = "DSOPS_REQUIRE_BROWSER"


def browser_tools_or_skip() -> None:
    """Skip, naming what is missing and how to install it, unless Chromium (or
    CHROME_PATH), Node.js, the npm packages of tools/browser and Playwright are all there;
    with DSOPS_REQUIRE_BROWSER=1 (set in CI) a missing tool fails instead."""
    from dsops.shared.errors import DsopsError
    from sitebuild import browser

    try:
        browser.chrome_path()
        browser.node_path()
        browser.lighthouse_cli()
        browser.axe_script()
        import playwright.sync_api  # noqa: F401
    except (DsopsError, ImportError) as err:
        reason = f"browser tests need their tools, and {err}"
        if os.environ.get(REQUIRE_BROWSER) == "1":
            pytest.fail(f"{REQUIRE_BROWSER}=1 but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_tools() -> None:
    browser_tools_or_skip()


def solution_runner(project, chdir: Callable[[Path], None]) -> Callable[[str, str], dict]:
    """Run a page's solution cell exactly as the page shows it; return its variables."""
    from sitebuild.pages import parse_qmd

    def run(page: str, label: str) -> dict:
        path = project.root / page
        cells = {cell.label: cell for cell in parse_qmd(path, project).cells}
        assert label in cells, f"{page} has no cell labelled {label!r}"
        chdir(project.working_dir(path))
        namespace: dict = {"__name__": "__solution__"}
        exec(compile(cells[label].source, f"{page}:{cells[label].line}", "exec"), namespace)
        return namespace

    return run


@pytest.fixture
def run_solution(monkeypatch) -> Callable[[str, str], dict]:
    """An exercise's solution cell from one of the site's pages, run as shown."""
    from sitebuild.project import load_project

    return solution_runner(load_project(), monkeypatch.chdir)


@pytest.fixture
def few_flights():
    """Three flights by hand: a departed one, a cancelled one, and one leaving at 2400."""
    import pandas as pd

    return pd.DataFrame(
        {
            "flight_id": [1, 2, 3],
            "year": [2013, 2013, 2013],
            "month": [1, 1, 1],
            "day": [1, 1, 31],
            "dep_time": pd.array([517, None, 2400], dtype="Int64"),
            "sched_dep_time": pd.array([515, 600, 2359], dtype="Int64"),
            "arr_time": pd.array([830, None, 105], dtype="Int64"),
            "sched_arr_time": pd.array([819, 800, 100], dtype="Int64"),
            "tailnum": pd.array(["N14228", None, "N0000X"], dtype="str"),
            "origin": pd.array(["EWR", "LGA", "JFK"], dtype="str"),
            "time_hour": pd.array(
                ["2013-01-01T10:00:00Z", "2013-01-01T11:00:00Z", "2013-02-01T04:00:00Z"],
                dtype="str",
            ),
        }
    )


@pytest.fixture
def unreadable(monkeypatch):
    """Makes a file unreadable: no read permission, and where the tests run as root (who
    reads anything), `open` refusing it as it refuses any other user."""

    def make(path: Path) -> Path:
        path.chmod(0)
        real_open = builtins.open

        def refusing(file, *args, **kwargs):
            if isinstance(file, str | os.PathLike) and Path(file) == path:
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        if os.geteuid() == 0:
            monkeypatch.setattr(builtins, "open", refusing)
        return path

    return make


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of the system's packages, in a temporary folder on loopback,
    started once per test session (per pytest-xdist worker) and always stopped. Skipped,
    saying why, where the server programs are missing; under CI=true (where `make test`
    installs them) nothing skips: a missing or failing server fails the tests."""
    from dsops.shared import postgres

    reason = postgres.unavailable()
    if reason and os.environ.get("CI") != "true":
        pytest.skip(f"the PostgreSQL tests need a server: {reason}")
    server = postgres.TemporaryPostgres()
    try:
        yield server.start()
    finally:
        server.stop()


# --- the flights drop folder (recipe 2's organise step) ---------------------------------


@pytest.fixture(scope="session")
def drop_template(tmp_path_factory) -> Path:
    """The page's drop folder of monthly exports, made once; tests organise copies of it."""
    from dsops.flights.samples import make_drop_folder

    return make_drop_folder(tmp_path_factory.mktemp("template") / "drop")


@pytest.fixture
def drop(tmp_path: Path, drop_template: Path) -> Path:
    """A fresh copy of the drop folder for one test."""
    return Path(shutil.copytree(drop_template, tmp_path / "drop"))
