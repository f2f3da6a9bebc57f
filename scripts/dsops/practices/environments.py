"""Environments as code: what this repository pins at each layer (system, interpreter,
packages, tools), read from the files that pin it, and an offline demonstration of
drift: a local wheelhouse with two versions of a tiny package, one environment built
from an unpinned requirement and one from a lock file with hashes.

The demonstration runs uv (the installer `make setup` uses) in a temporary folder, with
its own cache, no configuration files, no network and no interpreter downloads, so it
reads and writes nothing outside that folder.
"""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path

import pandas as pd

from dsops.practices.terminal import plain_env
from dsops.shared import paths
from dsops.shared.errors import DsopsError

LOCK_FILE = paths.PROJ_ROOT / "uv.lock"
UV_PIN_FILE = paths.PROJ_ROOT / "tools" / "uv-requirements.txt"
QUARTO_SUMS_FILE = paths.PROJ_ROOT / "tools" / "quarto-SHA256SUMS"
BROWSER_LOCK_FILE = paths.PROJ_ROOT / "tools" / "browser" / "package-lock.json"
PYPROJECT_FILE = paths.PROJ_ROOT / "pyproject.toml"
UV_TIMEOUT = 120  # seconds; each step takes well under one


def normalise(name: str) -> str:
    """A distribution name as package indexes compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- what uv.lock pins --------------------------------------------------------------


def platform_of(filename: str) -> str:
    """The family of systems a wheel is built for, from its file name's platform tag
    (`name-version-python-abi-platform.whl`), or "source archive" for an sdist."""
    if not filename.endswith(".whl"):
        return "source archive"
    platform_tag = filename.removesuffix(".whl").split("-")[-1]
    for prefix, family in [
        ("any", "any (pure Python)"),
        ("manylinux", "Linux"),
        ("musllinux", "Linux"),
        ("linux", "Linux"),
        ("macosx", "macOS"),
        ("win", "Windows"),
    ]:
        if platform_tag.startswith(prefix):
            return family
    return "other (iOS, Android, WebAssembly)"


@dataclass(frozen=True)
class LockSummary:
    requires_python: str
    packages: pd.DataFrame  # one row per locked package version
    files: pd.DataFrame  # one row per file a package version may be installed from

    @property
    def names(self) -> int:
        return self.packages["name"].nunique()

    def versions(self, name: str) -> list[str]:
        rows = self.packages[self.packages["name"] == normalise(name)]
        return rows["version"].tolist()

    def locked_twice(self) -> list[str]:
        """Packages locked at more than one version (each for some Pythons or platforms)."""
        counts = self.packages["name"].value_counts()
        return sorted(counts[counts > 1].index)


def read_lock(lock: Path = LOCK_FILE) -> LockSummary:
    """What a uv.lock pins: each package version, where it comes from, and each file it
    may be installed from, with its hash."""
    try:
        data = tomllib.loads(lock.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise DsopsError(f"{lock}: cannot read this lock file ({err}).") from None
    packages, files = [], []
    for package in data.get("package", []):
        name, version = normalise(package["name"]), package["version"]
        packages.append({"name": name, "version": version, "source": next(iter(package["source"]))})
        for file in [*package.get("wheels", []), *filter(None, [package.get("sdist")])]:
            filename = file["url"].rsplit("/", 1)[-1]
            files.append(
                {
                    "name": name,
                    "version": version,
                    "file": filename,
                    "platform": platform_of(filename),
                    "hash": file.get("hash", ""),
                }
            )
    return LockSummary(
        data.get("requires-python", ""),
        pd.DataFrame(packages, columns=["name", "version", "source"]),
        pd.DataFrame(files, columns=["name", "version", "file", "platform", "hash"]),
    )


def lock_entry(name: str, lock: Path = LOCK_FILE) -> str:
    """A package's `[[package]]` block, as uv.lock writes it."""
    for block in lock.read_text(encoding="utf-8").split("\n[[package]]\n")[1:]:
        if block.startswith(f'name = "{name}"\n'):
            return "[[package]]\n" + block.strip()
    raise DsopsError(f"{lock} has no package named {name!r}.")


