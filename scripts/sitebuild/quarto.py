"""Find the pinned Quarto, or install it from PyPI (quarto-cli) into the project environment.

The quarto-cli package downloads the Quarto release from GitHub while it installs, so on a
machine that cannot reach GitHub the install fails; we say so in one sentence, never hang.

CI installs Quarto's release archive instead (`make quarto-release`): `fetch_release`
downloads it from the release on GitHub, unless a copy is already in the (cached)
folder, and accepts it only if its SHA-256 is the one pinned in tools/quarto-SHA256SUMS;
`install_release` unpacks it there and links its `quarto` into the project environment,
so no root rights and no system package are needed.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from dsops.shared import paths
from dsops.shared.errors import DsopsError

INSTALL_TIMEOUT = 900  # seconds; the Quarto download is about 130 MB
INSTALL_LOG = paths.PROJ_ROOT / ".venv" / "quarto-install.log"
DOWNLOAD_HELP = "https://quarto.org/docs/download/"
CHECKSUMS = paths.PROJ_ROOT / "tools" / "quarto-SHA256SUMS"
RELEASES = "https://github.com/quarto-dev/quarto-cli/releases"
DOWNLOAD_TIMEOUT = 600  # seconds; the archive is about 130 MB


def find_quarto() -> Path | None:
    """Quarto on PATH, else the copy in the project environment, else None."""
    on_path = shutil.which("quarto")
    if on_path:
        return Path(on_path)
    local = Path(sys.prefix) / "bin" / "quarto"
    return local if local.is_file() and os.access(local, os.X_OK) else None


def quarto_version(quarto: Path) -> str:
    """The version a Quarto executable reports."""
    try:
        out = subprocess.run(
            [str(quarto), "--version"], capture_output=True, text=True, check=True, timeout=120
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise DsopsError(
            f"{quarto} does not run ({err}); reinstall Quarto {paths.quarto_version()}."
        ) from None
    return out.stdout.strip()


def install_quarto(version: str, uv: str) -> Path:
    """pip-install quarto-cli==version into this environment with uv; return the quarto path."""
    INSTALL_LOG.parent.mkdir(parents=True, exist_ok=True)
    command = [uv, "pip", "install", "--python", sys.executable, f"quarto-cli=={version}"]
    try:
        with open(INSTALL_LOG, "w", encoding="utf-8") as log:
            done = subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT
            )
        failed = done.returncode != 0
    except subprocess.TimeoutExpired:
        failed = True
    except OSError as err:
        raise DsopsError(f"cannot run uv ({err}); run `make setup` first.") from None
    found = find_quarto()
    if failed or found is None:
        cause = (
            "its installer downloads Quarto from GitHub, which this machine cannot reach"
            if "Error downloading" in INSTALL_LOG.read_text(encoding="utf-8", errors="replace")
            else "the install failed"
        )
        raise DsopsError(
            f"Quarto {version} is not installed and could not be installed from PyPI: {cause} "
            f"(details in {INSTALL_LOG.relative_to(paths.PROJ_ROOT)}). Install Quarto {version} "
            f"from {DOWNLOAD_HELP} (or put its `quarto` on PATH) and run the command again."
        )
    return found


def ensure_quarto(uv: str, optional: bool = False) -> str:
    """Make the pinned Quarto available; return a one-line status for the user."""
    pinned = paths.quarto_version()
    quarto = find_quarto()
    if quarto is None:
        try:
            quarto = install_quarto(pinned, uv)
        except DsopsError as err:
            if optional:
                return f"note: {err} Tests that render the site will be skipped."
            raise
    found = quarto_version(quarto)
    if found != pinned:
        return (
            f"warning: {quarto} is Quarto {found}, but this project pins {pinned} "
            "(QUARTO_VERSION); output may differ from CI's."
        )
    return f"Quarto {found} at {quarto}"


def release_name(version: str) -> str:
    """The release archive for Linux on x86-64 (what GitHub's runners are)."""
    return f"quarto-{version}-linux-amd64.tar.gz"


def pinned_sha256(version: str, checksums: Path = CHECKSUMS) -> str:
    """The SHA-256 pinned for that version's release archive (sha256sum's format)."""
    name = release_name(version)
    try:
        text = checksums.read_text(encoding="utf-8")
    except OSError as err:
        raise DsopsError(f"{checksums} cannot be read ({err.strerror}).") from None
    found = re.search(rf"^([0-9a-f]{{64}})  {re.escape(name)}$", text, re.MULTILINE)
    if found is None:
        raise DsopsError(
            f"{paths.project_relative(checksums)} pins no SHA-256 for {name}: copy its line "
            f"from quarto-{version}-checksums.txt on {RELEASES}/tag/v{version} into it."
        )
    return found[1]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, target: Path) -> None:
    with (
        urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,
        open(target, "wb") as out,
    ):
        shutil.copyfileobj(response, out)


def fetch_release(
    version: str,
    folder: Path,
    checksums: Path = CHECKSUMS,
    download: Callable[[str, Path], None] = _download,
) -> Path:
    """The pinned Quarto's release archive in `folder`, downloaded only if no copy with
    the pinned SHA-256 is there; a download with any other SHA-256 is deleted and refused."""
    expected = pinned_sha256(version, checksums)
    target = folder / release_name(version)
    if target.is_file() and sha256_of(target) == expected:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    url = f"{RELEASES}/download/v{version}/{target.name}"
    try:
        download(url, partial)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise DsopsError(f"cannot download {url} ({err}).") from None
    found = sha256_of(partial)
    if found != expected:
        partial.unlink()
        raise DsopsError(
            f"{url} has SHA-256 {found}, not the {expected} pinned in "
            f"{paths.project_relative(checksums)}: the download was deleted, not installed."
        )
    partial.replace(target)
    return target


def install_release(
    version: str,
    folder: Path,
    environment: Path = Path(sys.prefix),
    checksums: Path = CHECKSUMS,
    download: Callable[[str, Path], None] = _download,
) -> Path:
    """The pinned Quarto unpacked in `folder` (from the checked archive) and linked as
    `bin/quarto` of the project environment, where `uv run` and find_quarto look."""
    archive = fetch_release(version, folder, checksums, download)
    unpacked = folder / f"quarto-{version}"  # the archive's one top-level folder
    if not (unpacked / "bin" / "quarto").is_file():
        shutil.rmtree(unpacked, ignore_errors=True)
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")  # no links or paths out of `folder`
    quarto = unpacked / "bin" / "quarto"
    if not quarto.is_file():
        raise DsopsError(f"{archive} holds no quarto-{version}/bin/quarto: delete it and retry.")
    link = environment / "bin" / "quarto"
    link.unlink(missing_ok=True)
    link.symlink_to(quarto.resolve())
    return link
