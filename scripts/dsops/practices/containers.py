"""The model API as a container image: a Debian base built from Debian's packages, the
image built from the repository's Dockerfile with podman, and a record of what came out
(`make image` writes `data/benchmarks/container-image.json`, which the containers page
reads).

Three plain commands do the work, each shown in full by a function that returns it:

- `mmdebstrap` writes a minimal Debian with Python as a tar stream, and `podman import`
  turns the stream into the local base image (no registry is needed);
- `podman build --isolation=chroot` builds the Dockerfile on that base (chroot
  isolation needs no user namespaces, so it works inside other sandboxes too);
- `podman history` and `podman image inspect` say what each layer weighs.

`hadolint` (its PyPI wheel ships the binary) lints the Dockerfile.
"""

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from packaging.requirements import Requirement

from dsops.practices import environments
from dsops.shared import benchmarks, paths
from dsops.shared.errors import DsopsError

NAME = "container-image"
DOCKERFILE = paths.PROJ_ROOT / "Dockerfile"
BASE_TAG = "localhost/debian-python:bookworm"
IMAGE_TAG = "localhost/dsops-api:latest"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("python3", "python3-venv")
# The machine's certificate authorities: where HTTPS goes through a proxy with its own
# authority, the build's pip and uv must trust it to reach PyPI.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# What a minimal image need not carry: manuals, documentation, translations.
EXCLUDED_PATHS = ("/usr/share/man/*", "/usr/share/doc/*", "/usr/share/locale/*")


def podman_missing() -> str | None:
    """Why images cannot be built here, or None when podman is on PATH."""
    if shutil.which("podman") is None:
        return "podman is not installed (Debian: apt-get install podman mmdebstrap)"
    return None


def base_image_commands(
    tag: str = BASE_TAG, suite: str = DEBIAN_SUITE, mirror: str = DEBIAN_MIRROR
) -> tuple[list[str], list[str]]:
    """The two commands of a pipe that builds the base image: mmdebstrap writes a
    minimal Debian with Python as a tar stream on stdout; podman import reads it."""
    debootstrap = [
        "mmdebstrap",
        "--variant=minbase",
        f"--include={','.join(BASE_PACKAGES)}",
        *[f"--dpkgopt=path-exclude={path}" for path in EXCLUDED_PATHS],
        '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
        f'--customize-hook=mkdir -p "$1"{CA_BUNDLE.parent} && cp {CA_BUNDLE} "$1"{CA_BUNDLE}',
        suite,
        "-",
        mirror,
    ]
    import_ = ["podman", "import", "--change", 'CMD ["python3"]']
    for variable in ("SSL_CERT_FILE", "PIP_CERT"):  # uv reads the first, pip the second
        import_ += ["--change", f"ENV {variable}={CA_BUNDLE}"]
    return debootstrap, [*import_, "-", tag]


def shown(command: list[str]) -> str:
    """A command as a shell takes it (quoted where needed), one argument a line."""
    return " \\\n    ".join(shlex.quote(argument) for argument in command)


def build_command(
    tag: str = IMAGE_TAG, base: str = BASE_TAG, context: Path = paths.PROJ_ROOT
) -> list[str]:
    """podman build of the Dockerfile on `base`. Docker's image format, since the OCI
    format has no HEALTHCHECK (podman would drop it with a warning)."""
    return [
        "podman",
        "build",
        "--isolation=chroot",
        "--format=docker",
        "--build-arg",
        f"BASE_IMAGE={base}",
        "--tag",
        tag,
        str(context),
    ]


def run_logged(command: list[str], log: Path, stdin=None) -> subprocess.CompletedProcess:
    """Run a command with its output appended to `log`; a failure names the log."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(command, stdin=stdin, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise DsopsError(f"{command[0]} {command[1]} failed (exit {done.returncode}): see {log}")
    return done


def build_base(log: Path, tag: str = BASE_TAG) -> float:
    """Build the base image from Debian's packages; seconds it took."""
    debootstrap, import_ = base_image_commands(tag)
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(debootstrap)} | {' '.join(import_)}\n")
        out.flush()
        stream = subprocess.Popen(debootstrap, stdout=subprocess.PIPE, stderr=out)
        try:
            run_logged(import_, log, stdin=stream.stdout)
        finally:
            stream.stdout.close()
            stream.wait()
    if stream.returncode != 0:
        raise DsopsError(f"mmdebstrap failed (exit {stream.returncode}): see {log}")
    return time.perf_counter() - started


