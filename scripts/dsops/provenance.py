"""Checksums of the immutable raw data, recorded in a `sha256sum`-compatible manifest."""

from pathlib import Path

from dsops.errors import DsopsError
from dsops.files import sha256_file


def read_manifest(manifest: Path) -> dict[str, str]:
    """Map each file name in the manifest to its recorded SHA-256."""
    if not manifest.is_file():
        raise DsopsError(
            f"{manifest}: no such manifest. Create it with `sha256sum FILE > {manifest}`."
        )
    entries: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise DsopsError(f"{manifest}, line {number}: expected '<sha256>  <file name>'.")
        entries[name.strip()] = digest
    return entries


def verify_manifest(manifest: Path) -> list[Path]:
    """Check every file listed in the manifest (paths relative to it); return those checked."""
    checked = []
    for name, expected in read_manifest(manifest).items():
        path = manifest.parent / name
        if not path.is_file():
            raise DsopsError(f"{path} is listed in {manifest} but does not exist.")
        actual = sha256_file(path)
        if actual != expected:
            raise DsopsError(
                f"{path} has changed: its SHA-256 is {actual}, the manifest records {expected}. "
                "Raw data is immutable: restore it with `git checkout -- "
                f"{path.name}` and put new data in a new file with its own manifest line."
            )
        checked.append(path)
    return checked
