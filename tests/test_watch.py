"""The file watcher (dsops.shared.watch) and the organiser's watch mode: every wait is
bounded by a number of files and a timeout, so no test can hang; a file still being
written (by another process, dsops.shared.slow_copy) is handed over only once it is
complete."""

import time
from pathlib import Path

import pytest

from dsops.flights import organise
from dsops.flights.samples import month_lines
from dsops.shared.errors import DsopsError
from dsops.shared.files import sha256_file
from dsops.shared.slow_copy import finished_at, start_copy_slowly
from dsops.shared.watch import FolderWatch

TIMEOUT = 30  # seconds: far beyond what any test here needs, so only a hang reaches it
SETTLE = 0.4


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "drop").mkdir()
    return tmp_path / "drop"


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[int, Path]:
    """July's and August's flights as export files, outside any watched folder."""
    folder = tmp_path_factory.mktemp("exports")
    paths = {}
    for month, text in month_lines([7, 8]).items():
        paths[month] = folder / f"{month}.csv"
        paths[month].write_bytes(text)
    return paths


def test_nothing_arrives_and_the_watch_ends_at_its_timeout(folder):
    started = time.monotonic()
    with FolderWatch(folder, settle=SETTLE) as watch:
        assert list(watch.arrivals(max_files=1, timeout=0.5)) == []
    assert time.monotonic() - started < TIMEOUT


def test_the_watch_ends_after_max_files(folder):
    with FolderWatch(folder, settle=SETTLE) as watch:
        for name in ("a.csv", "b.csv", "c.csv"):
            (folder / name).write_text(name)
        arrived = list(watch.arrivals(max_files=2, timeout=TIMEOUT))
    assert arrived == [folder / "a.csv", folder / "b.csv"]


def test_a_file_already_there_arrives_only_once_it_changes(folder):
    there = folder / "march.csv"
    there.write_text("march\n")
    with FolderWatch(folder, settle=SETTLE) as watch:
        (folder / "april.csv").write_text("april\n")  # the folder changes, not march.csv
        assert list(watch.arrivals(max_files=2, timeout=2)) == [folder / "april.csv"]
        there.write_text("march, corrected\n")
        assert list(watch.arrivals(max_files=1, timeout=TIMEOUT)) == [there]


def test_files_in_new_folders_arrive_and_ignored_ones_do_not(folder):
    ignore = organise.is_temporary
    with FolderWatch(folder, settle=SETTLE, ignore=ignore) as watch:
        (folder / "download.csv.part").write_text("half")
        (folder / "sub" / "deeper").mkdir(parents=True)
        (folder / "sub" / "deeper" / "june.csv").write_text("june")
        arrived = list(watch.arrivals(max_files=1, timeout=TIMEOUT))
        assert arrived == [folder / "sub" / "deeper" / "june.csv"]
        (folder / "download.csv.part").rename(folder / "download.csv")  # finished
        assert list(watch.arrivals(max_files=1, timeout=TIMEOUT)) == [folder / "download.csv"]


def test_a_file_still_being_written_is_handed_over_only_once_complete(folder, exports):
    target = folder / "july.csv"
    with FolderWatch(folder, settle=SETTLE) as watch:
        # 8 pieces, 0.15 s apart: the file keeps changing for about a second
        writer = start_copy_slowly(exports[7], target, pieces=8, pause=0.15)
        (arrived,) = watch.arrivals(max_files=1, timeout=TIMEOUT)
        handed_over = time.time()
        assert sha256_file(arrived) == sha256_file(exports[7])  # whole, not half
    assert finished_at(writer) <= handed_over


def test_the_organiser_watches_and_moves_each_export_once_complete(folder, exports, tmp_path):
    dest = tmp_path / "organised"
    runs = organise.organise_arrivals(folder, dest, settle=SETTLE, max_files=2, timeout=TIMEOUT)
    assert next(runs).moves == []  # what was there already: nothing
    july = start_copy_slowly(exports[7], folder / "July export.csv", pieces=6, pause=0.15)
    august = start_copy_slowly(exports[8], folder / "aug.csv", pieces=1, pause=0, wait=0.2)
    moved = [move for run in runs for move in run.moves]
    assert [(m.source, m.new_name, m.rows) for m in moved] == [
        ("aug.csv", "flights-2013-08.csv", 29327),
        ("July export.csv", "flights-2013-07.csv", 29425),
    ]
    for process in (july, august):
        finished_at(process)
    assert sha256_file(dest / "flights-2013-07.csv") == sha256_file(exports[7])
    assert sorted(p.name for p in folder.iterdir()) == []


def test_a_refused_file_stays_and_the_watch_goes_on(folder, exports, tmp_path):
    dest = tmp_path / "organised"
    text = exports[8].read_bytes().split(b"\n")
    first, other = b"\n".join(text[:31]) + b"\n", b"\n".join(text[:32]) + b"\n"
    (folder / "aug.csv").write_bytes(first)
    runs = organise.organise_arrivals(folder, dest, settle=SETTLE, max_files=2, timeout=TIMEOUT)
    assert [m.new_name for m in next(runs).moves] == ["flights-2013-08.csv"]
    (folder / "aug_v2.csv").write_bytes(other)  # August again, different: refused
    refused = next(runs)
    assert isinstance(refused, DsopsError)
    assert str(refused).startswith("aug_v2.csv holds the flights of 2013-08, but ")
    (folder / "july.csv").write_bytes(exports[7].read_bytes())
    assert [m.new_name for m in next(runs).moves] == ["flights-2013-07.csv"]
    assert list(runs) == []  # two files arrived: the watch is over
    assert (folder / "aug_v2.csv").read_bytes() == other
