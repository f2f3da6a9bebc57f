"""Checksums of the immutable raw data: one `sha256sum`-compatible manifest per dataset
folder (`data/raw/<dataset>/SHA256SUMS`), beside that folder's `PROVENANCE.md`."""

import platform
import subprocess
from importlib.metadata import version
from pathlib import Path

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from dsops.shared.files import sha256_file

MANIFEST_NAME = "SHA256SUMS"
# Files a dataset folder may hold besides its data: they describe the data.
DOCUMENTATION = {MANIFEST_NAME, "PROVENANCE.md", "README.md"}


def read_manifest(manifest: Path) -> dict[str, str]:
    """Map each file name in the manifest to its recorded SHA-256."""
    if not manifest.is_file():
        raise DsopsError(
            f"{manifest}: no such manifest. Create it with "
            f"`cd {manifest.parent} && sha256sum FILE... > {MANIFEST_NAME}`."
        )
    entries: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise DsopsError(f"{manifest}, line {number}: expected '<sha256>  <file name>'.")
        entries[name.strip()] = digest
    if not entries:
        raise DsopsError(
            f"{manifest} lists no files: add a '<sha256>  <file name>' line for each raw file."
        )
    return entries


def verify_manifest(manifest: Path) -> list[Path]:
    """Check every file listed in the manifest (paths relative to it); return those checked.

    A data file in the folder that the manifest does not list is an error too: raw data
    nobody recorded cannot be shown to be unchanged.
    """
    entries = read_manifest(manifest)
    folder = manifest.parent
    unlisted = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and p.name not in entries and p.name not in DOCUMENTATION
    )
    if unlisted:
        raise DsopsError(
            f"{folder} holds {', '.join(unlisted)}, which {manifest.name} does not list: "
            f"record it with `cd {folder} && sha256sum {unlisted[0]} >> {MANIFEST_NAME}` "
            "and describe it in PROVENANCE.md."
        )
    checked = []
    for name, expected in entries.items():
        path = folder / name
        if not path.is_file():
            raise DsopsError(f"{path} is listed in {manifest} but does not exist.")
        actual = sha256_file(path)
        if actual != expected:
            raise DsopsError(
                f"{path} has changed: its SHA-256 is {actual}, the manifest records {expected}. "
                f"Raw data is immutable: restore it with `git checkout -- {path}` "
                "and put new data in a new file with its own manifest line."
            )
        checked.append(path)
    return checked


def raw_manifests(raw_dir: Path = paths.RAW_DIR) -> list[Path]:
    """Every dataset's manifest under data/raw, one per dataset folder."""
    manifests = sorted(raw_dir.glob(f"*/{MANIFEST_NAME}"))
    if not manifests:
        raise DsopsError(
            f"no {MANIFEST_NAME} manifest in any folder of {raw_dir}: each dataset lives in "
            f"data/raw/<dataset>/ with a manifest of its files."
        )
    return manifests


def git_commit(cwd: Path = paths.PROJ_ROOT) -> dict[str, object]:
    """The checked-out commit and whether tracked files had changes (None outside git):
    what a model card or a benchmark record says it was built from."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    # benchmark records are results, not inputs: rewriting them is no local change
    status = (
        git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)data/benchmarks")
        if commit
        else None
    )
    return {"commit": commit or None, "modified": bool(status) if commit else None}


def software_facts(libraries: list[str] | tuple[str, ...]) -> dict[str, object]:
    """What a model was trained with: the versions of these libraries, Python's, and the
    commit (the closing fields of every model card)."""
    return {
        "libraries": {name: version(name) for name in libraries},
        "python": platform.python_version(),
        "git": git_commit(),
    }