def podman_json(*args: str) -> list[dict]:
    """The JSON that a podman command prints."""
    done = subprocess.run(["podman", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DsopsError(f"podman {args[0]} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def short_step(created_by: str, width: int = 90) -> str:
    """A layer's instruction as a reader recognises it: buildah writes `RUN x` as
    `/bin/sh -c x` and metadata steps as `/bin/sh -c #(nop) X`."""
    step = " ".join(created_by.split())
    step = re.sub(r"^\|1 BASE_IMAGE=\S+ ", "", step)  # the build argument, before each RUN
    for prefix in ("/bin/sh -c #(nop) ", "/bin/sh -c "):
        if step.startswith(prefix):
            step = step[len(prefix) :]
            if prefix == "/bin/sh -c ":
                step = "RUN " + step
            break
    step = re.sub(r"\b(dir|file):[0-9a-f]{64}", r"\1", step)  # content hashes of COPY, ADD
    return step if len(step) <= width else step[: width - 1] + "…"


def layers(history: list[dict]) -> list[dict]:
    """`podman history --format json`, oldest first: each step and the bytes it added."""
    return [
        {"step": short_step(entry.get("CreatedBy", "")), "bytes": int(entry.get("size", 0))}
        for entry in reversed(history)
    ]


def image_facts(tag: str) -> dict[str, str | int]:
    """Size, id and run-time settings of a built image, as text a record can hold."""
    inspected = podman_json("image", "inspect", tag)[0]
    config = inspected.get("Config") or {}
    return {
        "tag": tag,
        "id": inspected["Id"],
        "bytes": int(inspected["Size"]),
        "user": config.get("User", ""),
        "entrypoint": " ".join(config.get("Entrypoint") or []),
        "exposed_ports": " ".join(sorted(config.get("ExposedPorts") or {})),
        "healthcheck": " ".join((inspected.get("Healthcheck") or {}).get("Test", [])),
    }


def layer_figures(steps: list[dict]) -> dict[str, dict]:
    """Layers as entries of a benchmark record, `layer-01` the oldest."""
    return {f"layer-{number:02d}": step for number, step in enumerate(steps, start=1)}


def recorded_layers(figures: dict) -> list[dict]:
    """The layers of a record, oldest first."""
    return [figures[key] for key in sorted(figures) if key.startswith("layer-")]


def run(log: Path | None = None) -> Path:
    """Build the base and the image, and record their layers and sizes (`make image`)."""
    reason = podman_missing()
    if reason:
        raise DsopsError(f"cannot build images here: {reason}")
    if not (paths.MODELS_DIR / "penguin-body-mass").is_dir():
        raise DsopsError("no stored model to put in the image: run make train first")
    log = log or paths.PROJ_ROOT / ".reports" / "container-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("", encoding="utf-8")
    base_s = build_base(log)
    started = time.perf_counter()
    run_logged(build_command(), log)
    image_s = time.perf_counter() - started
    base = image_facts(BASE_TAG)
    image = image_facts(IMAGE_TAG)
    figures = {
        "base": {"tag": BASE_TAG, "build_s": round(base_s, 1), "bytes": base["bytes"]},
        "image": {**image, "build_s": round(image_s, 1)},
        **layer_figures(layers(podman_json("history", "--format", "json", IMAGE_TAG))),
    }
    return benchmarks.record(
        NAME,
        "The model API's container image: the Debian base built from Debian's packages "
        "(mmdebstrap, podman import), the image built from the Dockerfile on it, each "
        "layer's size and the image's run-time settings.",
        "One cold build of each with podman (the base from scratch; the image with an empty "
        "layer cache for its own steps, downloading the locked packages from PyPI), timed "
        "by wall clock; sizes as podman history and podman image inspect report them "
        "(uncompressed bytes).",
        figures,
    )


def locked_packages(*selection: str) -> list[str]:
    """The packages `uv sync SELECTION` installs on this machine, from the lock alone
    (`uv export`: no resolution, no download). No SELECTION: everything `uv sync`
    installs for development; `--no-default-groups`: what the image installs."""
    done = subprocess.run(
        [
            str(environments.find_uv()),
            "export",
            "--frozen",
            "--no-emit-project",
            "--no-hashes",
            "--no-header",
            "--no-annotate",
            *selection,
        ],
        cwd=paths.PROJ_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DsopsError(f"uv export {' '.join(selection)} failed: {done.stderr.strip()}")
    # One `name==version ; marker` line per package version; the marker says for which
    # Pythons and systems, so keep the lines that apply to this one.
    requirements = [Requirement(line) for line in done.stdout.splitlines() if line.strip()]
    return sorted(r.name for r in requirements if r.marker is None or r.marker.evaluate())


def hadolint(dockerfile: Path = DOCKERFILE) -> subprocess.CompletedProcess:
    """hadolint on a Dockerfile: its findings, one a line (exit 1 when there is one)."""
    # the environment's own copy (the wheel puts it beside the interpreter), then PATH
    beside = Path(sys.executable).parent / "hadolint"
    binary = str(beside) if beside.is_file() else shutil.which("hadolint")
    if binary is None:
        raise DsopsError("hadolint is not installed: run make setup (it is a dev dependency)")
    return subprocess.run(
        [binary, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
