"""The drop-folder organiser (dsops.flights.organise) on the drop folder the page
builds from the real flights: names read from the rows, duplicates and files that fail
the schema set aside, a manifest of every move; dry runs and second runs that change
nothing; a rename failing midway that loses nothing; and one message for each bad
input, with nothing moved."""

import errno
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from dsops.flights import organise
from dsops.flights.organise import DUPLICATE, ORGANISED, QUARANTINED, Move
from dsops.flights.samples import DROP_FOLDER, make_drop_folder, month_lines
from dsops.shared.errors import DsopsError
from dsops.shared.files import sha256_file, tree

ROWS = {1: 27004, 2: 24951, 3: 28834, 6: 28243}  # flights per month in the raw table
APRIL_REASON = (
    "the header has 19 fields but 1 row does not (line 14213: 12 fields): a value is "
    "missing or holds an unquoted comma."
)
MAY_REASON = (
    "failed validation against the NYC flights schema (1 problem): missing required "
    "columns 'dep_time', 'sched_dep_time', 'dep_delay', 'arr_time', 'sched_arr_time', "
    "'arr_delay', 'tailnum', 'air_time', 'distance', 'hour', 'minute', 'time_hour'"
)


@pytest.fixture(scope="session")
def months() -> dict[int, bytes]:
    """Each month's flights as an export holds them."""
    return month_lines(range(1, 13))


def first_rows(text: bytes, rows: int) -> bytes:
    """An export of a month's first rows (enough to check, quick to check)."""
    return b"\n".join(text.split(b"\n")[: rows + 1]) + b"\n"


def state(*folders: Path) -> dict[str, tuple[int, int, int] | str]:
    """Every file and folder below `folders`, with a file's size, modification time and
    inode (the same three mean the same file, neither moved, written nor replaced)."""
    seen: dict[str, tuple[int, int, int] | str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            stat = path.stat()
            seen[str(path)] = (
                (stat.st_size, stat.st_mtime_ns, stat.st_ino) if path.is_file() else "dir"
            )
    return seen


EXPECTED_MOVES = [
    ("2013-02 flights.CSV", "flights-2013-02.csv", ORGANISED, None),
    ("Flights_Jan.csv", "flights-2013-01.csv", ORGANISED, None),
    ("May flights (summary).csv", "quarantine/May flights (summary).csv", QUARANTINED, MAY_REASON),
    ("flights_april.csv", "quarantine/flights_april.csv", QUARANTINED, APRIL_REASON),
    ("flights_march_final(1).csv", "flights-2013-03.csv", ORGANISED, None),
    ("from-ops/june flights.csv", "flights-2013-06.csv", ORGANISED, None),
    (
        "jan_flights_backup.csv",
        "duplicates/jan_flights_backup.csv",
        DUPLICATE,
        "same content as flights-2013-01.csv",
    ),
]


def test_the_drop_folder_holds_what_it_says(drop):
    files = sorted(p.relative_to(drop).as_posix() for p in drop.rglob("*") if p.is_file())
    assert files == sorted(DROP_FOLDER)
    assert (drop / "jan_flights_backup.csv").read_bytes() == (drop / "Flights_Jan.csv").read_bytes()
    assert b"\r\n" in (drop / "2013-02 flights.CSV").read_bytes()
    assert not (drop / "flights_april.csv").read_bytes().endswith(b"\n")


def test_each_month_is_named_by_its_rows_and_the_rest_set_aside(drop, tmp_path):
    dest = tmp_path / "organised"
    originals = {p.relative_to(drop).as_posix(): sha256_file(p) for p in drop.rglob("*.*")}
    planned = organise.organise(drop, dest)
    assert [(m.source, m.new_name, m.verdict, m.reason) for m in planned.moves] == EXPECTED_MOVES
    assert {m.new_name: m.rows for m in planned.moves if m.verdict == ORGANISED} == {
        f"flights-2013-{month:02d}.csv": rows for month, rows in ROWS.items()
    }
    assert planned.left == {".~lock.Flights_Jan.csv#": "a program's temporary file"}
    for move in planned.moves:  # moved as it was, byte for byte
        assert sha256_file(dest / move.new_name) == move.sha256 == originals[move.source]
    assert json.loads((dest / "manifest.json").read_text()) == [asdict(m) for m in planned.moves]
    assert tree(drop) == "drop/\n├── .~lock.Flights_Jan.csv#\n└── from-ops/"
    assert tree(dest) == (
        "organised/\n"
        "├── duplicates/\n"
        "│   └── jan_flights_backup.csv\n"
        "├── flights-2013-01.csv\n"
        "├── flights-2013-02.csv\n"
        "├── flights-2013-03.csv\n"
        "├── flights-2013-06.csv\n"
        "├── manifest.json\n"
        "└── quarantine/\n"
        "    ├── May flights (summary).csv\n"
        "    └── flights_april.csv"
    )


def test_the_month_comes_from_the_rows_not_the_name(tmp_path, months):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "Flights_Jan.csv").write_bytes(first_rows(months[2], 30))  # February's rows
    planned = organise.organise(drop, tmp_path / "out")
    assert planned.moves == [
        Move("Flights_Jan.csv", "flights-2013-02.csv", planned.moves[0].sha256, 30, ORGANISED)
    ]


