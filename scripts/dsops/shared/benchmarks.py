"""Benchmarks are data: each `make bench` measurement is a JSON record in
`data/benchmarks/` (what, where, when, from which commit, the figures), committed, and
read by the pages that quote it, so a page says where and when a figure was measured.
"""

import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from dsops.shared import paths
from dsops.shared.errors import DsopsError, MissingArtifactError
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


def record(name: str, description: str, figures: dict, folder: Path = paths.BENCHMARKS_DIR) -> Path:
    """Write one benchmark record as `<name>.json`, atomically."""
    data = {
        "name": name,
        "description": description,
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


def touch_memory(size: str) -> None:
    """Write to `size` bytes of fresh memory, then let them go (see child_run)."""
    import numpy

    numpy.ones(int(size), dtype=numpy.uint8)


def child_run(target: str, *args: str, warm_bytes: int = 0) -> dict[str, float]:
    """Call `module:function(*args)` in a fresh Python process, so each measurement
    starts from nothing that an earlier one left in memory: the call's wall-clock seconds
    and CPU seconds on all its threads (imports excluded), and the process's peak
    resident memory in bytes.

    With `warm_bytes`, a process first writes to that much memory and exits, so every
    measurement starts alike. On a virtual machine the first touch of memory the host has
    not lately backed costs several times a later one: on this project's 2-CPU machine a
    pyarrow read that needs 4.8 GB took 8-11 s right after a 2.7 GB ETL run and 4-5 s
    after a run of its own size, which flatters whatever is compared with it."""
    if warm_bytes:
        _run_child(f"{__name__}:touch_memory", str(warm_bytes))
    return _run_child(target, *args)


def interleaved(
    yardstick: tuple[str, ...], step: tuple[str, ...], runs: int, warm_bytes: int = 0
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """`runs` child_run measurements of a yardstick and of the step held against it
    (each a target and its arguments), alternated so that the machine's drift reaches
    both alike, every one after the same warm-up."""
    measured: tuple[list[dict[str, float]], list[dict[str, float]]] = ([], [])
    for _ in range(runs):
        for target, figures in zip((yardstick, step), measured, strict=True):
            figures.append(child_run(*target, warm_bytes=warm_bytes))
    return measured


def _run_child(target: str, *args: str) -> dict[str, float]:
    command = [sys.executable, "-m", "dsops.shared.benchmarks", target, *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise DsopsError(f"benchmark run {target} {' '.join(args)} failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _call_and_report(target: str, *args: str) -> None:
    module, _, function = target.partition(":")
    run = getattr(importlib.import_module(module), function)
    started, cpu_started = time.perf_counter(), time.process_time()
    run(*args)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        json.dumps(
            {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_bytes": _peak_resident_bytes()}
        )
    )


def _peak_resident_bytes() -> int:
    """This process's peak resident memory. Linux's VmHWM belongs to the process's own
    address space; getrusage's ru_maxrss would also count the parent's memory at the
    fork that started this process."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB elsewhere


if __name__ == "__main__":  # the child side of child_run
    _call_and_report(*sys.argv[1:])
