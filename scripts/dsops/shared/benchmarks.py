"""Benchmarks are data: each `make bench` measurement is a JSON record in
`data/benchmarks/` (what was measured, how, where, when, from which commit, the
figures), committed, and read by the pages that quote it, so a page says where and when
a figure was measured. Measuring is plain: wall-clock seconds of repeated calls in one
process, summarised by their median.
"""

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from dsops.shared import paths
from dsops.shared.errors import MissingArtifactError
from dsops.shared.files import write_atomically
from dsops.shared.provenance import git_commit

SCHEMA_FILE = "schema.json"
BENCH_TARGET = "make bench"


def machine() -> dict[str, object]:
    """The machine a measurement was taken on, as far as Python can tell."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        memory = None
    return {
        "system": platform.system(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1) if memory else None,
        "python": platform.python_version(),
    }


def summarise(seconds: list[float], digits: int = 4) -> dict[str, float | int]:
    """Median, fastest and slowest of repeated wall-clock measurements, and their count."""
    return {
        "median_s": round(statistics.median(seconds), digits),
        "min_s": round(min(seconds), digits),
        "max_s": round(max(seconds), digits),
        "runs": len(seconds),
    }


def timed(run: Callable[[], object], repeat: int = 5) -> dict[str, float | int]:
    """Wall-clock seconds of `repeat` runs: median, fastest, slowest."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return summarise(seconds)


def record(
    name: str, description: str, method: str, figures: dict, folder: Path = paths.BENCHMARKS_DIR
) -> Path:
    """Write one benchmark record as `<name>.json`, atomically: `description` says what
    was measured, `method` how (in which process, how many runs, what is included)."""
    data = {
        "name": name,
        "description": description,
        "method": method,
        "measured_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "git": git_commit(),
        "machine": machine(),
        "figures": figures,
    }
    target = folder / f"{name}.json"
    write_atomically(
        target,
        lambda tmp: tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8"),
    )
    return target


def read(name: str, folder: Path = paths.BENCHMARKS_DIR) -> dict:
    """A benchmark record, for a page to quote (one sentence if it was never measured)."""
    path = folder / f"{name}.json"
    if not path.is_file():
        raise MissingArtifactError(path, BENCH_TARGET)
    return json.loads(path.read_text(encoding="utf-8"))


def provenance(record: dict) -> str:
    """Where and when a record was measured, as a page should say it."""
    m = record["machine"]
    commit = (record["git"].get("commit") or "an unknown commit")[:7]
    modified = " with local changes" if record["git"].get("modified") else ""
    return (
        f"measured on {record['measured_at'][:10]} on a {m['cpus']}-CPU {m['system']} "
        f"{m['machine']} machine with Python {m['python']}, at commit {commit}{modified}"
    )
