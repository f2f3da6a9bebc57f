"""What the tests of the clock-time parsers are worth: mutation testing with mutmut.

mutmut changes the code in small ways (a `<=` becomes `<`, a 100 becomes 101, a
string becomes another), one change at a time, and runs the tests against each
changed copy, a *mutant*. A mutant the tests fail on is *killed*; one they pass on
*survived*: a change to the code no test would notice. The mutation score is the share
killed.

It never touches the repository: `make_copy` lays out a small project in a temporary
folder with a copy of `dsops/flights/parse.py` (as the package `parsecopy`) and copies
of the chosen test files, whose one import line is pointed at the copy, and mutmut runs
there. `run_bench` (part of `make bench`) runs it twice, with the property tests alone
and with the examples added, and records the scores, a mutant that survived the first
run and the test that kills it in the second.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dsops.shared import benchmarks, paths
from dsops.shared.errors import DsopsError

SOURCE = paths.PROJ_ROOT / "scripts" / "dsops" / "flights" / "parse.py"
TESTS_DIR = paths.PROJ_ROOT / "tests"
PROPERTY_TESTS = TESTS_DIR / "test_flights_parse.py"
EXAMPLE_TESTS = TESTS_DIR / "test_flights_parse_examples.py"
COPY_PACKAGE = "parsecopy"
IMPORT = "from dsops.flights.parse import"
NAME = "mutation-testing"
TIMEOUT = 900  # seconds for one mutmut run

CONFIG = f"""[tool.mutmut]
source_paths = ["src/{COPY_PACKAGE}/"]
pytest_add_cli_args_test_selection = ["tests/"]
"""
# The copy's tests run like the repository's (hypothesis without a deadline, and with
# no example database: nothing is written outside the copy), but derandomised: each
# property test draws the same examples every time, so a mutant's verdict does not
# depend on the luck of the draw and a survivor of the first run meets the same
# property tests in the second.
CONFTEST = """from hypothesis import settings

settings.register_profile("copy", deadline=None, database=None, derandomize=True)
settings.load_profile("copy")
"""


@dataclass(frozen=True)
class MutationRun:
    """The verdict on each mutant of one mutmut run, and how long the run took."""

    folder: Path
    status: dict[str, str]  # mutant name -> killed, survived, no tests, timeout, ...
    seconds: float

    def count(self, status: str) -> int:
        return sum(1 for s in self.status.values() if s == status)

    @property
    def score(self) -> float:
        """Killed mutants as a share of the mutants some test ran against."""
        tested = [s for s in self.status.values() if s in ("killed", "survived", "timeout")]
        return sum(s in ("killed", "timeout") for s in tested) / len(tested) if tested else 0.0

    def survivors(self) -> list[str]:
        return [name for name, status in self.status.items() if status == "survived"]


def make_copy(folder: Path, tests: list[Path]) -> Path:
    """A project mutmut can run in: the parsers as `parsecopy.parse`, the test files with
    their import pointed at it, a conftest and the mutmut configuration."""
    package = folder / "src" / COPY_PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").touch()
    shutil.copyfile(SOURCE, package / "parse.py")
    (folder / "tests").mkdir()
    for test in tests:
        text = test.read_text(encoding="utf-8")
        if IMPORT not in text:
            raise DsopsError(f"{test} does not import the parsers with `{IMPORT}`")
        pointed = text.replace(IMPORT, f"from {COPY_PACKAGE}.parse import")
        (folder / "tests" / test.name).write_text(pointed, encoding="utf-8")
    (folder / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (folder / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    return folder


def _mutmut(folder: Path, *args: str) -> subprocess.CompletedProcess:
    mutmut = Path(sys.executable).parent / "mutmut"
    done = subprocess.run(
        [str(mutmut), *args], cwd=folder, capture_output=True, text=True, timeout=TIMEOUT
    )
    if done.returncode != 0:
        raise DsopsError(f"`mutmut {' '.join(args)}` failed in {folder}: {done.stderr[-500:]}")
    return done


def parse_results(text: str) -> dict[str, str]:
    """`mutmut results --all true` lines (`    name: status`) as name -> status."""
    found = re.findall(r"^\s*([\w.]+__mutmut_\d+): (.+?)\s*$", text, re.M)
    return {name.removeprefix(f"{COPY_PACKAGE}.parse."): status for name, status in found}


def run_mutmut(folder: Path, tests: list[Path], only: str | None = None) -> MutationRun:
    """mutmut on a copy of the parsers in `folder` (which must not exist yet); `only`
    limits it to the mutants of one function (`hhmm_to_minutes`, say)."""
    make_copy(folder, tests)
    started = time.perf_counter()
    _mutmut(folder, "run", *([f"{COPY_PACKAGE}.parse.x_{only}__mutmut_*"] if only else []))
    seconds = time.perf_counter() - started
    status = parse_results(_mutmut(folder, "results", "--all", "true").stdout)
    if only:
        status = {n: v for n, v in status.items() if n.startswith(f"x_{only}__")}
    if not status:
        raise DsopsError(f"mutmut reported no mutants in {folder}")
    return MutationRun(folder=folder, status=status, seconds=seconds)


def show(run: MutationRun, name: str) -> str:
    """The change a mutant makes, as the lines removed and added (`mutmut show`)."""
    diff = _mutmut(run.folder, "show", f"{COPY_PACKAGE}.parse.{name}").stdout
    return "\n".join(line for line in diff.splitlines() if line[:2] in ("- ", "+ "))


def killing_tests(run: MutationRun, name: str) -> list[str]:
    """The tests that fail against one mutant, in the folder where mutmut ran."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "-rf"],
        cwd=run.folder / "mutants",
        env={
            **os.environ,
            "MUTANT_UNDER_TEST": f"{COPY_PACKAGE}.parse.{name}",
            "PYTHONPATH": "src",
        },
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return re.findall(r"^FAILED tests/(\S+?)(?: - .*)?$", done.stdout, re.M)


