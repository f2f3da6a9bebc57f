"""Copies of the raw flights tables for demonstrations and tests: a temporary folder
never the repository's data/raw, optionally cut to some months, and a way to change
one flight in a copy, as a new export of the data would."""

import functools
import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path

from dsops.flights.columns import FILES, FLIGHTS_CSV
from dsops.shared import paths


def read_flight_lines(archive: Path) -> tuple[bytes, list[bytes]]:
    """The flights CSV's header and data lines, as bytes."""
    with zipfile.ZipFile(archive) as zipped:
        header, _, body = zipped.read(FLIGHTS_CSV).partition(b"\n")
    return header, body.splitlines()


def write_flight_lines(archive: Path, header: bytes, lines: list[bytes]) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zipped:
        zipped.writestr(FLIGHTS_CSV, b"\n".join([header, *lines]) + b"\n")


def _field(line: bytes, position: int) -> bytes:
    return line.split(b",", position + 1)[position]


def copy_raw(
    target: Path, months: Iterable[int] | None = None, raw_dir: Path = paths.RAW_FLIGHTS_DIR
) -> Path:
    """The five raw tables copied into `target`; with `months`, only those months'
    flights and weather (the other tables whole). The copy is the demo's to change, not
    the repo's."""
    if target.resolve().is_relative_to(paths.RAW_DIR.resolve()):
        raise ValueError(f"{target}: copies go outside data/raw, which is never written")
    target.mkdir(parents=True, exist_ok=True)
    for file in FILES.values():
        shutil.copyfile(raw_dir / file, target / file)
    if months is not None:
        months = set(months)
        keep = {str(m).encode() for m in months}
        header, by_month = _lines_by_month(raw_dir / FILES["flights"])  # read once a process
        kept = [line for month, lines in by_month.items() if month in months for line in lines]
        write_flight_lines(target / FILES["flights"], header, kept)
        # the weather of other months joins none of the flights kept
        weather = target / FILES["weather"]
        header, _, body = weather.read_bytes().partition(b"\n")
        at = header.split(b",").index(b"month")
        kept = [line for line in body.splitlines() if _field(line, at) in keep]
        weather.write_bytes(b"\n".join([header, *kept]) + b"\n")
    return target


def change_flight(raw_dir: Path, month: int, column: str, value: str) -> int:
    """Set `column` of the first flight of `month` in a copy to `value` (as text);
    return that flight's line number in the file (header = line 1)."""
    archive = raw_dir / FILES["flights"]
    if archive.resolve().is_relative_to(paths.RAW_DIR.resolve()):
        raise ValueError(f"{archive}: data/raw is never written; change a copy (copy_raw)")
    header, lines = read_flight_lines(archive)
    names = header.decode().split(",")
    at = names.index("month")
    index = next(i for i, x in enumerate(lines) if _field(x, at) == str(month).encode())
    fields = lines[index].decode().split(",")
    fields[names.index(column)] = value
    lines[index] = ",".join(fields).encode()
    write_flight_lines(archive, header, lines)
    return index + 2  # line 1 is the header


# A drop folder: monthly exports as people save them ------------------------------------


@functools.cache  # the raw zip is read once per process (pages and tests ask often)
def _lines_by_month(archive: Path) -> tuple[bytes, dict[int, list[bytes]]]:
    header, lines = read_flight_lines(archive)
    at = header.split(b",").index(b"month")
    by_month: dict[bytes, list[bytes]] = {}
    for line in lines:
        by_month.setdefault(_field(line, at), []).append(line)
    return header, {int(month): kept for month, kept in by_month.items()}


def month_lines(
    months: Iterable[int], raw_dir: Path = paths.RAW_FLIGHTS_DIR, rows: int | None = None
) -> dict[int, bytes]:
    """Each month's flights (or its first `rows`) as the CSV text an export of that
    month would hold: the header, then that month's lines of the raw file, in order."""
    header, by_month = _lines_by_month(raw_dir / FILES["flights"])
    return {m: b"\n".join([header, *by_month[m][:rows]]) + b"\n" for m in months}


def _outside_raw(path: Path) -> Path:
    if path.resolve().is_relative_to(paths.RAW_DIR.resolve()):
        raise ValueError(f"{path}: exports go outside data/raw, which is never written")
    return path


def export_month(
    month: int, path: Path, rows: int | None = None, raw_dir: Path = paths.RAW_FLIGHTS_DIR
) -> Path:
    """One month's flights (or its first `rows`) saved as a CSV export at `path`."""
    _outside_raw(path).parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(month_lines([month], raw_dir, rows)[month])
    return path


# What the drop folder holds: each file's name, and what is in it.
DROP_FOLDER = {
    "Flights_Jan.csv": "January's flights",
    "2013-02 flights.CSV": "February's flights, saved with Windows line endings",
    "flights_march_final(1).csv": "March's flights",
    "jan_flights_backup.csv": "January's flights again, byte for byte",
    "flights_april.csv": "April's flights, cut off in the middle of a row",
    "May flights (summary).csv": "May's flights with seven of their nineteen columns",
    ".~lock.Flights_Jan.csv#": "the lock file a spreadsheet leaves while it has a file open",
    "from-ops/june flights.csv": "June's flights, in a folder of its own",
}
SUMMARY_COLUMNS = ["year", "month", "day", "carrier", "flight", "origin", "dest"]


def make_drop_folder(target: Path, raw_dir: Path = paths.RAW_FLIGHTS_DIR) -> Path:
    """A drop folder as people fill one: monthly exports of the real flights under
    names nobody agreed on, the same file twice, a truncated one, one with the wrong
    columns, an editor's lock file and a nested folder (DROP_FOLDER says which)."""
    _outside_raw(target).mkdir(parents=True, exist_ok=True)
    text = month_lines([1, 2, 3, 4, 5, 6], raw_dir)
    january = text[1]
    (target / "Flights_Jan.csv").write_bytes(january)
    (target / "2013-02 flights.CSV").write_bytes(text[2].replace(b"\n", b"\r\n"))
    (target / "flights_march_final(1).csv").write_bytes(text[3])
    (target / "jan_flights_backup.csv").write_bytes(january)
    april = text[4]
    cut = april.index(b"\n", len(april) // 2) + 40  # 40 bytes into a row of about 120
    (target / "flights_april.csv").write_bytes(april[:cut])
    header, *lines = text[5].decode().splitlines()
    names = header.split(",")
    keep = [names.index(column) for column in SUMMARY_COLUMNS]
    summary = [",".join(line.split(",")[i] for i in keep) for line in [header, *lines]]
    (target / "May flights (summary).csv").write_text("\n".join(summary) + "\n")
    (target / ".~lock.Flights_Jan.csv#").write_text(",analyst,workstation,01.07.2013 09:12;\n")
    (target / "from-ops").mkdir(exist_ok=True)
    (target / "from-ops" / "june flights.csv").write_bytes(text[6])
    return target
