"""A drop folder that organises itself: monthly flights exports, saved under whatever
names people gave them, moved into one convention read from their content.

For each file of the drop folder (and of the folders below it), in name order:

1. an editor's or a download's temporary file is left where it is;
2. its SHA-256 is computed: a file whose content is already stored, or came earlier in
   this run, is a duplicate and goes to `duplicates/`;
3. it is checked against the flights schema (`tables.read_file`): a file that fails,
   or that holds more than one month, goes to `quarantine/`, with the reason;
4. a good file is named `flights-YYYY-MM.csv`, the year and month read from its rows.

Nothing is deleted: every file is moved in one rename, so at any moment it is either
where it was or where it belongs, never half-copied; each move is recorded in
`manifest.json` right after it is made. `plan` only reads and decides; `organise`
plans and moves, one run at a time per destination. Bad input (a folder that does not
exist, a destination inside the drop folder, a file that cannot be read, two files
for the same month with different content) stops the run before anything moves.
"""

import errno
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dsops.flights.tables import read_file
from dsops.shared.errors import DataValidationError, DsopsError
from dsops.shared.files import one_writer, sha256_file, write_atomically
from dsops.shared.watch import FolderWatch

MANIFEST = "manifest.json"
QUARANTINE = "quarantine"
DUPLICATES = "duplicates"
ORGANISED, DUPLICATE, QUARANTINED = "organised", "duplicate", "quarantined"

# Names that programs give files they have not finished with: hidden files (a
# spreadsheet's `.~lock.name#`, vim's `.name.swp`), Office's `~$name`, backups
# (`name~`) and downloads in progress.
TEMPORARY_PREFIXES = (".", "~")
TEMPORARY_SUFFIXES = ("~", "#", ".tmp", ".part", ".crdownload", ".swp")


def month_name(year: int, month: int) -> str:
    """The convention: one file per month, named by the month its rows hold."""
    return f"flights-{year}-{month:02d}.csv"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def is_temporary(path: Path) -> bool:
    """Whether a file's name says another program has not finished with it."""
    name = path.name.lower()
    return name.startswith(TEMPORARY_PREFIXES) or name.endswith(TEMPORARY_SUFFIXES)


@dataclass(frozen=True)
class Move:
    """One file's move, as the manifest records it."""

    source: str  # where it was, relative to the drop folder
    new_name: str  # where it goes, relative to the destination
    sha256: str
    rows: int | None  # data rows, for a file that passed the schema
    verdict: str  # ORGANISED, DUPLICATE or QUARANTINED
    reason: str | None = None  # why it is a duplicate or in quarantine


@dataclass
class Plan:
    """What a run does: the moves, in order, and the files it leaves where they are."""

    source: Path
    dest: Path
    moves: list[Move] = field(default_factory=list)
    left: dict[str, str] = field(default_factory=dict)  # file -> why it stays


# Checking the folders --------------------------------------------------------------


def _device(path: Path) -> int:
    """The file system a path is on, or would be on once created."""
    while not path.exists():
        path = path.parent
    return path.stat().st_dev


def check_folders(source: Path, dest: Path) -> None:
    """One sentence for each way the two folders cannot work."""
    if not source.exists():
        raise DsopsError(f"{source}: no such folder. Pass the folder the exports are saved in.")
    if not source.is_dir():
        raise DsopsError(f"{source} is a file: pass the folder the exports are saved in.")
    if dest.exists() and not dest.is_dir():
        raise DsopsError(f"{dest} is a file: pass a folder for the organised exports.")
    if dest.resolve().is_relative_to(source.resolve()):
        raise DsopsError(
            f"{dest} is inside {source}, so every run would find its own output again: "
            f"pass a destination outside {source}."
        )
    if _device(dest.resolve()) != source.stat().st_dev:
        raise DsopsError(
            f"{source} and {dest} are on different file systems, where a move is a copy "
            "that an interruption can leave half done: pass a destination on the same "
            f"file system as {source}."
        )


# The manifest ----------------------------------------------------------------------


def read_manifest(dest: Path) -> list[dict]:
    """Every move recorded in `dest`'s manifest, oldest first (none before the first)."""
    path = dest / MANIFEST
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DsopsError(
            f"{path} cannot be read as a manifest ({err}): restore it from a backup or move "
            "it away (the organised files stay), then run again; nothing was moved."
        ) from None
    return entries


def _write_manifest(dest: Path, entries: list[dict]) -> None:
    text = json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
    write_atomically(dest / MANIFEST, lambda tmp: tmp.write_text(text, encoding="utf-8"))