def test_a_file_of_several_months_is_quarantined(tmp_path, months):
    drop = tmp_path / "drop"
    drop.mkdir()
    both = first_rows(months[1], 5) + first_rows(months[2], 5).split(b"\n", 1)[1]
    (drop / "q1.csv").write_bytes(both)
    (move,) = organise.organise(drop, tmp_path / "out").moves
    assert (move.new_name, move.verdict, move.rows) == ("quarantine/q1.csv", QUARANTINED, None)
    assert (
        move.reason == "holds the flights of 2 months (2013-01, 2013-02): save one file per month"
    )


@pytest.mark.parametrize(
    "name",
    [
        ".~lock.flights.csv#",  # LibreOffice's lock file
        "~$flights.xlsx",  # Microsoft Office's owner file
        ".flights.csv.swp",  # vim
        "flights.csv~",  # a backup copy
        "flights.csv.part",  # a download in progress (Firefox)
        "flights.csv.crdownload",  # a download in progress (Chrome)
        "flights.csv.tmp",
    ],
)
def test_temporary_files_stay_where_they_are(tmp_path, name):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / name).write_text("not finished\n")
    planned = organise.organise(drop, tmp_path / "out")
    assert (planned.moves, list(planned.left)) == ([], [name])
    assert (drop / name).read_text() == "not finished\n"


def test_a_dry_run_plans_the_same_moves_and_changes_nothing(drop, tmp_path):
    dest = tmp_path / "organised"
    before = state(tmp_path)
    dry = organise.organise(drop, dest, dry_run=True)
    assert state(tmp_path) == before
    assert not dest.exists()
    assert dry.moves == organise.organise(drop, dest).moves


def test_a_second_run_changes_nothing(drop, tmp_path):
    dest = tmp_path / "organised"
    organise.organise(drop, dest)
    after_first = state(drop, dest)
    again = organise.organise(drop, dest)
    assert again.moves == []
    assert state(drop, dest) == after_first  # the manifest not even rewritten
    assert organise.summary(again) == f"nothing to organise in {drop}"


def test_a_file_dropped_again_is_a_duplicate_of_the_stored_one(drop, tmp_path):
    dest = tmp_path / "organised"
    organise.organise(drop, dest)
    for name in ("march.csv", "sub/march.csv"):  # the same name twice, in two folders
        (drop / name).parent.mkdir(exist_ok=True)
        shutil.copyfile(dest / "flights-2013-03.csv", drop / name)
    moves = organise.organise(drop, dest).moves
    assert [(m.source, m.new_name, m.reason) for m in moves] == [
        ("march.csv", "duplicates/march.csv", "same content as flights-2013-03.csv"),
        ("sub/march.csv", "duplicates/march-2.csv", "same content as flights-2013-03.csv"),
    ]
    assert len(json.loads((dest / "manifest.json").read_text())) == len(EXPECTED_MOVES) + 2


def test_a_stored_month_the_manifest_lost_is_still_recognised(drop, tmp_path):
    dest = tmp_path / "organised"
    organise.organise(drop, dest)
    (dest / "manifest.json").unlink()
    shutil.copyfile(dest / "flights-2013-01.csv", drop / "jan.csv")
    (move,) = organise.organise(drop, dest).moves
    assert (move.new_name, move.reason) == (
        "duplicates/jan.csv",
        "same content as flights-2013-01.csv",
    )


def test_a_rename_failing_midway_loses_nothing_and_a_rerun_finishes(
    drop, drop_template, tmp_path, monkeypatch
):
    dest = tmp_path / "organised"
    where = {p.relative_to(drop).as_posix(): sha256_file(p) for p in drop.rglob("*") if p.is_file()}
    real_rename, renames = os.rename, []

    def third_fails(source, target):
        renames.append(source)
        if len(renames) == 3:
            raise OSError(errno.EIO, "Input/output error")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", third_fails)
    with pytest.raises(DsopsError) as failed:
        organise.organise(drop, dest)
    assert str(failed.value) == (
        f"could not move {drop}/May flights (summary).csv to "
        f"{dest}/quarantine/May flights (summary).csv (Input/output error): the 2 moved "
        f"before it are recorded in {dest}/manifest.json, and it and the files after it "
        f"are still in {drop}. Fix the cause and run again to finish."
    )
    # Every file is where it was or where it belongs, whole; the manifest says which.
    recorded = json.loads((dest / "manifest.json").read_text())
    assert [entry["source"] for entry in recorded] == ["2013-02 flights.CSV", "Flights_Jan.csv"]
    for source, digest in where.items():
        moved = [e["new_name"] for e in recorded if e["source"] == source]
        at = dest / moved[0] if moved else drop / source
        assert sha256_file(at) == digest, source
    assert [p.name for p in dest.glob(".*")] == []  # no temporary manifest left behind

    monkeypatch.setattr(os, "rename", real_rename)
    organise.organise(drop, dest)
    whole = make_drop_folder(tmp_path / "whole" / "drop")
    organise.organise(whole, tmp_path / "whole" / "organised")
    assert tree(dest) == tree(tmp_path / "whole" / "organised")
    assert (dest / "manifest.json").read_bytes() == (
        tmp_path / "whole" / "organised" / "manifest.json"
    ).read_bytes()


