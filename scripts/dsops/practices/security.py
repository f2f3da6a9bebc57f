"""Security checks of this repository's code, secrets and workflows, each against a
baseline of accepted findings, and the dictionary attack that keyed-hash pseudonyms
(dsops.shared.pseudonyms) resist.

- bandit reads the Python code of `scripts/` for risky calls (a shell, SQL built from
  strings, XML parsers). Its baseline, `security/bandit-baseline.json`, is a bandit JSON
  report (`bandit -b` reads it) whose every finding carries a `reason`.
- detect-secrets reads every file git tracks, except the raw data kept as received and
  its own baseline (which holds hashes of the accepted findings), for keys, tokens and
  passwords. Its baseline, `security/secrets-baseline.json`, is its own
  format: the plugins and filters used, and the accepted findings, each audited
  (`is_secret: false`) with a `reason`. One filter excludes lines `"commit": "<40 hex>"`
  and `"id": "<64 hex>"`: the git commit ids in benchmark records and fixtures and the
  container image's id in its build record are public, and change with each
  `make bench` or `make image`.
- zizmor reads the GitHub workflows for unsafe patterns (unpinned actions, credentials
  left in checkouts, injection through expressions). `.github/zizmor.yml` is its
  configuration, with a comment giving the reason for each rule it changes.

A check passes when every finding is in its baseline: an accepted finding is one a
person read and wrote a reason for, and a new one fails the check until someone does.
"""

import hashlib
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dsops.practices.terminal import plain_env
from dsops.shared import paths
from dsops.shared.errors import DsopsError

SECURITY_DIR = paths.PROJ_ROOT / "security"
BANDIT_BASELINE = SECURITY_DIR / "bandit-baseline.json"
SECRETS_BASELINE = SECURITY_DIR / "secrets-baseline.json"
ZIZMOR_CONFIG = paths.PROJ_ROOT / ".github" / "zizmor.yml"
BANDIT_TARGET = "scripts"
WORKFLOWS = ".github/workflows"
TOOL_TIMEOUT = 600  # seconds; detect-secrets reads every tracked file


@dataclass
class Check:
    """One tool's run against its baseline."""

    tool: str
    version: str
    findings: int  # everything the tool reported
    accepted: int  # of those, in the baseline with a reason
    new: list[str] = field(default_factory=list)  # the others, one line each
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.new

    def summary(self) -> str:
        verdict = "ok" if self.passed else f"{len(self.new)} NEW"
        return (
            f"{self.tool} {self.version}: {self.findings} findings, {self.accepted} accepted "
            f"in the baseline, {verdict} ({self.seconds:.1f} s)"
        )


def tool(name: str) -> Path:
    """A command-line tool installed in this environment (next to its Python)."""
    path = Path(sys.executable).parent / name
    if not path.is_file():
        raise DsopsError(f"{name} is not installed in this environment: run `make setup`.")
    return path


def run_tool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(tool(name)), *args],
        cwd=cwd,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
    )


