"""Copies of the raw flights tables for demonstrations and tests: a temporary folder
never the repository's data/raw, optionally cut to some months, and a way to change
one flight in a copy, as a new export of the data would."""

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
    flights (the other tables whole). The copy is the demo's to change, not the repo's."""
    if target.resolve().is_relative_to(paths.RAW_DIR.resolve()):
        raise ValueError(f"{target}: copies go outside data/raw, which is never written")
    target.mkdir(parents=True, exist_ok=True)
    for file in FILES.values():
        shutil.copyfile(raw_dir / file, target / file)
    if months is not None:
        keep = {str(m).encode() for m in months}
        header, lines = read_flight_lines(target / FILES["flights"])
        at = header.split(b",").index(b"month")
        kept = [line for line in lines if _field(line, at) in keep]
        write_flight_lines(target / FILES["flights"], header, kept)
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
