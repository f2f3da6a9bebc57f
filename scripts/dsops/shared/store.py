"""The model store: one pins folder board (`models/`) that every model of the site is
written to by a training step and read from by pages, the API and the browser predictor.

Each model is one pin whose versions are bundles of files (the fitted pipeline, its
card, its exports): one version is one consistent model, and its card is the pin's
metadata. A version is written into a temporary board first and renamed into the store
in one step, so a failed training run never leaves half a version behind.

Only training steps (`dsops train`, run by `make train`) write here; pages only read.
"""

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pins

from dsops.shared import paths
from dsops.shared.errors import DsopsError, MissingArtifactError

pins.config.pins_options.quiet = True  # pins reports writes on stderr; the CLI reports them

TRAIN_TARGET = "make train"
KEEP_VERSIONS = 5  # older versions are pruned after each write


@dataclass(frozen=True)
class ModelVersion:
    """One stored version of a model: where its files are, and its card."""

    name: str
    version: str
    folder: Path
    card: dict

    def file(self, name: str) -> Path:
        path = self.folder / name
        if not path.is_file():
            raise MissingArtifactError(path, TRAIN_TARGET)
        return path

    def read_json(self, name: str) -> dict:
        return json.loads(self.file(name).read_text(encoding="utf-8"))

    def link_from(self, page: Path, name: str) -> str:
        """A relative link from a page to one of the files, valid in the source tree and,
        since the store is a declared Quarto resource, in the published site too."""
        target = self.file(name).resolve()
        return Path(os.path.relpath(target, Path(page).resolve().parent)).as_posix()

    def site_path(self, name: str, root: Path = paths.PROJ_ROOT) -> str:
        """The file's path relative to the project root, which is also its path in the
        published site (the store is a declared Quarto resource)."""
        return self.file(name).resolve().relative_to(root.resolve()).as_posix()


class ModelStore:
    """Versioned models in a pins folder board."""

    def __init__(self, root: Path = paths.MODELS_DIR) -> None:
        self.root = Path(root)

    def _board(self, folder: Path | None = None):
        return pins.board_folder(str(folder or self.root), allow_pickle_read=True)

    def names(self) -> list[str]:
        """Models in the store (pin folders; stray files in the board root are ignored)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name[0] not in "._")

    def versions(self, name: str) -> list[str]:
        """Stored versions of a model, oldest first."""
        if name not in self.names():
            return []
        return [str(v) for v in self._board().pin_versions(name, as_df=True)["version"]]

    def write(self, name: str, files: list[Path], card: Mapping, title: str) -> ModelVersion:
        """Store the files as a new version of `name`, with `card` as its metadata."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._wait_for_a_new_second(name)
        with tempfile.TemporaryDirectory(dir=self.root.parent, prefix=".models-") as staging:
            meta = self._board(Path(staging)).pin_upload(
                [str(f) for f in files], name, title=title, metadata=dict(card)
            )
            version = meta.version.version
            target = self.root / name / version
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():  # the same files in the same second: already stored
                shutil.rmtree(Path(staging) / name / version)
            else:
                (Path(staging) / name / version).rename(target)
        if len(self.versions(name)) > KEEP_VERSIONS:
            self._board().pin_versions_prune(name, n=KEEP_VERSIONS)
        return self.get(name, version)

    def _wait_for_a_new_second(self, name: str) -> None:
        """pins names a version by the second it was written (and a content hash) and
        orders versions by that second; two writes in one second would have no order."""
        versions = self.versions(name)
        while versions and versions[-1].startswith(_version_second()):
            time.sleep(0.05)

    def get(self, name: str, version: str | None = None) -> ModelVersion:
        """A stored version (the latest by default); one sentence if there is none."""
        versions = self.versions(name)
        if not versions:
            where = paths.project_relative(self.root)
            raise MissingArtifactError(f"model {name!r} in {where}/", TRAIN_TARGET)
        chosen = version or versions[-1]
        if chosen not in versions:
            raise DsopsError(
                f"model {name!r} has no version {chosen!r}; stored: {', '.join(versions)}."
            )
        meta = self._board().pin_meta(name, chosen)
        return ModelVersion(
            name=name, version=chosen, folder=self.root / name / chosen, card=dict(meta.user)
        )


def _version_second() -> str:
    """The clock second as pins writes it into a version name (its local clock)."""
    return datetime.now().strftime("%Y%m%dT%H%M%SZ")
