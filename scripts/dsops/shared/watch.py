"""A file watcher: each file that arrives in a folder, handed over once it is complete.

The operating system tells `watchdog` when a file is created, written to or moved
into the folder (or a folder below it); `watchdog` tells us, from a thread of its own,
through a queue. A file is complete when its size and modification time have stayed
the same for `settle` seconds: a program still writing it changes them, so it is
never handed over half-written. `arrivals()` stops after `max_files` files or
`timeout` seconds, whichever comes first, so a demonstration or a test cannot hang.

    with FolderWatch(drop, settle=1.0) as watch:
        for path in watch.arrivals(max_files=3, timeout=60):
            ...  # path has not changed for a second
"""

import math
import os
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

POLL_SECONDS = 0.1  # how often files waiting to settle are looked at again


class _Changes(FileSystemEventHandler):
    """Puts the path of every created, written or moved-in file or folder on a queue (a
    folder is "modified" whenever a file in it changes: that names no new file)."""

    def __init__(self, changed: queue.SimpleQueue) -> None:
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory and event.event_type == "modified":
            return
        if event.event_type in ("created", "modified", "closed"):
            self.changed.put(Path(os.fsdecode(event.src_path)))
        elif event.event_type == "moved":  # where it went, which may be outside the folder
            self.changed.put(Path(os.fsdecode(event.dest_path)))


def _signature(path: Path) -> tuple[int, int] | None:
    """A file's size and modification time (None once it is gone or not a file)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns) if path.is_file() else None


class FolderWatch:
    """Watches `folder` from `with` until the end of the block; files for which
    `ignore(path)` is true (an editor's temporary file, say) are never handed over."""

    def __init__(
        self,
        folder: Path,
        settle: float = 1.0,
        ignore: Callable[[Path], bool] = lambda path: False,
    ) -> None:
        self.folder = Path(folder).resolve()
        self.settle = settle
        self.ignore = ignore
        self.changed: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self.observer = Observer()

    def __enter__(self) -> "FolderWatch":
        self.observer.schedule(_Changes(self.changed), str(self.folder), recursive=True)
        self.observer.start()  # from here on, nothing that arrives is missed
        # What is there already counts as seen: it is handed over only if it changes.
        self.seen = {p: _signature(p) for p in self.folder.rglob("*") if p.is_file()}
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.observer.stop()
        self.observer.join()

    def _files(self, path: Path) -> list[Path]:
        """The files a change names: the file itself, or every file of a new folder."""
        if not path.is_relative_to(self.folder):  # moved out of the folder
            return []
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        return [p for p in found if not self.ignore(p)]

    def arrivals(
        self, max_files: int | None = None, timeout: float | None = None
    ) -> Iterator[Path]:
        """Each file that arrives or changes, once unchanged for `settle` seconds, until
        `max_files` files were handed over or `timeout` seconds passed (both None: until
        interrupted). A file handed over that changes again is handed over again; one
        that stays as it was is not, whatever the system reports late."""
        stop_at = math.inf if timeout is None else time.monotonic() + timeout
        waiting: dict[Path, tuple[tuple[int, int] | None, float]] = {}  # signature, since
        handed: set[Path] = set()
        while len(handed) != max_files and time.monotonic() < stop_at:
            try:
                changed = [self.changed.get(timeout=POLL_SECONDS)]
                while not self.changed.empty():
                    changed.append(self.changed.get())
            except queue.Empty:
                changed = []
            now = time.monotonic()
            for path in changed:
                for file in self._files(path):
                    if file not in waiting and self.seen.get(file) != _signature(file):
                        waiting[file] = (_signature(file), now)
            for file, (seen, since) in sorted(waiting.items()):
                current = _signature(file)
                if current is None:  # gone: moved away or deleted
                    del waiting[file]
                elif current != seen:  # still being written
                    waiting[file] = (current, now)
                elif now - since >= self.settle:
                    del waiting[file]
                    self.seen[file] = current
                    handed.add(file)
                    yield file
                    if len(handed) == max_files:
                        return
