"""The container image of the model API (dsops.practices.containers, the Dockerfile):

- the commands that build the base and the image are the ones the page shows;
- podman's history reads as the Dockerfile's steps, oldest first;
- hadolint passes the Dockerfile and names what is wrong with a bad one;
- the Dockerfile keeps its promises (pinned base, locked install, non-root, health check);
- what the image installs (the project's dependencies, no group) serves the model;
- where podman is installed and `make image` has built the image, the image is what the
  record says (podman can build here but not run a container; running is GitHub's job).
"""

import json
import os
import re
import shlex
import shutil
import subprocess

import httpx2
import pytest

from dsops.penguins.serving import ServedModel
from dsops.practices import containers, environments
from dsops.shared import benchmarks, paths
from dsops.shared.localserver import local_server

DOCKERFILE = (paths.PROJ_ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_base_is_a_pipe_from_mmdebstrap_into_podman_import():
    debootstrap, import_ = containers.base_image_commands("localhost/base:test")
    assert debootstrap[0] == "mmdebstrap" and "--variant=minbase" in debootstrap
    assert "--include=python3,python3-venv" in debootstrap
    assert debootstrap[-3:] == [containers.DEBIAN_SUITE, "-", containers.DEBIAN_MIRROR]
    assert import_[:2] == ["podman", "import"] and import_[-2:] == ["-", "localhost/base:test"]


def test_the_build_uses_chroot_isolation_the_docker_format_and_the_base_argument():
    command = containers.build_command("localhost/x:1", "localhost/base:test")
    assert command[:2] == ["podman", "build"]
    assert "--isolation=chroot" in command and "--format=docker" in command
    assert command[command.index("--build-arg") + 1] == "BASE_IMAGE=localhost/base:test"


def test_a_shown_command_is_one_a_shell_runs_as_it_is():
    command = ["mmdebstrap", '--customize-hook=rm -rf "$1"/tmp', "bookworm"]
    text = containers.shown(command)
    assert text.count(" \\\n    ") == 2
    assert shlex.split(text.replace("\\\n", "")) == command


def test_history_reads_as_the_dockerfiles_steps_oldest_first():
    history = [  # as `podman history --format json` prints it: newest first
        {"CreatedBy": '/bin/sh -c #(nop) ENTRYPOINT ["dsops", "serve"]', "size": 0},
        {"CreatedBy": "|1 BASE_IMAGE=b /bin/sh -c groupadd --system dsops", "size": 8192},
        {"CreatedBy": "/bin/sh -c #(nop) ADD file:4f4b in /", "size": 176883200},
    ]
    steps = containers.layers(history)
    assert [s["bytes"] for s in steps] == [176883200, 8192, 0]
    assert steps[0]["step"] == "ADD file:4f4b in /"
    assert steps[1]["step"] == "RUN groupadd --system dsops"
    assert containers.short_step(f"/bin/sh -c #(nop) COPY dir:{'a' * 64} in /app") == (
        "COPY dir in /app"
    )
    assert steps[2]["step"] == 'ENTRYPOINT ["dsops", "serve"]'
    assert containers.short_step("/bin/sh -c " + "x" * 200, width=20).endswith("…")


def test_the_dockerfile_keeps_its_promises():
    assert re.search(r"^ARG BASE_IMAGE=python:\d+\.\d+\.\d+-slim-\w+$", DOCKERFILE, re.M)
    assert "uv sync --locked --no-default-groups" in DOCKERFILE  # serving only
    assert re.search(r"^USER \d+:\d+$", DOCKERFILE, re.M)  # numeric: not root, no lookup
    assert re.search(r"^HEALTHCHECK .*\n.*/health", DOCKERFILE, re.M)
    assert DOCKERFILE.count("\nFROM ") == 2  # build stage and final stage


def test_the_image_installs_the_projects_dependencies_and_no_group():
    everything = containers.locked_packages()
    serving = containers.locked_packages("--no-default-groups")
    assert {"fastapi", "uvicorn", "scikit-learn", "pins"} <= set(serving)
    assert not {"duckdb", "matplotlib", "pytest", "dvc"} & set(serving)
    assert set(serving) < set(everything)


def test_what_the_image_installs_serves_the_model(tmp_path, monkeypatch):
    """The image's environment, made here the way its Dockerfile makes it (the project
    and its own dependencies, no group), answers /predict from the stored model."""
    served = ServedModel.load()
    venv = tmp_path / "venv"
    subprocess.run(
        [
            environments.find_uv(),
            "sync",
            "--locked",
            "--no-default-groups",
            "--no-editable",
            "--quiet",
        ],
        cwd=paths.PROJ_ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)},
        check=True,
    )
    python = venv / "bin" / "python"
    for left_out in ("duckdb", "matplotlib", "pytest"):  # the pipeline's, the checks'
        found = subprocess.run([python, "-c", f"import {left_out}"], capture_output=True)
        assert found.returncode != 0, f"{left_out} is in the serving environment"
    monkeypatch.setenv(paths.ROOT_ENV, str(paths.PROJ_ROOT))  # where models/ is, as in the image
    command = [str(venv / "bin" / "dsops"), "serve", "--host", "127.0.0.1", "--port", "0"]
    with local_server(command, timeout_s=60) as server:
        answer = httpx2.post(
            server.url + "/predict",
            json={"birds": [{"species": "Gentoo", "sex": "male", "bill_length_mm": 50.0}]},
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == served.version
    assert 4_000 < answer.json()["predictions"][0]["body_mass_g"] < 7_000


def test_the_build_context_is_only_what_the_dockerfile_copies():
    ignored = (paths.PROJ_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "*" in ignored  # everything out, then each path the build needs back in
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    copied = set()
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.M):
        copied |= set(sources.split())
    for path in copied:  # a copied folder is allowed, or holds allowed folders
        assert path in allowed or any(a.startswith(path + "/") for a in allowed), path


def test_hadolint_passes_the_dockerfile_and_names_the_faults_of_a_bad_one(tmp_path):
    assert containers.hadolint().returncode == 0, containers.hadolint().stdout
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install fastapi\nCMD python app.py\n")
    found = containers.hadolint(bad)
    assert found.returncode == 1
    assert {"DL3007", "DL3013", "DL3025"} <= set(re.findall(r"DL\d{4}", found.stdout))


def test_building_without_podman_says_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert "apt-get install podman" in containers.podman_missing()
    with pytest.raises(containers.DsopsError, match="cannot build images here"):
        containers.run()


def built_image() -> dict:
    """The image `make image` built, as podman inspects it (skips, saying why, where
    podman or the image is missing)."""
    reason = containers.podman_missing()
    if reason:
        pytest.skip(f"{reason}; the GitHub job `container` builds the image there")
    done = subprocess.run(
        ["podman", "image", "inspect", containers.IMAGE_TAG], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"{containers.IMAGE_TAG} is not built here: run make image")
    return json.loads(done.stdout)[0]


def test_the_built_image_runs_as_its_user_with_a_health_check_and_the_api():
    image = built_image()
    facts = containers.image_facts(containers.IMAGE_TAG)
    assert facts["user"] == "10001:10001"
    assert "/health" in facts["healthcheck"]
    assert facts["entrypoint"].startswith("dsops serve")
    assert facts["exposed_ports"] == "8080/tcp"
    assert image["Id"] == facts["id"]


def test_the_record_describes_the_image_built_here():
    image = built_image()
    figures = benchmarks.read(containers.NAME)["figures"]
    if figures["image"]["id"] != image["Id"]:
        pytest.skip("the image here was built after the record: run make image to record it")
    assert figures["image"]["bytes"] == int(image["Size"])
    layers = containers.recorded_layers(figures)
    assert sum(layer["bytes"] for layer in layers) == pytest.approx(
        figures["image"]["bytes"], rel=0.01
    )
    assert layers[-1]["step"].startswith("ENTRYPOINT")


def test_layers_are_recorded_as_numbered_entries_and_read_back_in_order():
    steps = [{"step": f"RUN {n}", "bytes": n} for n in range(12)]
    figures = {"image": {"bytes": 66}, **containers.layer_figures(steps)}
    assert list(figures)[1] == "layer-01"
    assert containers.recorded_layers(figures) == steps
