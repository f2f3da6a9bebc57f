"""The audit log of pipeline runs: one chained line per run, appended; `verify` holds
on an untouched log and names the first broken link of an edited, shortened or
reordered one; a pipeline command run through `dsops` appends its entry."""

import json

import pytest

from dsops.cli import app
from dsops.shared import audit, paths
from dsops.shared.errors import DsopsError


def three_runs(log):
    for step in ("etl", "flights-etl", "train"):
        audit.append({"step": step, "outcome": "succeeded"}, log)
    return log.read_text().splitlines()


def test_each_entry_is_chained_to_the_line_before_it(tmp_path):
    log = tmp_path / "runs.jsonl"
    lines = three_runs(log)
    entries = [json.loads(line) for line in lines]
    assert [e["step"] for e in entries] == ["etl", "flights-etl", "train"]
    assert entries[0]["previous"] == audit.GENESIS
    assert entries[2]["previous"] == audit.line_hash(lines[1])
    checked = audit.verify(log)
    assert (checked.entries, checked.last_hash) == (3, audit.line_hash(lines[2]))


def test_an_edited_middle_line_is_named(tmp_path):
    log = tmp_path / "runs.jsonl"
    lines = three_runs(log)
    lines[1] = lines[1].replace("succeeded", "failed")
    log.write_text("\n".join(lines) + "\n")
    with pytest.raises(DsopsError, match=r"line 3: the chain is broken: .* Line 2 was edited"):
        audit.verify(log)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda lines: lines[1:], r"line 1: the chain is broken: .*the start of the log"),
        (lambda lines: [lines[0], lines[2]], r"line 2: the chain is broken"),
        (lambda lines: [lines[1], lines[0], lines[2]], r"line 1: the chain is broken"),
        (lambda lines: [lines[0], "not json", *lines[1:]], r"line 2: not an audit entry"),
    ],
    ids=["first-deleted", "middle-deleted", "reordered", "line-inserted"],
)
def test_deleted_reordered_and_inserted_lines_break_the_chain(tmp_path, change, message):
    log = tmp_path / "runs.jsonl"
    log.write_text("\n".join(change(three_runs(log))) + "\n")
    with pytest.raises(DsopsError, match=message):
        audit.verify(log)


def test_a_cut_tail_is_caught_only_against_an_anchor(tmp_path):
    log = tmp_path / "runs.jsonl"
    lines = three_runs(log)
    anchor = audit.verify(log).last_hash  # recorded elsewhere, such as a CI job's log
    log.write_text("\n".join(lines[:2]) + "\n")
    assert audit.verify(log).entries == 2  # a shorter chain is still a chain
    with pytest.raises(DsopsError, match=r"the anchored line .* is not in the log"):
        audit.verify(log, anchor)


def test_a_failed_step_is_recorded_with_its_error_then_raised(tmp_path):
    log, data = tmp_path / "runs.jsonl", tmp_path / "in.csv"
    data.write_text("a\n1\n")
    outputs = [tmp_path / "out.parquet"]
    with pytest.raises(ValueError, match="bad row"), audit.audited("etl", [data], outputs, log):
        raise ValueError("bad row")
    (entry,) = audit.read_entries(log)
    assert entry["outcome"] == "failed: ValueError: bad row"
    assert entry["inputs"] == {str(data): audit.sha256_file(data)}
    assert entry["outputs"] == {str(tmp_path / "out.parquet"): "missing"}
    assert set(entry) >= {"time", "step", "command", "git", "seconds", "previous"}


def test_a_pipeline_command_appends_its_entry_and_verify_reports(runner, tmp_path, monkeypatch):
    log = tmp_path / "runs.jsonl"
    monkeypatch.setenv(audit.LOG_ENV, str(log))
    done = runner.invoke(app, ["etl", "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    (entry,) = audit.read_entries(log)
    assert entry["step"] == "etl" and entry["outcome"] == "succeeded"
    assert entry["inputs"] == {
        "data/raw/penguins/penguins-raw.csv": audit.sha256_file(paths.RAW_PENGUINS)
    }
    assert len(entry["outputs"]) == 2 and "missing" not in entry["outputs"].values()
    done = runner.invoke(app, ["verify-audit"])
    assert done.exit_code == 0 and "1 entries, the chain holds" in done.output
    log.write_text(log.read_text().replace('"etl"', '"ETL"', 1))
    log.write_text(log.read_text() + json.dumps({"previous": "0" * 64}) + "\n")
    done = runner.invoke(app, ["verify-audit"])
    assert done.exit_code == 1
    assert "line 2: the chain is broken" in done.stderr
