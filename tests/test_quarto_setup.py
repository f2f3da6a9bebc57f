"""Finding or installing the pinned Quarto, and the pin being the same everywhere."""

import re
import subprocess

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
