"""A pipeline runner for DataFrame steps: small, named, pure functions composed with
`DataFrame.pipe`, each run logged (rows in and out, columns added, removed and changed,
time), so a page can show what every step did to the data."""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

Step = Callable[[pd.DataFrame], pd.DataFrame]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepRecord:
    """What one step did: the log line of a pipeline run."""

    step: str
    rows_in: int
    rows_out: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]  # kept columns whose type or values differ
    seconds: float


def step_name(step: Step) -> str:
    """The name a step is logged under: its function name (or that of a partial)."""
    target = getattr(step, "func", step)
    return getattr(target, "__name__", type(step).__name__)


def _changed(before: pd.DataFrame, after: pd.DataFrame, kept: list[str]) -> tuple[str, ...]:
    same_rows = before.index.equals(after.index)
    changed = []
    for column in kept:
        old, new = before[column], after[column]
        if old.dtype != new.dtype or (same_rows and not old.equals(new)):
            changed.append(column)
    return tuple(changed)


def describe_step(step: str, before: pd.DataFrame, after: pd.DataFrame, seconds: float):
    """The record of one step, from the frames it received and returned."""
    old, new = list(before.columns), list(after.columns)
    kept = [c for c in new if c in set(old)]
    return StepRecord(
        step=step,
        rows_in=len(before),
        rows_out=len(after),
        added=tuple(c for c in new if c not in set(old)),
        removed=tuple(c for c in old if c not in set(new)),
        changed=_changed(before, after, kept),
        seconds=seconds,
    )


def run_steps(frame: pd.DataFrame, steps: Iterable[Step]) -> tuple[pd.DataFrame, list[StepRecord]]:
    """Pipe `frame` through `steps` in order; return the result and one record per step.

    A step must return a DataFrame; anything else is a programming error named here,
    not three steps later.
    """
    records: list[StepRecord] = []
    for step in steps:
        name = step_name(step)
        started = time.perf_counter()
        result = frame.pipe(step)
        seconds = time.perf_counter() - started
        if not isinstance(result, pd.DataFrame):
            raise TypeError(
                f"pipeline step {name!r} returned {type(result).__name__}, not a DataFrame"
            )
        record = describe_step(name, frame, result, seconds)
        log_step(record)
        records.append(record)
        frame = result
    return frame, records


def log_step(record: StepRecord) -> None:
    """One INFO line per step (shown by `dsops --verbose`; with its figures as fields in a
    log file)."""
    parts = [f"{record.rows_in:,} -> {record.rows_out:,} rows"]
    for sign, columns in (("+", record.added), ("-", record.removed), ("~", record.changed)):
        if columns:
            parts.append(f"{sign}{', '.join(columns)}")
    fields = {
        "step": record.step,
        "rows_in": record.rows_in,
        "rows_out": record.rows_out,
        "seconds": round(record.seconds, 6),
    }  # for a log file (dsops --log-file): the same facts as fields, not text
    log.info("step %s: %s (%.3f s)", record.step, "; ".join(parts), record.seconds, extra=fields)


def log_frame(log: list[StepRecord]) -> pd.DataFrame:
    """The run log as a table, one row per step, column lists joined for reading."""
    return pd.DataFrame(
        {
            "step": [r.step for r in log],
            "rows_in": [r.rows_in for r in log],
            "rows_out": [r.rows_out for r in log],
            "added": [", ".join(r.added) for r in log],
            "removed": [", ".join(r.removed) for r in log],
            "changed": [", ".join(r.changed) for r in log],
            "seconds": [r.seconds for r in log],
        }
    )