def read_baseline(path: Path) -> dict:
    """A baseline file, checked: every accepted finding must carry a reason."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise DsopsError(f"{path}: cannot read this baseline ({err}).") from None
    results = data["results"]
    entries = results if isinstance(results, list) else [e for v in results.values() for e in v]
    for entry in entries:
        if not str(entry.get("reason", "")).strip():
            where = entry.get("filename", "?")
            raise DsopsError(
                f"{path.name}: the accepted finding in {where} (line "
                f"{entry.get('line_number', '?')}) has no reason: add one, or fix the code."
            )
    return data


def bandit_check(root: Path = paths.PROJ_ROOT, baseline: Path = BANDIT_BASELINE) -> Check:
    """bandit on `scripts/`, against its baseline (`bandit -b`: only new findings are
    reported)."""
    started = time.perf_counter()
    read_baseline(baseline)  # refuses a baseline with an accepted finding without a reason
    done = run_tool(
        "bandit", "-r", BANDIT_TARGET, "-f", "json", "-q", "-b", str(baseline), cwd=root
    )
    report = json.loads(done.stdout)
    totals = report["metrics"]["_totals"]
    findings = sum(totals[f"SEVERITY.{level}"] for level in ("LOW", "MEDIUM", "HIGH"))
    new = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
    ]
    version = run_tool("bandit", "--version", cwd=root).stdout.split()[1]
    return Check(
        "bandit", version, findings, findings - len(new), new, time.perf_counter() - started
    )


# What detect-secrets leaves out, with the reasons the module docstring gives.
SECRETS_EXCLUDE_FILES = r"^(data/raw/|security/secrets-baseline\.json$)"
SECRETS_EXCLUDE_LINES = '"commit": "[0-9a-f]{40}"|"id": "[0-9a-f]{64}"'


def secrets_scan(root: Path = paths.PROJ_ROOT, *files: str) -> dict:
    """`detect-secrets scan` of `files`, or of every file git tracks under `root`, less
    the exclusions: a report in the baseline's format (to stdout, nothing to disk)."""
    done = run_tool(
        "detect-secrets", "scan", *files,
        "--exclude-files", SECRETS_EXCLUDE_FILES,
        "--exclude-lines", SECRETS_EXCLUDE_LINES,
        cwd=root,
    )  # fmt: skip
    if done.returncode != 0:
        raise DsopsError(f"detect-secrets failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def secrets_check(root: Path = paths.PROJ_ROOT, baseline: Path = SECRETS_BASELINE) -> Check:
    """detect-secrets on the repository; a finding is new unless the baseline holds the
    same secret (by its hash) of the same type in the same file."""
    started = time.perf_counter()
    accepted = {
        (name, entry["type"], entry["hashed_secret"])
        for name, entries in read_baseline(baseline)["results"].items()
        for entry in entries
    }
    report = secrets_scan(root)
    found = [
        (name, entry["type"], entry["hashed_secret"], entry["line_number"])
        for name, entries in report["results"].items()
        for entry in entries
    ]
    new = [f"{name}:{line} {kind}" for name, kind, hashed, line in found
           if (name, kind, hashed) not in accepted]  # fmt: skip
    return Check(
        "detect-secrets", report["version"], len(found), len(found) - len(new), new,
        time.perf_counter() - started,
    )  # fmt: skip


def zizmor_check(root: Path = paths.PROJ_ROOT, config: Path = ZIZMOR_CONFIG) -> Check:
    """zizmor on the workflows, offline, with the repository's configuration."""
    started = time.perf_counter()
    done = run_tool(
        "zizmor", "--offline", "--config", str(config), "--format", "json", WORKFLOWS, cwd=root
    )
    if done.returncode not in (0, 10, 11, 12, 13, 14):  # 1x: findings of some severity
        raise DsopsError(f"zizmor failed: {done.stderr.strip()[-500:]}")
    findings = json.loads(done.stdout or "[]")
    new = [
        f"{next(iter(f['locations'][0]['symbolic']['key']['Local'].values()))} "
        f"{f['ident']}: {f['desc']}"
        for f in findings
    ]
    version = run_tool("zizmor", "--version", cwd=root).stdout.split()[1]
    return Check("zizmor", version, len(findings), 0, new, time.perf_counter() - started)


def bandit_findings(folder: Path) -> list[str]:
    """What bandit says of the Python files in `folder`, one line per finding."""
    report = json.loads(run_tool("bandit", "-r", ".", "-f", "json", "-q", cwd=folder).stdout)
    return [
        f"{r['filename'].removeprefix('./')}:{r['line_number']} {r['test_id']} "
        f"({r['issue_severity'].lower()} severity): {r['issue_text']}"
        for r in report["results"]
    ]


def secrets_findings(folder: Path, *files: str) -> list[str]:
    """What detect-secrets says of `files` in `folder`, one line per finding."""
    report = secrets_scan(folder, *files)
    return [
        f"{name}:{entry['line_number']} {entry['type']}"
        for name, entries in report["results"].items()
        for entry in entries
    ]


def run_checks(root: Path = paths.PROJ_ROOT) -> list[Check]:
    """The three checks on the repository at `root`."""
    return [bandit_check(root), secrets_check(root), zizmor_check(root)]


def accepted_findings() -> list[dict]:
    """Every accepted finding of the two baselines: tool, file, what, and the reason."""
    rows = [
        {"tool": "bandit", "file": r["filename"], "finding": r["test_id"], "reason": r["reason"]}
        for r in read_baseline(BANDIT_BASELINE)["results"]
    ]
    for name, entries in read_baseline(SECRETS_BASELINE)["results"].items():
        rows += [
            {"tool": "detect-secrets", "file": name, "finding": e["type"], "reason": e["reason"]}
            for e in entries
        ]
    return rows


def bench() -> Path:
    """Run the three checks on the repository and record what they found and how long
    each took, as a benchmark record (`make bench`)."""
    from dsops.shared import benchmarks

    checks = run_checks()
    return benchmarks.record(
        "security-checks",
        "bandit, detect-secrets and zizmor on this repository against their baselines: "
        "findings, accepted findings, new findings, and seconds per tool.",
        "One run of each tool as `uv run dsops security-check` runs it, each a child "
        "process: bandit on scripts/, detect-secrets on every tracked file but data/raw/ "
        "and its baseline, zizmor offline on .github/workflows.",
        {
            check.tool: {
                "version": check.version,
                "findings": check.findings,
                "accepted": check.accepted,
                "new": len(check.new),
                "duration_s": round(check.seconds, 2),
            }
            for check in checks
        },
    )


# --- pseudonymisation ---------------------------------------------------------------------


def plain_hash(value: str, length: int = 16) -> str:
    """An unkeyed SHA-256 of `value`: anyone can compute it for a guessed value."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:length]


def recovered(hashed: pd.Series, candidates: pd.Series, hasher) -> float:
    """The share of `hashed` values that hashing every candidate with `hasher` finds: a
    dictionary attack, as anyone with a list of possible values can run it."""
    lookup = {hasher(candidate): candidate for candidate in candidates.dropna().unique()}
    present = hashed.dropna()
    return float(present.isin(lookup.keys()).mean()) if len(present) else 0.0