def installed_against_lock(lock: LockSummary) -> tuple[int, list[str]]:
    """How many distributions of the running environment are at a version the lock pins,
    and the `name==version` of those that are not."""
    pinned = set(zip(lock.packages["name"], lock.packages["version"], strict=True))
    installed = sorted({(normalise(d.metadata["Name"]), d.version) for d in distributions()})
    off = [f"{name}=={version}" for name, version in installed if (name, version) not in pinned]
    return len(installed), off


# --- what pins each layer -------------------------------------------------------------


def pinned_requirement(requirements: Path) -> tuple[str, int]:
    """`name==version` of a hash-pinned requirements file's one requirement, and its hashes."""
    text = requirements.read_text(encoding="utf-8")
    requirement = re.search(r"^([A-Za-z0-9._-]+==\S+)", text, re.MULTILINE)
    if requirement is None:
        raise DsopsError(f"{requirements}: no `name==version` requirement in it.")
    return requirement[1], len(re.findall(r"--hash=sha256:", text))


def environment_layers() -> pd.DataFrame:
    """Each layer of this site's environment, the file that pins it, and what it says."""
    lock = read_lock()
    project = tomllib.loads(PYPROJECT_FILE.read_text(encoding="utf-8"))
    downloads = project["tool"]["uv"].get("python-downloads", "automatic")
    uv_pin, uv_hashes = pinned_requirement(UV_PIN_FILE)
    quarto = paths.quarto_version()
    quarto_sum = next(
        line.split()[0]
        for line in QUARTO_SUMS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and f"quarto-{quarto}-" in line
    )
    browser = json.loads(BROWSER_LOCK_FILE.read_text(encoding="utf-8"))["packages"]
    browser_top = browser[""]["dependencies"]
    return pd.DataFrame(
        [
            {
                "layer": "System: operating system, Chromium, git",
                "pinned_by": "nothing: named in the Makefile and CI",
                "pins": f"whatever the machine has; here {platform.system()} {platform.machine()}",
            },
            {
                "layer": "Interpreter: Python",
                "pinned_by": "pyproject.toml",
                "pins": f"a range, {project['project']['requires-python']}; "
                f"python-downloads = {downloads}; here {platform.python_version()}",
            },
            {
                "layer": "Python packages",
                "pinned_by": "uv.lock",
                "pins": f"{len(lock.packages)} package versions, {len(lock.files):,} files, "
                "each with its SHA-256",
            },
            {
                "layer": "Tool: uv, the installer",
                "pinned_by": "tools/uv-requirements.txt",
                "pins": f"{uv_pin}, {uv_hashes} SHA-256 hashes (one per platform)",
            },
            {
                "layer": "Tool: Quarto, the renderer",
                "pinned_by": "QUARTO_VERSION, tools/quarto-SHA256SUMS",
                "pins": f"{quarto}, its archive's SHA-256 {quarto_sum[:12]}…",
            },
            {
                "layer": "Tool: browser checks",
                "pinned_by": "tools/browser/package-lock.json",
                "pins": ", ".join(f"{n} {v}" for n, v in browser_top.items())
                + f"; {len(browser) - 1} npm packages, each with its integrity hash",
            },
        ]
    )


# --- drift, offline: a wheelhouse and two environments ---------------------------------

# A tiny package in two versions. Version 2.0.0 makes a change its author thought minor:
# `mean` now rounds to whole numbers. Code that ran with 1.0.0 still runs, and answers
# differently.
TINYSTATS = {
    "1.0.0": 'def mean(values):\n    """The arithmetic mean."""\n'
    "    return sum(values) / len(values)\n",
    "2.0.0": 'def mean(values, digits=0):\n    """The arithmetic mean, rounded."""\n'
    "    return round(sum(values) / len(values), digits)\n",
}


def find_uv(environ: dict[str, str] | None = None, root: Path = paths.PROJ_ROOT) -> Path:
    """The uv binary: $UV (set by `uv run` and by CI), then uv on PATH, then the copy
    `make setup` installs into .tools/."""
    environ = dict(os.environ) if environ is None else environ
    candidates = []
    if environ.get("UV"):
        named = Path(environ["UV"])
        candidates.append(named if named.is_absolute() else root / named)
    on_path = shutil.which("uv", path=environ.get("PATH"))
    if on_path:
        candidates.append(Path(on_path))
    candidates.append(root / ".tools" / "uv" / "bin" / "uv")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise DsopsError("uv is not installed: run `make setup`, which installs it, and try again.")


