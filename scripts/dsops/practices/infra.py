"""Infrastructure as blocks of Python code: resources are small frozen objects, blocks
are functions that return lists of them, and a stack is blocks put together and
checked. pyinfra applies a stack, as a subprocess against the local machine, confined
to one folder: `plan` says what it would change, `apply` changes it, and a second
`apply` changes nothing. Anything changed by hand afterwards (drift) shows up in the
next plan, and the next apply puts it back.

The pyinfra deploy file is `infra_deploy.py` beside this module; it reads the stack as
JSON and refuses any path outside the folder it was given.
"""

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from dsops.shared.errors import DsopsError

DEPLOY = Path(__file__).with_name("infra_deploy.py")
TIMEOUT = 120


@dataclass(frozen=True)
class Folder:
    """A folder that must exist, with these permissions."""

    path: str
    mode: str = "750"


@dataclass(frozen=True)
class TextFile:
    """A file that must hold exactly these lines, with these permissions."""

    path: str
    lines: tuple[str, ...]
    mode: str = "640"

    @property
    def content(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)


Resource = Folder | TextFile


def data_service(name: str, port: int, log_level: str = "info") -> list[Resource]:
    """A block: the folders a small data service needs and its configuration file."""
    base = f"srv/{name}"
    return [
        Folder(base, mode="755"),
        Folder(f"{base}/raw", mode="550"),
        Folder(f"{base}/processed"),
        Folder(f"{base}/logs", mode="770"),
        TextFile(
            f"{base}/service.conf", (f"name={name}", f"port={port}", f"log_level={log_level}")
        ),
    ]


def shared_folders() -> list[Resource]:
    """A block: what every service on the machine shares."""
    return [Folder("srv", mode="755"), Folder("srv/shared", mode="775")]


def stack(*blocks: list[Resource]) -> list[Resource]:
    """Blocks put together, checked (`check`), folders before the files inside them."""
    resources = [resource for block in blocks for resource in block]
    check(resources)
    return sorted(resources, key=lambda r: (PurePosixPath(r.path).parts, isinstance(r, TextFile)))


def check(resources: list[Resource]) -> None:
    """Refuse a stack that could reach outside its folder or contradicts itself: one
    message naming every problem."""
    problems = []
    seen: set[str] = set()
    for resource in resources:
        path = PurePosixPath(resource.path)
        if path.is_absolute() or ".." in path.parts or not resource.path:
            problems.append(f"{resource.path!r} is not a relative path inside the folder")
        if resource.path in seen:
            problems.append(f"{resource.path!r} is declared twice")
        seen.add(resource.path)
        if not re.fullmatch(r"[0-7]{3}", resource.mode):
            problems.append(f"{resource.path!r} has mode {resource.mode!r}, not three octal digits")
    files = {r.path for r in resources if isinstance(r, TextFile)}
    for resource in resources:
        inside = [
            f
            for f in files
            if PurePosixPath(resource.path).is_relative_to(f) and f != resource.path
        ]
        if inside:
            problems.append(f"{resource.path!r} is inside the file {inside[0]!r}")
    if problems:
        raise DsopsError("the stack is not valid: " + "; ".join(problems) + ".")


def to_json(resources: list[Resource]) -> str:
    """The stack as the deploy file reads it."""
    return json.dumps([{"kind": type(r).__name__, **asdict(r)} for r in resources], indent=1)


@dataclass(frozen=True)
class Run:
    """One pyinfra run: its command, output, what its plan said each operation would
    change and (for an apply) what each operation changed."""

    command: list[str]
    output: str
    planned: dict[str, bool]  # operation name -> would change
    applied: dict[str, bool]  # operation name -> changed (empty for a plan)

    @property
    def plan_changes(self) -> list[str]:
        return [name for name, changed in self.planned.items() if changed]

    @property
    def changes(self) -> list[str]:
        return [name for name, changed in self.applied.items() if changed]


def _table(output: str, heading: str) -> list[dict[str, str]]:
    """The rows of one of pyinfra's tables (`--> Detected changes:` or `--> Results:`),
    cut at the header's column positions."""
    lines = output.split(f"--> {heading}", 1)[1].splitlines()[1:] if heading in output else []
    if not lines:
        return []
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", header)]
    names = [header[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
    rows = []
    for line in lines[1:]:
        if not line.strip():
            break
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        rows.append(dict(zip(names, cells, strict=True)))
    return [row for row in rows if row["Operation"] != "Grand total"]


def parse_run(output: str) -> tuple[dict[str, bool], dict[str, bool]]:
    """(planned, applied): operation -> changed, from pyinfra's `Detected changes` table
    (its plan) and its `Results` table (what it did; absent in a plan)."""
    planned = {
        row["Operation"]: row["Change"] != "-" for row in _table(output, "Detected changes:")
    }
    applied = {
        row["Operation"]: row["Success"] not in ("-", "0") for row in _table(output, "Results:")
    }
    return planned, applied


def pyinfra(resources: list[Resource], root: Path, apply: bool = True) -> Run:
    """Run pyinfra against the local machine with the stack, inside `root` only. It
    first plans (detects what would change); a plan stops there (`--dry`), an apply
    goes on and makes the changes, as a person would by pressing enter."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise DsopsError(f"{root} is not a folder: create it first, pyinfra works only inside it.")
    spec = root.parent / f".{root.name}.stack.json"
    spec.write_text(to_json(resources), encoding="utf-8")
    command = [
        str(Path(sys.executable).parent / "pyinfra"),
        "@local",
        str(DEPLOY),
        "--data", f"root={root}",
        "--data", f"spec={spec}",
        *([] if apply else ["--dry"]),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command,
            input="\n",  # "Press enter to execute": the answer to the plan
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env={**os.environ, "COLUMNS": "120"},
        )
    finally:
        spec.unlink(missing_ok=True)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise DsopsError(f"pyinfra failed ({done.returncode}): {output[-800:]}")
    planned, applied = parse_run(output)
    return Run(command=command, output=output, planned=planned, applied=applied)


def state(root: Path) -> dict[str, str]:
    """What is in a folder: each path with its mode, and each file's content."""
    root = Path(root)
    found = {}
    for path in sorted(root.rglob("*")):
        mode = oct(path.stat().st_mode & 0o777)[2:]
        described = f"folder {mode}" if path.is_dir() else f"file {mode}: {path.read_text()!r}"
        found[path.relative_to(root).as_posix()] = described
    return found


def excerpt(output: str) -> str:
    """pyinfra's plan and results tables from a run's output, as it printed them."""
    kept, keeping = [], False
    for line in output.splitlines():
        if line.startswith("--> "):
            keeping = line.startswith(("--> Detected changes:", "--> Results:"))
        elif (
            keeping
            and line.startswith("    ")
            and not line.strip().startswith(
                ("Detected changes ", "Hidden side", "this will be", "to reflect", "Press enter")
            )
        ):
            kept.append(line[4:].rstrip())
            continue
        if keeping and line.startswith("--> "):
            kept.append(line.rstrip())
    return "\n".join(line for line in kept if line.strip())
