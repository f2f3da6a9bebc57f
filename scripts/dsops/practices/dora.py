"""The four key metrics of software delivery from the DORA research programme, read
from a git repository's history.

What the history must record, and how it is read:
- a deployment is an annotated tag `deploy-*`; its tagger date is when it went live, and
  it ships the commits its tag reaches that no earlier deployment reached;
- a commit repairs an earlier one when it reverts it (`git revert` writes "This reverts
  commit <hash>.") or names it in a `Fixes: <hash>` trailer;
- a deployment failed (caused a failure in production) when a later commit repairs one
  of the commits it shipped; service is restored by the first deployment that ships
  such a repair.

The metrics, over a window of time:
- deployment frequency: deployments per week;
- lead time for changes: from a commit to the deployment that ships it (median);
- change failure rate: the share of deployments that failed;
- time to restore service: from a failed deployment to the one that restored service
  (median over the failures restored so far).
"""

import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from dsops.practices.gitdemo import git
from dsops.shared.errors import DsopsError

DEPLOY_TAGS = "refs/tags/deploy-*"
REVERTS = re.compile(r"^This reverts commit ([0-9a-f]{7,40})", re.MULTILINE)
FIXES = re.compile(r"^Fixes: ([0-9a-f]{7,40})", re.MULTILINE)
FIELD, RECORD = "\x1f", "\x1e"  # separators git prints between fields and commits
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Change:
    commit: str
    subject: str
    committed: datetime
    repairs: tuple[str, ...]  # hashes (or prefixes) of the commits it reverts or fixes


@dataclass(frozen=True)
class Deployment:
    tag: str
    deployed: datetime
    changes: tuple[Change, ...]

    def lead_times(self) -> list[timedelta]:
        return [self.deployed - change.committed for change in self.changes]


@dataclass(frozen=True)
class Failure:
    deployment: Deployment
    restored_by: Deployment | None  # None: not restored yet

    @property
    def time_to_restore(self) -> timedelta | None:
        if self.restored_by is None:
            return None
        return self.restored_by.deployed - self.deployment.deployed


@dataclass(frozen=True)
class DoraMetrics:
    start: datetime
    end: datetime
    deployments: list[Deployment]
    failures: list[Failure]

    @property
    def deployments_per_week(self) -> float:
        return len(self.deployments) / ((self.end - self.start) / WEEK)

    @property
    def lead_time(self) -> timedelta:
        """Median time from commit to production over every change shipped."""
        return statistics.median(t for d in self.deployments for t in d.lead_times())

    @property
    def change_failure_rate(self) -> float:
        return len(self.failures) / len(self.deployments)

    @property
    def time_to_restore(self) -> timedelta | None:
        """Median time to restore over the failures restored; None if there are none."""
        restored = [f.time_to_restore for f in self.failures if f.time_to_restore is not None]
        return statistics.median(restored) if restored else None

    def outcome(self, deployment: Deployment) -> str:
        """ "failed", "restores <tag>" or "ok"."""
        for failure in self.failures:
            if failure.deployment is deployment:
                return "failed"
            if failure.restored_by is deployment:
                return f"restores {failure.deployment.tag}"
        return "ok"

    def table(self) -> pd.DataFrame:
        """One row per deployment: when, how many changes, median lead time, outcome."""
        return pd.DataFrame(
            {
                "deployment": d.tag,
                "deployed": d.deployed,
                "changes": len(d.changes),
                "lead_time_h": statistics.median(d.lead_times()) / HOUR,
                "outcome": self.outcome(d),
            }
            for d in self.deployments
        )

    def changes_table(self) -> pd.DataFrame:
        """One row per change shipped: committed, deployed, lead time, deployment outcome."""
        return pd.DataFrame(
            {
                "subject": c.subject,
                "committed": c.committed,
                "deployed": d.deployed,
                "deployment": d.tag,
                "lead_time_h": (d.deployed - c.committed) / HOUR,
                "outcome": self.outcome(d),
            }
            for d in self.deployments
            for c in d.changes
        )