def test_a_file_that_changes_while_it_is_read_stays(tmp_path, months, monkeypatch):
    drop = tmp_path / "drop"
    drop.mkdir()
    growing = drop / "july.csv"
    growing.write_bytes(first_rows(months[7], 20))
    real_inspect = organise.inspect

    def written_meanwhile(path):
        result = real_inspect(path)
        with open(path, "ab") as more:  # the exporter writes on while the file is checked
            more.write(months[7].split(b"\n")[21] + b"\n")
        return result

    monkeypatch.setattr(organise, "inspect", written_meanwhile)
    planned = organise.organise(drop, tmp_path / "out")
    assert planned.moves == []
    assert planned.left == {
        "july.csv": "it changed while it was read, so it is still being written"
    }
    assert growing.exists()


# Bad input: one message each, nothing moved ----------------------------------------


def refused(source: Path, dest: Path, root: Path) -> str:
    before = state(root)
    with pytest.raises(DsopsError) as err:
        organise.organise(source, dest)
    assert state(root) == before
    return str(err.value)


def test_a_folder_that_does_not_exist(tmp_path):
    missing = tmp_path / "nope"
    assert refused(missing, tmp_path / "out", tmp_path) == (
        f"{missing}: no such folder. Pass the folder the exports are saved in."
    )


def test_a_file_where_a_folder_belongs(drop, tmp_path):
    file = drop / "Flights_Jan.csv"
    assert refused(file, tmp_path / "out", tmp_path) == (
        f"{file} is a file: pass the folder the exports are saved in."
    )
    assert refused(drop, file, tmp_path) == (
        f"{file} is a file: pass a folder for the organised exports."
    )


@pytest.mark.parametrize("inside", ["organised", "from-ops/organised", "."])
def test_a_destination_inside_the_source(drop, tmp_path, inside):
    dest = drop / inside
    assert refused(drop, dest, tmp_path) == (
        f"{dest} is inside {drop}, so every run would find its own output again: pass a "
        f"destination outside {drop}."
    )


def test_a_destination_on_another_file_system(drop, tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on a file system other than the temporary folder's")
    dest = shm / f"organised-{os.getpid()}"
    assert refused(drop, dest, tmp_path) == (
        f"{drop} and {dest} are on different file systems, where a move is a copy that an "
        "interruption can leave half done: pass a destination on the same file system as "
        f"{drop}."
    )
    assert not dest.exists()


def test_a_file_that_cannot_be_read(drop, tmp_path, unreadable):
    locked = unreadable(drop / "flights_march_final(1).csv")
    assert refused(drop, tmp_path / "out", tmp_path) == (
        f"{locked} cannot be read (Permission denied): give yourself read permission "
        f"(chmod u+r) or move it out of {drop}, then run again; nothing was moved."
    )
    locked.chmod(0o644)


def test_two_files_claiming_one_month_with_different_content(tmp_path, months):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "feb.csv").write_bytes(first_rows(months[2], 30))
    (drop / "feb_corrected.csv").write_bytes(first_rows(months[2], 31))
    assert refused(drop, tmp_path / "out", tmp_path) == (
        "feb.csv and feb_corrected.csv both hold the flights of 2013-02 but differ: keep the "
        f"right one in {drop} and move the other out. Nothing was moved."
    )


def test_a_file_claiming_a_month_already_stored_with_different_content(drop, tmp_path, months):
    dest = tmp_path / "organised"
    organise.organise(drop, dest)
    (drop / "march_v2.csv").write_bytes(first_rows(months[3], 30))
    assert refused(drop, dest, tmp_path) == (
        f"march_v2.csv holds the flights of 2013-03, but {dest}/flights-2013-03.csv already "
        "holds different ones: replace that file with march_v2.csv by hand if it is the "
        f"correction, or move march_v2.csv out of {drop}. Nothing was moved."
    )


def test_a_manifest_that_is_not_one(drop, tmp_path):
    dest = tmp_path / "organised"
    dest.mkdir()
    (dest / "manifest.json").write_text("[{")
    message = refused(drop, dest, tmp_path)
    assert message.startswith(f"{dest}/manifest.json cannot be read as a manifest (")
    assert message.endswith(
        "): restore it from a backup or move it away (the organised files stay), then run "
        "again; nothing was moved."
    )
