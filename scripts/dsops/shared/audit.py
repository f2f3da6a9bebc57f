"""An append-only, tamper-evident audit log of pipeline runs: one JSON line per run of a
pipeline step (`dsops etl`, `flights-etl`, `train`, `train-delays`), saying when, which
step, the command line, the git commit, the SHA-256 of every input and output file, the
outcome and the duration.

Append-only: the file is only ever opened in append mode. Tamper-evident: each line
carries `previous`, the SHA-256 of the line before it (of 64 zeros for the first), so
editing, inserting or deleting a line breaks the chain at the next line, and
`uv run dsops verify-audit` names where. What a chain cannot show by itself is lines cut
from its end: the shortened log is still a valid chain. Anchoring the last line's hash
somewhere the log's writer cannot rewrite (a CI job's log, a signed commit) covers that:
`verify --anchor HASH` fails if that line is no longer in the log.

The log lives in data/audit/runs.jsonl (git-ignored; $DSOPS_AUDIT_LOG moves it).
"""

import hashlib
import json
import os
import shlex
import sys
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from dsops.shared.files import one_writer, sha256_file
from dsops.shared.provenance import git_commit

LOG_ENV = "DSOPS_AUDIT_LOG"
DEFAULT_LOG = paths.DATA_DIR / "audit" / "runs.jsonl"
GENESIS = "0" * 64  # the `previous` of the first line


def audit_log(environ: dict[str, str] | None = None) -> Path:
    """$DSOPS_AUDIT_LOG, else data/audit/runs.jsonl."""
    given = (os.environ if environ is None else environ).get(LOG_ENV, "").strip()
    return Path(given) if given else DEFAULT_LOG


def line_hash(line: str) -> str:
    """The SHA-256 of one line as written (without its newline)."""
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def file_hashes(locations: Iterable[Path]) -> dict[str, str]:
    """The SHA-256 of each file, and of each file inside each folder, by its
    project-relative name; a location that does not exist is recorded as missing."""
    hashes = {}
    for location in locations:
        location = Path(location)
        if location.is_dir():
            files = sorted(p for p in location.rglob("*") if p.is_file())
        else:
            files = [location]
        for file in files:
            name = paths.project_relative(file.resolve())
            hashes[name] = sha256_file(file) if file.is_file() else "missing"
    return hashes


def last_line(log: Path) -> str | None:
    """The log's last non-empty line, or None for a log not yet written."""
    if not log.is_file():
        return None
    lines = log.read_text(encoding="utf-8").splitlines()
    return next((line for line in reversed(lines) if line.strip()), None)


def append(entry: dict, log: Path | None = None) -> dict:
    """Add one entry at the end of the log, chained to the line before it. One writer
    at a time (a second waits), so two runs never chain to the same line."""
    log = log or audit_log()
    with one_writer([log]):
        previous = last_line(log)
        chained = {**entry, "previous": line_hash(previous) if previous else GENESIS}
        line = json.dumps(chained, default=str)
        with open(log, "a", encoding="utf-8") as handle:  # append mode: never rewrites
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    return chained


def command_line() -> str:
    """The command line of this process, as a shell would take it."""
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


@contextmanager
def audited(step: str, inputs: list[Path], outputs: list[Path], log: Path | None = None):
    """Run the block as one pipeline step and append its entry when it ends, failed or
    not: inputs hashed before it runs, outputs after."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    entry = {
        "time": started_at,
        "step": step,
        "command": command_line(),
        "git": git_commit(),
        "inputs": file_hashes(inputs),
    }
    try:
        yield
    except BaseException as err:
        outcome = f"failed: {type(err).__name__}: {err}"
        raise
    else:
        outcome = "succeeded"
    finally:
        entry |= {
            "outputs": file_hashes(outputs),
            "outcome": outcome,
            "seconds": round(time.perf_counter() - started, 3),
        }
        append(entry, log)


@dataclass(frozen=True)
class Verified:
    """A log whose chain holds: how many entries, and the last line's hash (the value to
    anchor elsewhere)."""

    entries: int
    last_hash: str


def verify(log: Path | None = None, anchor: str | None = None) -> Verified:
    """Check every link of the chain; raise DsopsError naming the first broken one. With
    `anchor` (a line hash recorded elsewhere), also check that line is still there."""
    log = log or audit_log()
    if not log.is_file():
        raise DsopsError(f"{log}: no audit log here: run a pipeline step (`make data`) first.")
    expected, seen = GENESIS, set()
    lines = log.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        try:
            previous = json.loads(line)["previous"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise DsopsError(
                f"{log}, line {number}: not an audit entry (not JSON, or no `previous` "
                "hash): the log was edited there."
            ) from None
        if previous != expected:
            was = "the start of the log" if number == 1 else f"line {number - 1}"
            raise DsopsError(
                f"{log}, line {number}: the chain is broken: its `previous` hash is not the "
                f"hash of {was}. {was.capitalize()} was edited, or lines were deleted or "
                "inserted before this one."
            )
        expected = line_hash(line)
        seen.add(expected)
    if anchor and anchor not in seen:
        raise DsopsError(
            f"{log}: the anchored line {anchor[:12]}… is not in the log: lines were cut "
            "from its end (or the log was replaced)."
        )
    return Verified(len(lines), expected)


def read_entries(log: Path | None = None) -> list[dict]:
    """Every entry of the log, in order."""
    log = log or audit_log()
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
