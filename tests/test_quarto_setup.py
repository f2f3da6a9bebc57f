"""Finding or installing the pinned Quarto, and the pin being the same everywhere."""

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from sitebuild import quarto


def fake_install_failure(version, uv):
    raise DsopsError(f"Quarto {version} is not installed and could not be installed from PyPI.")


def test_a_quarto_that_cannot_be_installed_fails_make_site(monkeypatch):
    monkeypatch.setattr(quarto, "find_quarto", lambda: None)
    monkeypatch.setattr(quarto, "install_quarto", fake_install_failure)
    with pytest.raises(DsopsError, match=f"Quarto {paths.quarto_version()} is not installed"):
        quarto.ensure_quarto("uv")


def test_with_optional_the_failure_becomes_a_note_about_skipped_render_tests(monkeypatch):
    monkeypatch.setattr(quarto, "find_quarto", lambda: None)
    monkeypatch.setattr(quarto, "install_quarto", fake_install_failure)
    status = quarto.ensure_quarto("uv", optional=True)
    assert status.startswith("note: Quarto ")
    assert status.endswith("Tests that render the site will be skipped.")


def test_a_failed_download_is_explained(monkeypatch, tmp_path):
    log = tmp_path / "quarto-install.log"
    monkeypatch.setattr(quarto, "INSTALL_LOG", log)
    monkeypatch.setattr(quarto, "find_quarto", lambda: None)

    def pip_install(command, stdout, **kwargs):
        stdout.write(
            "Error downloading Quarto: <urlopen error [Errno -2] Name or service not known>\n"
        )
        return subprocess.CompletedProcess(command, 1)

    monkeypatch.setattr(quarto.subprocess, "run", pip_install)
    monkeypatch.setattr(quarto.paths, "PROJ_ROOT", tmp_path)
    with pytest.raises(DsopsError) as caught:
        quarto.install_quarto("1.8.25", "uv")
    message = str(caught.value)
    assert "downloads Quarto from GitHub, which this machine cannot reach" in message
    assert "Install Quarto 1.8.25 from https://quarto.org/docs/download/" in message


def test_a_different_quarto_version_is_warned_about(monkeypatch, tmp_path):
    fake = tmp_path / "quarto"
    fake.write_text("#!/bin/sh\necho 0.9.1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(quarto, "find_quarto", lambda: fake)
    status = quarto.ensure_quarto("uv")
    assert status.startswith(f"warning: {fake} is Quarto 0.9.1, but this project pins")


def test_the_makefile_reads_the_single_pin():
    makefile = (paths.PROJ_ROOT / "Makefile").read_text()
    assert "QUARTO_VERSION := $(shell cat QUARTO_VERSION)" in makefile
    assert not re.search(r"quarto-cli==\d", makefile)


def release_archive(version: str = "1.8.25") -> bytes:
    """A small stand-in for Quarto's release archive: one top folder with bin/quarto."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        script = b"#!/bin/sh\necho 1.8.25\n"
        info = tarfile.TarInfo(f"quarto-{version}/bin/quarto")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    return buffer.getvalue()


ARCHIVE = release_archive()
ARCHIVE_SHA256 = hashlib.sha256(ARCHIVE).hexdigest()
NAME = "quarto-1.8.25-linux-amd64.tar.gz"


def checksums(tmp_path, line: str) -> Path:
    path = tmp_path / "quarto-SHA256SUMS"
    path.write_text(f"# pinned checksums\n{line}\n")
    return path


def serving(content: bytes, calls: list[str]):
    """A stand-in for the download from GitHub: records the URL, writes `content`."""

    def download(url: str, target: Path) -> None:
        calls.append(url)
        target.write_bytes(content)

    return download


def test_the_release_is_downloaded_checked_kept_and_linked_into_the_environment(tmp_path):
    sums = checksums(tmp_path, f"{ARCHIVE_SHA256}  {NAME}")
    calls: list[str] = []
    environment = tmp_path / "venv"
    (environment / "bin").mkdir(parents=True)
    cache = tmp_path / "cache"
    link = quarto.install_release("1.8.25", cache, environment, sums, serving(ARCHIVE, calls))
    assert link == environment / "bin" / "quarto"
    assert link.resolve() == (cache / "quarto-1.8.25" / "bin" / "quarto").resolve()
    assert subprocess.run([link], capture_output=True, text=True).stdout == "1.8.25\n"
    assert calls == [f"https://github.com/quarto-dev/quarto-cli/releases/download/v1.8.25/{NAME}"]
    # a cached copy with the pinned SHA-256 is used as it is
    quarto.install_release("1.8.25", cache, environment, sums, serving(ARCHIVE, calls))
    assert len(calls) == 1


def test_a_download_with_another_sha256_is_deleted_and_refused(tmp_path):
    sums = checksums(tmp_path, f"{'0' * 64}  {NAME}")
    with pytest.raises(DsopsError) as caught:
        quarto.fetch_release("1.8.25", tmp_path / "cache", sums, serving(ARCHIVE, []))
    assert f"has SHA-256 {ARCHIVE_SHA256}, not the {'0' * 64} pinned in" in str(caught.value)
    assert str(caught.value).endswith("the download was deleted, not installed.")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_version_without_a_pinned_sha256_is_not_downloaded(tmp_path):
    sums = checksums(tmp_path, f"{ARCHIVE_SHA256}  quarto-1.8.24-linux-amd64.tar.gz")
    calls: list[str] = []
    with pytest.raises(DsopsError, match=rf"pins no SHA-256 for {re.escape(NAME)}"):
        quarto.fetch_release("1.8.25", tmp_path / "cache", sums, serving(ARCHIVE, calls))
    assert calls == []


def test_the_pinned_version_has_its_sha256_in_the_repository():
    """CI cannot install Quarto without it: the pin and its checksum travel together."""
    assert re.fullmatch(r"[0-9a-f]{64}", quarto.pinned_sha256(paths.quarto_version()))
