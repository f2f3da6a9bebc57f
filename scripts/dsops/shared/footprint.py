"""What a piece of code costs to keep, measured: its lines of code, the packages it
pulls in (walked from uv.lock), the bytes those packages take once installed, and how
long importing it takes in a fresh interpreter.

- `code_lines` counts the lines that hold code: not blank, not only a comment, not part
  of a docstring (a YAML or other text file: not blank and not a `#` comment).
- `lock_packages` and `closure` read uv.lock and follow each package's dependencies
  (and the extras asked for), keeping those whose environment markers hold here.
- `installed_bytes` adds up the files each installed distribution lists in its
  RECORD, as they are on disk in this environment.
- `import_seconds` times `import <module>` in fresh interpreters, modules taking turns
  (interpreter start-up excluded), and counts the network calls each import attempted
  (socket audit events).
"""

import ast
import io
import json
import statistics
import subprocess
import sys
import tokenize
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

from dsops.shared import paths

LOCK = paths.PROJ_ROOT / "uv.lock"


def _docstring_lines(source: str) -> set[int]:
    """Line numbers that belong to a module's, class's or function's docstring."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def code_lines(path: Path) -> int:
    """Lines of code in a file: Python without blank lines, comments and docstrings;
    any other text without blank lines and `#` comments."""
    source = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix != ".py":
        return sum(
            1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#")
        )
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    docstrings = _docstring_lines(source)
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip and token.type != tokenize.ENDMARKER:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def lock_packages(lock: Path = LOCK) -> dict[str, dict]:
    """uv.lock's packages by name."""
    with open(lock, "rb") as handle:
        return {package["name"]: package for package in tomllib.load(handle)["package"]}


def _applies(dependency: dict, environment: dict | None) -> bool:
    marker = dependency.get("marker")
    return marker is None or Marker(marker).evaluate(environment)


def closure(
    packages: dict[str, dict], roots: list[str], environment: dict | None = None
) -> set[str]:
    """The packages `roots` need, themselves included, following dependencies whose
    markers hold in `environment` (this interpreter's, by default) and the extras asked
    for (`psycopg[binary]` also needs psycopg's optional `binary` dependencies)."""
    seen: set[str] = set()
    todo = [(canonicalize_name(root), ()) for root in roots]
    while todo:
        name, extras = todo.pop()
        package = packages[name]
        first = name not in seen
        seen.add(name)
        wanted = list(package.get("dependencies", [])) if first else []
        for extra in extras:
            wanted += package.get("optional-dependencies", {}).get(extra, [])
        for dependency in wanted:
            if _applies(dependency, environment):
                todo.append((dependency["name"], tuple(dependency.get("extra", ()))))
    return seen


def installed_bytes(names: set[str]) -> int:
    """Bytes on disk of the files the installed distributions `names` list in their
    RECORD (files listed but absent, such as bytecode not yet written, count nothing)."""
    total = 0
    for name in names:
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            located = Path(distribution.locate_file(file))
            if located.is_file():
                total += located.stat().st_size
    return total


# Run in a fresh interpreter: count socket audit events, time the import alone.
_PROBE = """
import json, sys, time
calls = []
sys.addaudithook(lambda event, args: calls.append(event) if event in {events!r} else None)
started = time.perf_counter()
import {module}
print(json.dumps({{"seconds": time.perf_counter() - started, "network_calls": len(calls)}}))
"""
NETWORK_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname")


def _import_once(module: str) -> dict[str, float | int]:
    probe = _PROBE.format(module=module, events=set(NETWORK_EVENTS))
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_seconds(modules: list[str], repeat: int = 5) -> dict[str, dict[str, float | int]]:
    """Per module: median seconds of `import module` in `repeat` fresh interpreters, and
    the most network calls any of them attempted. The modules take turns, so a busy
    spell of the machine slows them all alike rather than one."""
    runs: dict[str, list[dict]] = {module: [] for module in modules}
    for _ in range(repeat):
        for module in modules:
            runs[module].append(_import_once(module))
    return {
        module: {
            "median_s": round(statistics.median(run["seconds"] for run in found), 3),
            "runs": repeat,
            "network_calls": max(run["network_calls"] for run in found),
        }
        for module, found in runs.items()
    }
