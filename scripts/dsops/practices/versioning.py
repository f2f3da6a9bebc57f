"""Data versioning: the checksums this repository keeps, and DVC (Data Version Control)
on a throwaway project with a local remote.

DVC keeps a data file out of git and writes a small `.dvc` file in its place, which git
versions: the file's MD5, its size and its path. The data itself goes into DVC's cache
and, with `push`, to a remote (here a folder); `checkout` puts back the version a `.dvc`
file names.

The demonstration calls DVC's Python API (`dvc.repo.Repo`), which the `dvc` command
runs too, in one process rather than one per command. Everything DVC writes goes into
the temporary folder given: the project, its cache, the remote, and DVC's global,
system and site folders (environment variables point them there). Analytics and update
checks are off, by environment and by the project's configuration.
"""

import contextlib
import hashlib
import io
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import yaml

from dsops.practices.gitdemo import git
from dsops.shared.errors import DsopsError
from dsops.shared.files import sha256_file


def md5_file(path: Path) -> str:
    """The MD5 of a file's bytes, which DVC 3 records for a file in its `.dvc` file."""
    digest = hashlib.md5(usedforsecurity=False)
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digests(path: Path) -> dict[str, str]:
    """A file's MD5 (what DVC records) and SHA-256 (what the model card records)."""
    return {"md5": md5_file(path), "sha256": sha256_file(path)}


@contextlib.contextmanager
def dvc_sandbox(folder: Path) -> Iterator[None]:
    """DVC with analytics off and its global, system and site folders inside `folder`.

    What DVC says to a person at a terminal is not shown: its advice ("To track the
    changes with git, run: ...", logged at level INFO; warnings still show) and its
    spinners, which it draws with rich, and which rich draws as HTML inside Jupyter
    (DVC's consoles are swapped for ones writing to a buffer). Everything is restored
    afterwards."""
    from dvc.ui import ui
    from rich.console import Console

    settings = {
        "DVC_NO_ANALYTICS": "1",
        "DVC_GLOBAL_CONFIG_DIR": str(folder / ".dvc-global"),
        "DVC_SYSTEM_CONFIG_DIR": str(folder / ".dvc-system"),
        "DVC_SITE_CACHE_DIR": str(folder / ".dvc-site"),
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    logger = logging.getLogger("dvc")
    level = logger.level
    logger.setLevel(logging.WARNING)
    buffer = io.StringIO()
    for console in ("rich_console", "error_console"):  # cached properties of DVC's ui
        ui.__dict__[console] = Console(file=buffer, force_jupyter=False, force_terminal=False)
    try:
        with contextlib.redirect_stdout(buffer):
            yield
    finally:
        logger.setLevel(level)
        for console in ("rich_console", "error_console"):
            ui.__dict__.pop(console, None)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class DataProject:
    """A git repository with DVC, in `folder/project`, and a DVC remote in `folder/remote`.

    The caller creates and removes `folder` (a temporary folder).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.root = self.folder / "project"
        self.remote = self.folder / "remote"

    def _repo(self):
        from dvc.repo import Repo  # DVC takes a moment to import; only its callers pay

        return Repo(str(self.root))

    def init(self) -> None:
        """`git init`, `dvc init`, and the project's DVC settings: analytics and update
        checks off, the local remote as default."""
        from dvc.repo import Repo

        self.root.mkdir(parents=True)
        self.remote.mkdir()
        git(self.root, "init", "--quiet")
        with dvc_sandbox(self.folder):
            repo = Repo.init(str(self.root))
            with repo.config.edit() as config:
                config["core"]["analytics"] = False
                config["core"]["check_update"] = False
                config["core"]["remote"] = "storage"
                config["remote"]["storage"] = {"url": str(self.remote)}
            repo.close()
        git(self.root, "add", ".dvc", ".dvcignore")
        git(self.root, "commit", "--quiet", "-m", "Start DVC, with a local remote")

    def track(self, source: Path, name: str, message: str, role: str = "analyst") -> dict:
        """Copy `source` into the project as `data/<name>`, `dvc add` it, commit its `.dvc`
        file with `message`, and `dvc push` the data to the remote; the `.dvc` file's
        entry for it."""
        target = self.root / "data" / name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, target)
        with dvc_sandbox(self.folder):
            repo = self._repo()
            repo.add(str(target))
            repo.push()
            repo.close()
        git(self.root, "add", f"data/{name}.dvc", "data/.gitignore", role=role)
        git(self.root, "commit", "--quiet", "-m", message, role=role)
        return self.dvc_entry(name)

    def dvc_file(self, name: str) -> str:
        """The text of `data/<name>.dvc`, as git stores it."""
        path = self.root / "data" / f"{name}.dvc"
        if not path.is_file():
            raise DsopsError(f"{path.name} does not exist: track data/{name} first.")
        return path.read_text(encoding="utf-8")

    def dvc_entry(self, name: str) -> dict:
        """The output entry of `data/<name>.dvc`: md5, size, hash, path."""
        (entry,) = yaml.safe_load(self.dvc_file(name))["outs"]
        return entry

    def diff(self, old: str, new: str = "HEAD") -> dict:
        """`dvc diff OLD NEW`: the data added, deleted and modified between two commits,
        with each file's old and new MD5."""
        with dvc_sandbox(self.folder):
            repo = self._repo()
            try:
                return repo.diff(old, new)
            finally:
                repo.close()

    def checkout(self, revision: str, name: str, pull: bool = False) -> Path:
        """Put back data/<name> as it was at `revision`: `git checkout REV -- data/<name>.dvc`
        then `dvc checkout`, which copies that version from the cache, or with `pull`,
        `dvc pull`, which first fetches it from the remote if the cache lacks it."""
        git(self.root, "checkout", revision, "--", f"data/{name}.dvc")
        if pull:
            self.pull()
            return self.root / "data" / name
        with dvc_sandbox(self.folder):
            repo = self._repo()
            repo.checkout()
            repo.close()
        return self.root / "data" / name

    def forget_cache(self) -> None:
        """Delete the project's DVC cache, as on a fresh clone."""
        shutil.rmtree(self.root / ".dvc" / "cache")

    def pull(self) -> None:
        """`dvc pull`: fetch the data the `.dvc` files name from the remote, and check it
        out."""
        with dvc_sandbox(self.folder):
            repo = self._repo()
            repo.pull()
            repo.close()

    def remote_files(self) -> list[Path]:
        """The files in the remote: one per version of the data, named by its MD5."""
        return sorted(p for p in self.remote.rglob("*") if p.is_file())
