"""Build, reuse or buy, measured: the three validators of the flights rules compared on
what they cost (lines of code, packages, installed bytes, import time), how fast they
check the real table, and what they say about the same five bad inputs; and whether
the heavier products install with this project's locked packages at all.

`run` (part of `make bench`) measures everything and writes
data/benchmarks/validators.json; the page reads that record, since importing Great
Expectations alone takes seconds.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from dsops.flights.validators import by_hand, rules, with_pandera
from dsops.shared import benchmarks, footprint, paths

NAME = "validators"
VALIDATORS = paths.PROJ_ROOT / "scripts" / "dsops" / "flights" / "validators"
# Each approach: its module, and the package it adds on top of pandas.
APPROACHES = {
    "by hand": ("by_hand", None),
    "pandera": ("with_pandera", "pandera"),
    "Great Expectations": ("with_gx", "great-expectations"),
}
# The heavier products tried against this project's lock, besides Great Expectations.
TRIED = ["soda-core-duckdb", "soda-core-pandas-dask"]
MESSAGE_CHARS = 160  # a message is shown up to here
REPEAT = 5  # calls on the real table
IMPORT_REPEAT = 5  # fresh interpreters per module
RULES_MODULE = "dsops.flights.validators.rules"


def uv_command() -> str:
    """The uv that runs this process (uv run sets UV), or the one on PATH or in .tools."""
    return os.environ.get("UV") or shutil.which("uv") or str(paths.PROJ_ROOT / ".tools/uv/bin/uv")


def conclusion(message: str) -> str:
    """The resolver's last paragraph before its hints: why the requirement cannot be
    met, in its own words."""
    paragraphs = [p for p in message.split("\n\n") if p.strip()]
    reasons = [p for p in paragraphs if not p.lstrip().startswith("hint:")]
    return " ".join(reasons[-1].split()) if reasons else ""


def try_adding(requirement: str, project: Path = paths.PROJ_ROOT) -> dict[str, str | int]:
    """`uv add --no-sync <requirement>` on a copy of the project's pyproject.toml and
    uv.lock in a temporary folder: did it resolve, and if not, why (the repository is
    untouched)."""
    with tempfile.TemporaryDirectory(prefix="dsops-try-") as scratch:
        for name in ("pyproject.toml", "uv.lock", "README.md"):
            shutil.copyfile(project / name, Path(scratch) / name)
        done = subprocess.run(
            [uv_command(), "add", "--no-sync", "--no-progress", requirement],
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "NO_COLOR": "1"},
        )
    return {
        "requirement": requirement,
        "resolves": "yes" if done.returncode == 0 else "no",
        "why": "" if done.returncode == 0 else conclusion(done.stderr),
        "message_lines": len(done.stderr.splitlines()),
    }


def packages(lock: Path = footprint.LOCK) -> dict[str, dict]:
    """Per approach: the packages it needs with pandas (total), those pandas does not
    need (added) and, of those, the ones nothing else in this project needs (new)."""
    locked = footprint.lock_packages(lock)
    project = locked["dsops"]  # its own dependencies and the pipeline group's (not dev)
    pipeline = project.get("dev-dependencies", {}).get("pipeline", [])
    direct = [d["name"] for d in [*project["dependencies"], *pipeline]]
    base = footprint.closure(locked, ["pandas"])
    figures = {}
    for approach, (_, root) in APPROACHES.items():
        total = footprint.closure(locked, ["pandas", *([root] if root else [])])
        others = footprint.closure(locked, [d for d in direct if d != root])
        added = total - base
        figures[approach] = {
            "total": len(total),
            "added": sorted(added),
            "new_to_project": sorted(total - others),
        }
    return figures


def trimmed(messages: list[str]) -> list[str]:
    """Each message on one line, without any traceback it carries, cut at MESSAGE_CHARS."""
    shown = []
    for text in messages:
        before_traceback = text.split("Traceback (most recent call last)")[0]
        line = " ".join(before_traceback.split())
        shown.append(line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…")
    return shown


def run_seconds(check, frame, repeat: int = REPEAT) -> dict[str, float | int]:
    """Wall-clock seconds of `check(frame)`, median of `repeat` runs, and whether the
    table passed."""
    seconds, passed = [], True
    for _ in range(repeat):
        started = time.perf_counter()
        passed = passed and not check(frame)
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 3), "runs": repeat, "passed": passed}


class NetworkCalls:
    """Counts the socket calls this process attempts while `counting` is true (an audit
    hook cannot be removed, so it stays installed and idle)."""

    def __init__(self) -> None:
        self.counting = False
        self.calls = 0
        sys.addaudithook(self._hook)

    def _hook(self, event: str, _args: tuple) -> None:
        if self.counting and event in footprint.NETWORK_EVENTS:
            self.calls += 1


def measure(repeat: int = REPEAT) -> dict:
    """Every figure of the comparison (see the module's docstring), flat as benchmark
    records are: one entry per thing measured, numbers and text in each; lists are
    text (package names joined by ", ", messages by newlines)."""
    network = NetworkCalls()
    network.counting = True
    from dsops.flights.validators import with_gx  # seconds to import: only when measuring

    checks = {"by hand": by_hand.check, "pandera": with_pandera.check}
    checks["Great Expectations"] = with_gx.check
    good = rules.load_flights()
    bad = rules.bad_inputs(good)
    figures: dict = {"table": {"rows": len(good), "bad_inputs": "; ".join(bad)}}
    footprints = packages()
    modules = {
        name: f"dsops.flights.validators.{module}" for name, (module, _) in APPROACHES.items()
    }
    imports = footprint.import_seconds([RULES_MODULE, *modules.values()], IMPORT_REPEAT)
    for approach, (module, root) in APPROACHES.items():
        found = footprints[approach]
        imported = imports[modules[approach]]
        ran = run_seconds(checks[approach], good, repeat)
        figures[approach] = {
            "module": f"dsops.flights.validators.{module}",
            "uses": f"{root or 'pandas'} {metadata.version(root or 'pandas')}",
            "lines_of_code": footprint.code_lines(VALIDATORS / f"{module}.py"),
            "packages_total": found["total"],
            "packages_added": len(found["added"]),
            "added": ", ".join(found["added"]),
            "packages_new_to_project": len(found["new_to_project"]),
            "new_to_project": ", ".join(found["new_to_project"]),
            "added_bytes": footprint.installed_bytes(set(found["added"])),
            "import_median_s": imported["median_s"],
            "import_network_calls": imported["network_calls"],
            "check_median_s": ran["median_s"],
            "passes_real_table": "yes" if ran["passed"] else "no",
            **{
                f"messages: {name}": "\n".join(trimmed(checks[approach](frame)))
                for name, frame in bad.items()
            },
        }
    network.counting = False
    figures["rules"] = {
        "lines_of_code": footprint.code_lines(VALIDATORS / "rules.py"),
        "import_median_s": imports[RULES_MODULE]["median_s"],
    }
    figures["runs"] = {
        "checks": repeat,
        "imports": IMPORT_REPEAT,
        "network_calls_while_checking": network.calls,
    }
    for requirement in TRIED:
        figures[f"tried: {requirement}"] = try_adding(requirement)
    return figures


def run(folder: Path = paths.BENCHMARKS_DIR) -> Path:
    """Measure the three validators and record them as data/benchmarks/validators.json."""
    figures = measure()
    return benchmarks.record(
        NAME,
        "The flights rule set (dsops.flights.validators.rules) checked three ways: by hand "
        "with pandas, with pandera and with Great Expectations. Lines of code of each "
        "module; packages each needs with pandas, walked from uv.lock for this machine's "
        "markers (total, added over pandas, new to this project); installed bytes of the "
        "added packages; import and run time; each one's messages on five bad inputs; "
        "network calls attempted; and whether Soda Core resolves against the lock.",
        f"Lines of code: not blank, not only a comment, not a docstring. Installed bytes: "
        f"the files each distribution's RECORD lists, as on disk in .venv. Import: median "
        f"of {IMPORT_REPEAT} fresh interpreters per module, the modules taking turns "
        f"(start-up excluded). Run: median of {REPEAT} calls "
        f"on the whole flights table in one process (loading it excluded). Soda Core: "
        f"`uv add --no-sync` on a copy of pyproject.toml and uv.lock in a temporary folder.",
        json.loads(json.dumps(figures)),
        folder,
    )
