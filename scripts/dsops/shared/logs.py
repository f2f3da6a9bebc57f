"""Structured logs: every log record as one JSON object a line, in a file, with the id of
the run that wrote it, for a program to read back (`read_log`).

It is the standard library's logging with one more handler, so no code that logs has to
change: `log.info("step %s: ...", name, extra={"step": name, "seconds": 0.01})` prints
its message on stderr with --verbose (`commands.log_to_stderr`) and writes its message
and its `extra` fields to the file. A run is one command: `dsops --log-file FILE ...`
records when it started and how it ended (logger `dsops.run`, file only).
"""

import json
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dsops.shared.errors import DsopsError

RUN_LOGGER = "dsops.run"  # the run's own records: started, finished, failed
RUN_ID_ENV = "DSOPS_RUN_ID"  # a run id given from outside (CI's run, a scheduler's job)
# The attributes every LogRecord has; any other attribute came from `extra`.
STANDARD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "run_id",
    "taskName",
}


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, run id, then the
    record's `extra` fields, and the traceback of an exception if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", None),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in STANDARD_FIELDS}
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def new_run_id(environ: dict[str, str] | None = None) -> str:
    """$DSOPS_RUN_ID if set (so the steps of one CI job share it), else a fresh id."""
    given = (os.environ if environ is None else environ).get(RUN_ID_ENV, "").strip()
    return given or uuid.uuid4().hex[:12]


def log_to_file(path: Path, run_id: str | None = None, level: int = logging.INFO) -> str:
    """Append every record at `level` or above to `path` as JSON lines, each stamped
    with the run id (returned). Logging to stderr is left as it was."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as err:
        raise DsopsError(
            f"cannot write the log file {path}: {err.strerror or err}. "
            "Pass --log-file with a file in a folder you can write to."
        ) from None
    run_id = run_id or new_run_id()

    def stamp(record: logging.LogRecord) -> bool:
        record.run_id = run_id
        return True

    handler.setLevel(level)
    handler.setFormatter(JsonLines())
    handler.addFilter(stamp)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.getEffectiveLevel() > level:
        root.setLevel(level)
    return run_id


def close_log_files() -> None:
    """Remove and close the handlers `log_to_file` added (a long-lived process, such
    as a notebook, that logged one run)."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if isinstance(handler, logging.FileHandler) and isinstance(handler.formatter, JsonLines):
            root.removeHandler(handler)
            handler.close()


def read_log(path: Path) -> pd.DataFrame:
    """A JSON-lines log as a table, one row per record (fields a record lacks are
    missing); a line that is not JSON is named with its number."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DsopsError(f"{path}, line {number}: not a JSON log record ({err}).") from None
    frame = pd.DataFrame(rows)
    if "time" in frame:
        frame["time"] = pd.to_datetime(frame["time"], format="ISO8601")
    return frame
