"""The pre-commit set-up: local hooks only, the ones CONTRIBUTING promises, and the two
checks the project implements itself."""

import yaml

from dsops.shared import paths
from sitebuild.hooks import RAW_MAX_BYTES, check_yaml, large_files, main

CONFIG = yaml.safe_load((paths.PROJ_ROOT / ".pre-commit-config.yaml").read_text())


def test_every_hook_is_local_and_the_required_ones_are_there():
    assert [repo["repo"] for repo in CONFIG["repos"]] == ["local"]
    ids = {hook["id"] for hook in CONFIG["repos"][0]["hooks"]}
    assert {"ruff", "ruff-format", "check-yaml", "large-files", "uv-lock"} <= ids
    assert all(hook["language"] == "system" for hook in CONFIG["repos"][0]["hooks"])


def test_make_lint_runs_pre_commit():
    makefile = (paths.PROJ_ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "pre-commit run --all-files" in lint


def test_yaml_check(tmp_path):
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text("a: 1\n---\nb: [2]\n")
    bad.write_text("a: [unclosed\n")
    assert check_yaml([good]) == []
    (problem,) = check_yaml([good, bad])
    assert problem.startswith(f"{bad}: not valid YAML: ")


def test_large_file_guard(tmp_path, capsys):
    small, big = tmp_path / "small.csv", tmp_path / "big.bin"
    small.write_bytes(b"x" * 10)
    big.write_bytes(b"x" * 2048)
    assert large_files([small, big], limit=1024) == [
        f"{big}: 2,048 bytes, over the 1,024-byte limit for the repository: keep large data "
        "out of git (see data/raw/README.md)"
    ]
    assert main(["large-files", str(small)]) == 0
    assert main(["nonsense"]) == 2
    assert "usage: python -m sitebuild.hooks" in capsys.readouterr().err


def test_raw_data_as_shipped_has_its_own_limit(tmp_path):
    """The flights tables (8.3 MB zipped) pass the raw limit, not the general one."""
    shipped = paths.RAW_DIR / "flights" / "flights.csv.zip"
    assert large_files([shipped])  # over 500 KB
    assert main(["large-raw-files", str(shipped)]) == 0
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b"x" * (RAW_MAX_BYTES + 1))
    assert main(["large-raw-files", str(huge)]) == 1
