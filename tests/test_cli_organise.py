"""`dsops organise` as a user meets it, in the style of sqlite-utils' tests: the exact
stdout, stderr and exit code of each call through Typer's runner (in-process), the
files it moved or left; a progress bar on a terminal only; shell completion."""

import errno
import json
import os
import pty
import subprocess
from pathlib import Path

import pytest

from dsops.cli import app
from dsops.flights.samples import export_month
from dsops.shared.slow_copy import finished_at, start_copy_slowly
from test_organise import APRIL_REASON, MAY_REASON, state

TIMEOUT = "30"  # seconds, for every --watch: far beyond need, so only a hang reaches it


def lines(drop: Path, dest: Path, verb: str) -> str:
    return (
        f"{verb} 2013-02 flights.CSV -> flights-2013-02.csv (24951 rows)\n"
        f"{verb} Flights_Jan.csv -> flights-2013-01.csv (27004 rows)\n"
        f"{verb} May flights (summary).csv -> quarantine/May flights (summary).csv ({MAY_REASON})\n"
        f"{verb} flights_april.csv -> quarantine/flights_april.csv ({APRIL_REASON})\n"
        f"{verb} flights_march_final(1).csv -> flights-2013-03.csv (28834 rows)\n"
        f"{verb} from-ops/june flights.csv -> flights-2013-06.csv (28243 rows)\n"
        f"{verb} jan_flights_backup.csv -> duplicates/jan_flights_backup.csv "
        "(same content as flights-2013-01.csv)\n"
        "left .~lock.Flights_Jan.csv# (a program's temporary file)\n"
    )