def run_uv(cwd: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `uv ARGS` in `cwd`: offline, with the cache given, no configuration files."""
    env = plain_env(
        UV_CACHE_DIR=str(cache),
        UV_NO_CONFIG="1",
        UV_OFFLINE="1",
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
    )
    env.pop("VIRTUAL_ENV", None)  # `uv run` sets it; the demo names its environments
    return subprocess.run(
        [str(find_uv()), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=UV_TIMEOUT,
    )


class Wheelhouse:
    """A folder of wheels, the only package index of the environments built from it.

    Everything (package sources, wheels, lock files, environments, uv's cache) lives in
    `folder`, which the caller creates and removes (a temporary folder).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.wheels = folder / "wheelhouse"
        self.wheels.mkdir(parents=True, exist_ok=True)

    def uv(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return run_uv(cwd or self.folder, self.folder / ".uv-cache", *args)

    def uv_ok(self, *args: str, cwd: Path | None = None) -> str:
        """`uv ARGS`, which must succeed; its stdout."""
        done = self.uv(*args, cwd=cwd)
        if done.returncode != 0:
            raise DsopsError(f"`uv {' '.join(args)}` failed: {done.stderr.strip()}")
        return done.stdout

    def build(self, name: str, version: str, code: str) -> Path:
        """Write a package whose __init__.py is `code`, build its wheel into the
        wheelhouse (replacing one of the same name), and return the wheel."""
        source = self.folder / "sources" / f"{name}-{version}"
        (source / "src" / name).mkdir(parents=True, exist_ok=True)
        (source / "src" / name / "__init__.py").write_text(code, encoding="utf-8")
        # uv builds with its own backend, uv_build, when the range admits uv's version,
        # so no build tool is downloaded.
        uv_version = self.uv_ok("--version").split()[1]
        (source / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nversion = "{version}"\nrequires-python = ">=3.11"\n\n'
            f'[build-system]\nrequires = ["uv_build=={uv_version}"]\n'
            'build-backend = "uv_build"\n',
            encoding="utf-8",
        )
        self.uv_ok("build", "--wheel", "--out-dir", "dist", "--quiet", cwd=source)
        (built,) = (source / "dist").glob("*.whl")
        return Path(shutil.copy2(built, self.wheels / built.name))

    def compile_lock(self, requirements: list[str]) -> Path:
        """requirements.in -> requirements.txt: every version pinned, every file's hash."""
        (self.folder / "requirements.in").write_text("\n".join(requirements) + "\n")
        self.uv_ok(
            "pip", "compile", "requirements.in", "--output-file", "requirements.txt",
            "--generate-hashes", "--no-header", "--no-index", "--find-links", str(self.wheels),
            "--python", sys.executable, "--quiet",
        )  # fmt: skip
        return self.folder / "requirements.txt"

    def environment(self, name: str) -> Path:
        """A new, empty virtual environment on this interpreter; its Python."""
        self.uv_ok("venv", "--quiet", "--python", sys.executable, name)
        return self.folder / name / "bin" / "python"

    def install(self, python: Path, requirements: list[str]) -> None:
        """Install requirements as written (`tinystats`, `tinystats<2`)."""
        self.uv_ok(
            "pip", "install", "--python", str(python), "--quiet",
            "--no-index", "--find-links", str(self.wheels), *requirements,
        )  # fmt: skip

    def sync(self, python: Path, lock: Path) -> subprocess.CompletedProcess:
        """Make the environment exactly what the lock says, refusing any file whose hash
        differs; the finished process, whose stderr says why if it refused."""
        return self.uv(
            "pip", "sync", "--python", str(python), "--quiet", "--require-hashes",
            "--no-index", "--find-links", str(self.wheels), str(lock),
        )  # fmt: skip


def run_python(python: Path, code: str) -> str:
    """Run `code` with an environment's interpreter; its stdout, stripped."""
    done = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=UV_TIMEOUT
    )
    if done.returncode != 0:
        raise DsopsError(f"{python}: the code failed: {done.stderr.strip()}")
    return done.stdout.strip()


def installed_version(python: Path, name: str) -> str:
    """The version of `name` installed in the environment of `python`."""
    return run_python(python, f"import importlib.metadata as m; print(m.version({name!r}))")