# Deciding --------------------------------------------------------------------------


def _reason(err: DataValidationError, path: Path) -> str:
    """A validation message as one line, without the file's path it starts with."""
    first, *problems = str(err).removeprefix(str(path)).lstrip(":").strip().splitlines()
    return " ".join([first, "; ".join(p.strip().removeprefix("- ") for p in problems)]).strip()


def inspect(path: Path) -> tuple[int, tuple[int, int] | None, str | None]:
    """A file's data rows, the (year, month) they all belong to, and, if the file
    cannot be organised, why (then the month is None)."""
    try:
        flights = read_file("flights", path, fix="")
    except DataValidationError as err:
        return 0, None, _reason(err, path)
    months = sorted(set(zip(flights["year"], flights["month"], strict=True)))
    if len(months) > 1:
        listed = ", ".join(f"{y}-{m:02d}" for y, m in months)
        why = f"holds the flights of {len(months)} months ({listed}): save one file per month"
        return len(flights), None, why
    ((year, month),) = months
    return len(flights), (int(year), int(month)), None


def _free_name(folder: str, name: str, taken: set[str], dest: Path) -> str:
    """`folder/name`, or `folder/<stem>-2<suffix>` (-3, …) if that is taken."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    candidate, n = f"{folder}/{name}", 1
    while candidate in taken or (dest / candidate).exists():
        n += 1
        candidate = f"{folder}/{stem}-{n}{dot}{suffix}"
    return candidate


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _unreadable(name: str, source: Path, err: OSError) -> DsopsError:
    return DsopsError(
        f"{source / name} cannot be read ({err.strerror}): give yourself read permission "
        f"(chmod u+r) or move it out of {source}, then run again; nothing was moved."
    )


def _files(source: Path, only: Iterable[Path] | None) -> list[Path]:
    found = source.rglob("*") if only is None else only
    return sorted(Path(p) for p in found if Path(p).is_file())


def plan(
    source: Path,
    dest: Path,
    only: Iterable[Path] | None = None,
    progress: Callable[[list[Path]], Iterable[Path]] = iter,
) -> Plan:
    """Decide where each file of `source` (or each of `only`) goes; read, never write.
    `progress` wraps the list of files to check (a progress bar, say)."""
    source, dest = Path(source), Path(dest)
    check_folders(source, dest)
    entries = read_manifest(dest)
    stored = {e["sha256"]: e["new_name"] for e in entries if e["verdict"] != DUPLICATE}
    planned = Plan(source, dest)
    seen: dict[str, str] = {}  # content hash -> where this run puts the first file with it
    conflicts: list[str] = []
    candidates = []
    for path in _files(source, only):
        if is_temporary(path):
            planned.left[path.relative_to(source).as_posix()] = "a program's temporary file"
        else:
            candidates.append(path)
    for path in progress(candidates):
        name = path.relative_to(source).as_posix()
        try:
            before = _signature(path)
            digest = sha256_file(path)
            same = stored.get(digest) or seen.get(digest)
            rows, month, why = (0, None, None) if same else inspect(path)
            changed = _signature(path) != before
        except OSError as err:
            raise _unreadable(name, source, err) from None
        if changed:
            planned.left[name] = "it changed while it was read, so it is still being written"
            continue
        if same:
            verdict, why = DUPLICATE, f"same content as {same}"
        elif why:
            verdict = QUARANTINED
        else:
            verdict, new, label = ORGANISED, month_name(*month), f"{month[0]}-{month[1]:02d}"
            claimed = [m.source for m in planned.moves if m.new_name == new]
            there = dest / new
            if claimed:
                conflicts.append(
                    f"{claimed[0]} and {name} both hold the flights of {label} but differ: "
                    f"keep the right one in {source} and move the other out"
                )
                continue
            if there.exists():
                if sha256_file(there) != digest:
                    conflicts.append(
                        f"{name} holds the flights of {label}, but {there} already holds "
                        f"different ones: replace that file with {name} by hand if it is "
                        f"the correction, or move {name} out of {source}"
                    )
                    continue
                verdict, why = DUPLICATE, f"same content as {new}"  # the manifest lost it
        if verdict != ORGANISED:
            folder = DUPLICATES if verdict == DUPLICATE else QUARANTINE
            new = _free_name(folder, path.name, {m.new_name for m in planned.moves}, dest)
        kept_rows = rows if verdict == ORGANISED else None
        planned.moves.append(Move(name, new, digest, kept_rows, verdict, why))
        if verdict != DUPLICATE:
            seen[digest] = new
    if conflicts:
        raise DsopsError("; ".join(conflicts) + ". Nothing was moved.")
    return planned


# Moving ----------------------------------------------------------------------------


def apply(planned: Plan) -> list[Move]:
    """Make the planned moves in order, each one rename recorded in the manifest right
    after it; a failure stops the run with every file where it was or where it belongs."""
    entries = read_manifest(planned.dest)
    done: list[Move] = []
    for move in planned.moves:
        origin, target = planned.source / move.source, planned.dest / move.new_name
        try:
            if target.exists():  # planned moments ago: something else is writing here
                raise FileExistsError(errno.EEXIST, "it appeared after the plan was made")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(origin, target)
            done.append(move)
            entries.append(asdict(move))
            _write_manifest(planned.dest, entries)
        except OSError as err:
            recorded = f"the {len(done)} moved before it are recorded in {planned.dest / MANIFEST}"
            raise DsopsError(
                f"could not move {origin} to {target} ({err.strerror or err}): {recorded}, "
                f"and it and the files after it are still in {planned.source}. Fix the "
                "cause and run again to finish."
            ) from None
    return done


def organise(
    source: Path,
    dest: Path,
    dry_run: bool = False,
    only: Iterable[Path] | None = None,
    progress: Callable[[list[Path]], Iterable[Path]] = iter,
) -> Plan:
    """Plan, and unless `dry_run`, move: one run at a time per destination (a second
    waits for the first), so each plans on what the one before it left."""
    source, dest = Path(source), Path(dest)
    if dry_run:
        return plan(source, dest, only, progress)
    check_folders(source, dest)
    created = not dest.exists()
    try:
        with one_writer([dest / MANIFEST]):  # creates dest, to lock it
            planned = plan(source, dest, only, progress)
            apply(planned)
    except DsopsError:
        if created and not any(dest.iterdir()):
            dest.rmdir()  # a refused first run leaves no empty folder behind
        raise
    return planned


def organise_arrivals(
    source: Path,
    dest: Path,
    settle: float = 1.0,
    max_files: int | None = None,
    timeout: float | None = None,
) -> Iterator[Plan | DsopsError]:
    """Organise what `source` holds, then each file that arrives in it, once it has
    not changed for `settle` seconds, until `max_files` files arrived or `timeout`
    seconds passed. Yields each run's plan, or the error that kept a file where it is
    (the watch goes on: one bad file does not stop it)."""
    source, dest = Path(source), Path(dest)
    check_folders(source, dest)
    with FolderWatch(source, settle=settle, ignore=is_temporary) as watch:
        yield _attempt(source, dest, None)
        for path in watch.arrivals(max_files, timeout):
            yield _attempt(source, dest, [path])


def _attempt(source: Path, dest: Path, only: list[Path] | None) -> Plan | DsopsError:
    try:
        return organise(source, dest, only=only)
    except DsopsError as err:
        return err


# Saying what happened --------------------------------------------------------------


def describe(planned: Plan, dry_run: bool = False) -> list[str]:
    """One line per file: what was (or would be) moved where, and what stays."""
    verb = "would move" if dry_run else "moved"
    lines = []
    for move in planned.moves:
        why = f"{move.rows} rows" if move.verdict == ORGANISED else move.reason
        lines.append(f"{verb} {move.source} -> {move.new_name} ({why})")
    for name, why in planned.left.items():
        lines.append(f"left {name} ({why})")
    return lines


def summary(planned: Plan, dry_run: bool = False) -> str:
    """The run in one line."""
    if not planned.moves:
        return f"nothing to organise in {planned.source}"
    count = {v: sum(m.verdict == v for m in planned.moves) for v in (ORGANISED, DUPLICATE)}
    quarantined = len(planned.moves) - count[ORGANISED] - count[DUPLICATE]
    done = "would organise" if dry_run else "organised"
    then = "dry run: nothing was moved" if dry_run else f"manifest: {planned.dest / MANIFEST}"
    return (
        f"{done} {_plural(len(planned.moves), 'file')} into {planned.dest}: "
        f"{_plural(count[ORGANISED], 'month')}, {_plural(count[DUPLICATE], 'duplicate')}, "
        f"{quarantined} quarantined; {then}"
    )


def as_json(planned: Plan, dry_run: bool = False) -> dict:
    """The run for a machine: the moves as the manifest records them, and what stays."""
    return {
        "source": str(planned.source),
        "destination": str(planned.dest),
        "dry_run": dry_run,
        "moves": [asdict(move) for move in planned.moves],
        "left": [{"source": name, "reason": why} for name, why in planned.left.items()],
    }