def duration_text(duration: timedelta) -> str:
    """A duration as a reader says it: "45 min", "4 h", "10 h 45 min", "2 days 3 h"."""
    minutes = round(duration / timedelta(minutes=1))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}" if days else ""]
    parts += [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or "0 min"


def _changes(repo: Path, *revisions: str) -> list[Change]:
    """The commits `git log REVISIONS` lists, oldest first."""
    log = git(repo, "log", f"--format=%H{FIELD}%cI{FIELD}%s{FIELD}%B{RECORD}", *revisions)
    changes = []
    for record in filter(str.strip, log.split(RECORD)):
        commit, committed, subject, body = record.strip().split(FIELD)
        repairs = tuple(REVERTS.findall(body) + FIXES.findall(body))
        changes.append(Change(commit, subject, datetime.fromisoformat(committed), repairs))
    return changes[::-1]


def read_deployments(repo: Path) -> list[Deployment]:
    """Every deployment tag of `repo`, oldest first, with the changes it shipped."""
    listed = git(
        repo,
        "for-each-ref",
        "--sort=taggerdate",
        "--format=%(refname:short) %(objecttype) %(taggerdate:iso-strict)",
        DEPLOY_TAGS,
    )
    deployments: list[Deployment] = []
    for line in listed.splitlines():
        tag, kind, *date = line.split()
        if kind != "tag" or not date:
            raise DsopsError(
                f"{tag} is a lightweight tag, which records no date: tag deployments with "
                f"`git tag -a {tag} -m ...` so that the tag says when it went live."
            )
        changes = _changes(repo, tag, *(f"^{d.tag}" for d in deployments))
        deployments.append(Deployment(tag, datetime.fromisoformat(date[0]), tuple(changes)))
    if not deployments:
        raise DsopsError(
            f"{repo} has no deployment tags ({DEPLOY_TAGS.removeprefix('refs/tags/')}): "
            "tag each deployment so its date and changes can be read."
        )
    return deployments


def read_pending(repo: Path, deployments: list[Deployment]) -> list[Change]:
    """The commits of the current branch that no deployment has shipped yet."""
    return _changes(repo, "HEAD", *(f"^{d.tag}" for d in deployments))


def find_failures(
    deployments: list[Deployment], pending: list[Change] | None = None
) -> list[Failure]:
    """The deployments whose changes a later commit repaired, each with the first
    deployment that shipped a repair (None while the repair is not deployed)."""
    shipped_by = {c.commit: d for d in deployments for c in d.changes}
    failed: dict[str, Deployment] = {}
    restored_by: dict[str, Deployment | None] = {}
    repairs = [(c, d) for d in deployments for c in d.changes]  # oldest first
    repairs += [(c, None) for c in pending or []]
    for change, shipped in repairs:
        for prefix in change.repairs:
            culprit = next((d for h, d in shipped_by.items() if h.startswith(prefix)), None)
            if culprit is None or culprit is shipped:
                continue  # never deployed, or repaired before it reached production
            failed.setdefault(culprit.tag, culprit)
            if restored_by.get(culprit.tag) is None:
                restored_by[culprit.tag] = shipped
    return [
        Failure(d, restored_by[d.tag]) for d in sorted(failed.values(), key=lambda d: d.deployed)
    ]


def dora_metrics(
    repo: Path, start: datetime | None = None, end: datetime | None = None
) -> DoraMetrics:
    """The four metrics over the deployments between `start` and `end` (by default, from
    the first change deployed to the last deployment)."""
    deployments = read_deployments(repo)
    start = start or min(c.committed for d in deployments for c in d.changes)
    end = end or deployments[-1].deployed
    inside = [d for d in deployments if start <= d.deployed <= end]
    if not inside:
        raise DsopsError(f"{repo} has no deployment between {start} and {end}.")
    failures = find_failures(deployments, read_pending(repo, deployments))
    inside_failures = [f for f in failures if f.deployment in inside]
    return DoraMetrics(start=start, end=end, deployments=inside, failures=inside_failures)
