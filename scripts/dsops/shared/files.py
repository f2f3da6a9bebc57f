"""Small file helpers: checksums, atomic writes, and one writer at a time."""

import errno
import fcntl
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it over `target` only on success.

    A failure inside the block removes the temporary file and leaves `target` as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as DuckDB want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` and move the result to `target` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)


def _beside(target: Path, suffix: str) -> Path:
    """A fresh, unused path in the target's folder (so a rename is atomic)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    path = Path(name)
    path.unlink()  # writers such as DuckDB want to create the file themselves
    return path


def swap_in(temps: Sequence[Path], targets: Sequence[Path]) -> None:
    """Rename each temporary file over its target, all or none: each old target is moved
    aside first, and if any rename fails, the renames already done are undone."""
    for target in targets:
        if target.is_dir():  # a folder where a file goes is never "an old version"
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(target))
    done: list[tuple[Path, Path | None]] = []  # (target, where its old version waits)
    try:
        for tmp, target in zip(temps, targets, strict=True):
            backup = None
            if target.exists():
                backup = _beside(target, ".old")
                os.replace(target, backup)
            done.append((target, backup))
            os.replace(tmp, target)
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        raise
    for _, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)


@contextmanager
def atomic_paths(targets: Sequence[Path]) -> Iterator[list[Path]]:
    """Temporary paths beside several targets; on success they replace the targets
    together (`swap_in`), and on any failure every target stays as it was."""
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
    temps = [_beside(target, ".tmp") for target in targets]
    try:
        yield temps
        swap_in(temps, targets)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


@contextmanager
def one_writer(targets: Sequence[Path]) -> Iterator[None]:
    """Hold the lock on writing `targets` (files of one folder; the folder itself is
    locked, so no lock file is left behind): a second run waits until the first is
    done, so neither loses the other's work. Once the lock is held, what a killed earlier
    run left beside the targets is cleared: its temporary files are deleted, and an old
    version it had moved aside (see swap_in) goes back if its new version never came."""
    folder = targets[0].parent
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("waiting for another run that is writing into %s", folder)
            fcntl.flock(handle, fcntl.LOCK_EX)
        for target in targets:
            for left in folder.glob(f".{target.name}.*.tmp*"):  # and a DuckDB .wal beside it
                left.unlink(missing_ok=True)
            for old in folder.glob(f".{target.name}.*.old"):
                if target.exists():
                    old.unlink(missing_ok=True)
                else:
                    os.replace(old, target)
        yield
    finally:
        os.close(handle)  # closing the folder lets the lock go


def tree(folder: Path) -> str:
    """A folder's files and folders as indented text, the way the `tree` command
    draws them (folders end with `/`, entries in name order)."""
    lines = [f"{Path(folder).name}/"]

    def walk(at: Path, indent: str) -> None:
        children = sorted(at.iterdir(), key=lambda p: p.name)
        for i, child in enumerate(children):
            last = i == len(children) - 1
            branch, below = ("└── ", "    ") if last else ("├── ", "│   ")
            lines.append(f"{indent}{branch}{child.name}{'/' if child.is_dir() else ''}")
            if child.is_dir():
                walk(child, indent + below)

    walk(Path(folder), "")
    return "\n".join(lines)