def summary(run: MutationRun) -> dict[str, float | int]:
    return {
        "mutants": len(run.status),
        "killed": run.count("killed"),
        "survived": run.count("survived"),
        "no_tests": run.count("no tests"),
        "score": round(run.score, 4),
        "seconds": round(run.seconds, 1),
    }


def run_bench(folder: Path = paths.BENCHMARKS_DIR) -> Path:
    """Mutation-test the parsers twice (properties alone, then with the examples) and
    record the scores, one surviving mutant of the first run and the test that kills it."""
    with tempfile.TemporaryDirectory(prefix="dsops-mutation-") as scratch:
        before = run_mutmut(Path(scratch) / "properties", [PROPERTY_TESTS])
        after = run_mutmut(Path(scratch) / "examples", [PROPERTY_TESTS, EXAMPLE_TESTS])
        killed_later = [n for n in before.survivors() if after.status.get(n) == "killed"]
        if not killed_later:
            raise DsopsError("no mutant that survived the properties is killed by the examples")
        example = killed_later[0]
        figures = {
            "properties": summary(before),
            "properties_and_examples": summary(after),
            "survivor": {
                "name": example,
                "change": show(before, example),
                "killed_by": ", ".join(killing_tests(after, example)),
            },
            "still_surviving": {
                name: show(after, name).replace("\n", " / ") for name in after.survivors()
            }
            or {"none": ""},
        }
    return benchmarks.record(
        NAME,
        "mutmut on a copy of dsops/flights/parse.py (the clock-time parsers of recipe 1): "
        "first against the property tests (tests/test_flights_parse.py) alone, then with "
        "the examples (tests/test_flights_parse_examples.py) added; each mutant's verdict, "
        "the score (killed over mutants a test ran against), a mutant that survived the "
        "first run with the change it makes and the tests that kill it in the second, and "
        "the mutants still surviving.",
        "mutmut run in a temporary folder holding the copy (as the package parsecopy) and "
        "copies of the test files with their import pointed at it; wall-clock seconds of "
        "each `mutmut run`, once each.",
        json.loads(json.dumps(figures)),
        folder,
    )