def test_dry_run_prints_the_plan_and_moves_nothing(runner, drop, tmp_path):
    dest = tmp_path / "organised"
    before = state(tmp_path)
    result = runner.invoke(app, ["organise", str(drop), str(dest), "--dry-run"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == lines(drop, dest, "would move") + (
        f"would organise 7 files into {dest}: 4 months, 1 duplicate, 2 quarantined; "
        "dry run: nothing was moved\n"
    )
    assert state(tmp_path) == before


def test_a_run_then_a_second_run_that_changes_nothing(runner, drop, tmp_path):
    dest = tmp_path / "organised"
    first = runner.invoke(app, ["organise", str(drop), str(dest)])
    assert (first.exit_code, first.stderr) == (0, "")
    assert first.stdout == lines(drop, dest, "moved") + (
        f"organised 7 files into {dest}: 4 months, 1 duplicate, 2 quarantined; "
        f"manifest: {dest}/manifest.json\n"
    )
    before = state(tmp_path)
    second = runner.invoke(app, ["organise", str(drop), str(dest)])
    assert (second.exit_code, second.stderr) == (0, "")
    assert second.stdout == (
        "left .~lock.Flights_Jan.csv# (a program's temporary file)\n"
        f"nothing to organise in {drop}\n"
    )
    assert state(tmp_path) == before


def test_json_is_the_manifest_entries_and_what_stays(runner, drop, tmp_path):
    dest = tmp_path / "organised"
    result = runner.invoke(app, ["organise", str(drop), str(dest), "--json"])
    assert (result.exit_code, result.stderr) == (0, "")
    printed = json.loads(result.stdout)
    assert printed["moves"] == json.loads((dest / "manifest.json").read_text())
    assert {k: v for k, v in printed.items() if k != "moves"} == {
        "source": str(drop),
        "destination": str(dest),
        "dry_run": False,
        "left": [{"source": ".~lock.Flights_Jan.csv#", "reason": "a program's temporary file"}],
    }
    assert printed["moves"][1] == {
        "source": "Flights_Jan.csv",
        "new_name": "flights-2013-01.csv",
        "sha256": printed["moves"][6]["sha256"],  # the backup's: the same bytes
        "rows": 27004,
        "verdict": "organised",
        "reason": None,
    }


def bad_run(runner, args: list[str], root: Path):
    before = state(root)
    result = runner.invoke(app, ["organise", *map(str, args)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert state(root) == before
    return result.stderr


def test_a_folder_that_does_not_exist(runner, tmp_path):
    assert bad_run(runner, [tmp_path / "nope", tmp_path / "out"], tmp_path) == (
        f"error: {tmp_path}/nope: no such folder. Pass the folder the exports are saved in.\n"
    )


def test_a_destination_inside_the_source(runner, drop, tmp_path):
    assert bad_run(runner, [drop, drop / "organised"], tmp_path) == (
        f"error: {drop}/organised is inside {drop}, so every run would find its own output "
        f"again: pass a destination outside {drop}.\n"
    )


def test_a_file_that_cannot_be_read(runner, drop, tmp_path, unreadable):
    unreadable(drop / "Flights_Jan.csv")
    assert bad_run(runner, [drop, tmp_path / "out"], tmp_path) == (
        f"error: {drop}/Flights_Jan.csv cannot be read (Permission denied): give yourself "
        f"read permission (chmod u+r) or move it out of {drop}, then run again; nothing was "
        "moved.\n"
    )
    (drop / "Flights_Jan.csv").chmod(0o644)


def test_two_files_claiming_one_month(runner, drop, tmp_path):
    text = (drop / "Flights_Jan.csv").read_bytes()
    (drop / "Flights_Jan.csv").write_bytes(text.replace(b"2013,1,1,517,", b"2013,1,1,518,", 1))
    assert bad_run(runner, [drop, tmp_path / "out"], tmp_path) == (
        "error: Flights_Jan.csv and jan_flights_backup.csv both hold the flights of 2013-01 "
        f"but differ: keep the right one in {drop} and move the other out. Nothing was "
        "moved.\n"
    )


def test_a_rename_failing_midway(runner, drop, tmp_path, monkeypatch):
    real_rename = os.rename

    def fourth_fails(source, target, calls=[]):  # noqa: B006 (counts the calls)
        calls.append(source)
        if len(calls) == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", fourth_fails)
    dest = tmp_path / "organised"
    result = runner.invoke(app, ["organise", str(drop), str(dest)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: could not move {drop}/flights_april.csv to {dest}/quarantine/flights_april.csv "
        f"(No space left on device): the 3 moved before it are recorded in {dest}/manifest.json, "
        f"and it and the files after it are still in {drop}. Fix the cause and run again to "
        "finish.\n"
    )
    assert len(json.loads((dest / "manifest.json").read_text())) == 3


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--watch", "--dry-run"],
            "Invalid value for --watch: a dry run cannot watch: drop one of them.",
        ),
        (["--max-files", "2"], "Invalid value for --max-files: only applies with --watch."),
        (["--timeout", "5"], "Invalid value for --timeout: only applies with --watch."),
        (
            ["--watch", "--max-files", "0"],
            "Invalid value for '--max-files': Input should be greater than or equal to 1",
        ),
        (["--no-such-option"], "No such option: --no-such-option"),
    ],
)
def test_usage_mistakes_exit_2_with_the_usage(runner, drop, tmp_path, args, error):
    before = state(tmp_path)
    args = ["organise", str(drop), str(tmp_path / "out"), *args]
    result = runner.invoke(app, args, prog_name="dsops")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Usage: dsops organise [OPTIONS] {source} {dest}\n"
        "Try 'dsops organise --help' for help.\n"
        f"\nError: {error}\n"
    )
    assert state(tmp_path) == before


def test_a_file_where_the_drop_folder_belongs_is_a_usage_mistake(runner, drop, tmp_path):
    file = drop / "Flights_Jan.csv"
    result = runner.invoke(app, ["organise", str(file), str(tmp_path)], prog_name="dsops")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith(f"\nError: Invalid value for 'source': dir '{file}' is a file.\n")


@pytest.fixture(scope="module")
def july(tmp_path_factory) -> Path:
    return export_month(7, tmp_path_factory.mktemp("export") / "july.csv")


def test_watch_moves_a_file_once_it_is_complete_and_stops(runner, tmp_path, july):
    drop, dest = tmp_path / "drop", tmp_path / "organised"
    drop.mkdir()
    writer = start_copy_slowly(july, drop / "July export.csv", pieces=6, pause=0.15, wait=0.5)
    args = ["--watch", "--settle", "0.4", "--max-files", "1", "--timeout", TIMEOUT]
    result = runner.invoke(app, ["organise", str(drop), str(dest), *args])
    finished_at(writer)
    assert result.exit_code == 0
    assert result.stdout == "moved July export.csv -> flights-2013-07.csv (29425 rows)\n"
    assert result.stderr == f"watching {drop}; Ctrl-C stops\nstopped watching {drop}\n"
    assert (dest / "flights-2013-07.csv").read_bytes() == july.read_bytes()


def test_watch_with_json_prints_a_line_a_run_and_ends_at_its_timeout(runner, tmp_path):
    drop, dest = tmp_path / "drop", tmp_path / "organised"
    drop.mkdir()
    result = runner.invoke(
        app, ["organise", str(drop), str(dest), "--watch", "--json", "--timeout", "0.5"]
    )
    assert (result.exit_code, result.stderr) == (
        0,
        f"watching {drop}; Ctrl-C stops\nstopped watching {drop}\n",
    )
    (run,) = [json.loads(line) for line in result.stdout.splitlines()]  # the initial run
    assert run == {
        "source": str(drop),
        "destination": str(dest),
        "dry_run": False,
        "moves": [],
        "left": [],
    }


def test_watch_refusing_a_file_goes_on_and_exits_1(runner, drop, tmp_path):
    """Two files for one month, already there: the first is organised, the second
    refused with its message; the watch goes on until its timeout, then exits 1."""
    text = (drop / "jan_flights_backup.csv").read_bytes()
    (drop / "jan_flights_backup.csv").write_bytes(text.replace(b"517,", b"518,", 1))
    dest = tmp_path / "organised"
    result = runner.invoke(app, ["organise", str(drop), str(dest), "--watch", "--timeout", "0.5"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"watching {drop}; Ctrl-C stops\n"
        "error: Flights_Jan.csv and jan_flights_backup.csv both hold the flights of 2013-01 "
        f"but differ: keep the right one in {drop} and move the other out. Nothing was "
        f"moved.\nstopped watching {drop}\n"
    )


def on_a_terminal(command: list[str]) -> tuple[str, str, int]:
    """Run `command` with stderr on a pseudo-terminal and stdout on a pipe; return what
    each received and the exit code."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the pseudo-terminal closes when the process ends
            break
        if not chunk:
            break
        terminal += chunk
    out, _ = process.communicate(timeout=120)
    os.close(leader)
    return out.decode(), terminal.decode(errors="replace"), process.returncode


def test_the_progress_bar_shows_on_a_terminal_and_stays_off_the_output(drop, tmp_path, tool):
    dest = tmp_path / "organised"
    out, terminal, code = on_a_terminal([tool("dsops"), "organise", str(drop), str(dest)])
    assert code == 0
    assert "checking exports" in terminal  # the bar, on stderr
    assert "━" in terminal
    assert out.startswith("moved 2013-02 flights.CSV -> flights-2013-02.csv (24951 rows)\n")
    assert "checking" not in out


def test_completion_offers_the_commands_and_options(tool):
    """What the shell gets when a user presses TAB after `dsops org` (bash's protocol)."""

    def complete(words: str) -> list[str]:
        env = {
            **os.environ,
            "_DSOPS_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        }
        done = subprocess.run([tool("dsops")], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("dsops org") == ["organise"]
    assert complete("dsops organise --w") == ["--watch"]
