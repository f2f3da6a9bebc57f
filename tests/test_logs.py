"""Structured logs (dsops.shared.logs and `dsops --log-file`): one JSON line per record
with its level, run id and fields, written to a file and read back; stderr unchanged;
every run's end recorded with its exit code and time."""

import json
import logging

import pytest

from dsops.cli import app
from dsops.shared import logs, paths
from dsops.shared.errors import DsopsError


@pytest.fixture
def root_logger():
    """The root logger as it was: handlers, level (tests add file handlers to it)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield root
    logs.close_log_files()
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_record_is_one_json_line_with_its_fields(tmp_path, root_logger):
    path = tmp_path / "run.jsonl"
    run_id = logs.log_to_file(path, run_id="r1")
    log = logging.getLogger("dsops.test")
    log.info("step %s done", "a", extra={"step": "a", "rows_in": 3, "seconds": 0.5})
    log.debug("below the level: not written")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it broke")
    logs.close_log_files()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert run_id == "r1" and len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "step a done" and first["level"] == "INFO"
    assert first["logger"] == "dsops.test" and first["run_id"] == "r1"
    assert (first["step"], first["rows_in"], first["seconds"]) == ("a", 3, 0.5)
    assert first["time"].endswith("+00:00")
    assert "args" not in first and "msg" not in first  # only `extra` is added
    assert second["level"] == "ERROR" and "ValueError: boom" in second["traceback"]


def test_a_run_id_comes_from_the_environment_or_is_new():
    assert logs.new_run_id({logs.RUN_ID_ENV: "ci-42"}) == "ci-42"
    fresh = {logs.new_run_id({}) for _ in range(5)}
    assert len(fresh) == 5 and all(len(i) == 12 for i in fresh)


def test_read_log_gives_a_table_and_names_a_bad_line(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text(
        '{"time": "2024-01-01T00:00:00.000+00:00", "level": "INFO", "seconds": 1}\n\n'
        '{"time": "2024-01-01T00:00:01.000+00:00", "level": "ERROR"}\n',
        encoding="utf-8",
    )
    table = logs.read_log(path)
    assert table["level"].tolist() == ["INFO", "ERROR"]
    assert str(table["time"].dt.tz) == "UTC"
    path.write_text('{"level": "INFO"}\nnot json\n', encoding="utf-8")
    with pytest.raises(DsopsError, match=r"run.jsonl, line 2: not a JSON log record"):
        logs.read_log(path)


def test_a_log_file_that_cannot_be_written_is_one_sentence(tmp_path, root_logger):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DsopsError, match=r"cannot write the log file .* Pass --log-file"):
        logs.log_to_file(blocker / "run.jsonl")


def test_etl_logs_its_steps_and_its_end_to_the_file(tmp_path, runner):
    path = tmp_path / "logs" / "pipeline.jsonl"
    args = ["--log-file", str(path), "etl", "--out", str(tmp_path / "out")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # nothing more on stderr without --verbose
    table = logs.read_log(path)
    assert table["run_id"].nunique() == 1
    assert table["logger"].iloc[0] == logs.RUN_LOGGER and table["message"].iloc[0] == "etl started"
    steps = table.dropna(subset=["step"])
    assert steps["step"].tolist() == [
        "read_raw", "rename_to_snake_case", "shorten_labels", "parse_types",
        "add_study_year", "keep_clean_columns", "sort_by_bird", "write_outputs",
    ]  # fmt: skip
    assert steps["rows_out"].dropna().eq(344).all() and steps["seconds"].ge(0).all()
    end = table.iloc[-1]
    assert (end["logger"], end["message"], end["exit_code"]) == (logs.RUN_LOGGER, "etl finished", 0)
    assert end["seconds"] >= steps["seconds"].sum()


def test_a_failed_run_is_an_error_record_and_one_line_on_stderr(tmp_path, runner, monkeypatch):
    monkeypatch.setenv(logs.RUN_ID_ENV, "build-7")
    path = tmp_path / "run.jsonl"
    missing = tmp_path / "nope.csv"
    result = runner.invoke(app, ["--log-file", str(path), "etl", "--raw", str(missing)])
    assert result.exit_code == 1
    sentence = f"{missing}: no such file. Pass --raw with the path of the file."
    assert result.stderr == f"error: {sentence}\n"
    end = logs.read_log(path).iloc[-1]
    assert (end["level"], end["run_id"], end["exit_code"]) == ("ERROR", "build-7", 1)
    assert end["message"] == f"etl failed: {sentence}"


def test_a_wrong_call_is_recorded_with_exit_code_2(tmp_path, runner):
    path = tmp_path / "run.jsonl"
    result = runner.invoke(app, ["--log-file", str(path), "etl", "--no-such-option"])
    assert result.exit_code == 2
    end = logs.read_log(path).iloc[-1]
    assert end["exit_code"] == 2 and "No such option" in end["message"]


def test_verbose_still_prints_steps_and_never_the_run_records(tmp_path, runner):
    path = tmp_path / "run.jsonl"
    args = ["--verbose", "--log-file", str(path), "verify-raw", str(paths.RAW_PENGUINS_MANIFEST)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert logs.RUN_LOGGER not in result.stderr
    assert logs.read_log(path)["message"].tolist() == ["verify-raw started", "verify-raw finished"]


def test_the_log_file_is_closed_when_the_run_ends(tmp_path, runner):
    path = tmp_path / "run.jsonl"
    runner.invoke(app, ["--log-file", str(path), "verify-raw", str(paths.RAW_PENGUINS_MANIFEST)])
    logging.getLogger("dsops.test").warning("after the run")
    assert "after the run" not in path.read_text(encoding="utf-8")
