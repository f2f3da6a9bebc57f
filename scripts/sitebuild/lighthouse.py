"""Lighthouse scores of every page of a folder of HTML, served locally with compression:
Lighthouse's default mobile profile (an emulated phone on a throttled network and
CPU), several runs per page, and per category the median of the runs' own scores, as
Lighthouse's result JSON gives them. The goals are the site's: accessibility, best
practices and SEO at 100, performance at least 90."""

import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from dsops.shared.errors import DsopsError
from dsops.shared.files import write_atomically
from sitebuild import browser
from sitebuild.serve import serve

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOALS = {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100}
RUNS = 3
RUN_TIMEOUT_S = 300


@dataclass
class PageScores:
    page: str
    runs: list[dict[str, int]] = field(default_factory=list)  # each run's scores, 0-100
    seconds: list[float] = field(default_factory=list)  # each run's wall time
    # category -> audits that lost points, from the run whose score is the median
    failing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def scores(self) -> dict[str, int]:
        """Per category, the median of the runs (a whole number, as Lighthouse shows)."""
        return {c: round(statistics.median(run[c] for run in self.runs)) for c in CATEGORIES}

    def missed(self) -> dict[str, int]:
        """Categories below their goal, with the median score."""
        return {c: s for c, s in self.scores.items() if s < GOALS[c]}


@dataclass
class Report:
    version: str
    runs: int
    pages: list[PageScores]

    def to_json(self) -> dict:
        return {
            "tool": "lighthouse",
            "version": self.version,
            "form_factor": "mobile",
            "runs_per_page": self.runs,
            "statistic": "median",
            "goals": GOALS,
            "pages": {
                p.page: {
                    "scores": p.scores,
                    "runs": p.runs,
                    "seconds": [round(s, 1) for s in p.seconds],
                    "failing_audits": p.failing,
                }
                for p in self.pages
            },
        }


def _scores(result: dict, page: str) -> dict[str, int]:
    if result.get("runtimeError"):
        error = result["runtimeError"]
        raise DsopsError(f"Lighthouse could not test {page}: {error.get('message', error)}")
    scores = {}
    for category in CATEGORIES:
        score = result["categories"].get(category, {}).get("score")
        if score is None:
            raise DsopsError(f"Lighthouse gave {page} no {category} score.")
        scores[category] = round(score * 100)
    return scores


def _failing_audits(result: dict, category: str) -> list[str]:
    """Audits of a category that count towards its score and did not pass."""
    audits = result["audits"]
    return [
        ref["id"]
        for ref in result["categories"][category]["auditRefs"]
        if ref.get("weight", 0) > 0
        and audits[ref["id"]].get("score") is not None
        and audits[ref["id"]]["score"] < 1
    ]


def run_lighthouse(url: str, page: str, chrome: Path, out: Path) -> dict:
    """One Lighthouse run of one URL; its result JSON."""
    command = [
        str(browser.node_path()),
        str(browser.lighthouse_cli()),
        url,
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(browser.CHROME_FLAGS)}",
        "--quiet",
    ]
    env = {**os.environ, browser.CHROME_ENV: str(chrome)}
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise DsopsError(f"Lighthouse took over {RUN_TIMEOUT_S} s on {page}.") from None
    if done.returncode != 0 or not out.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise DsopsError(f"Lighthouse failed on {page} (exit {done.returncode}): {last}")
    return json.loads(out.read_text(encoding="utf-8"))


def score_pages(folder: Path, pages: list[str] | None = None, runs: int = RUNS) -> Report:
    """Run Lighthouse `runs` times on each page (site-relative HTML paths; default: every
    page of the folder) and collect the scores."""
    if runs < 1:
        raise DsopsError(f"--runs must be at least 1, not {runs}.")
    pages = browser.pages_to_check(folder, pages)
    chrome = browser.chrome_path()
    browser.node_path()
    browser.lighthouse_cli()
    version = "unknown"
    results: list[PageScores] = []
    with serve(folder) as base, tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        for page in pages:
            scores = PageScores(page)
            lhrs = []
            for i in range(runs):
                started = time.perf_counter()
                lhr = run_lighthouse(base + quote(page), page, chrome, Path(tmp) / f"{i}.json")
                scores.seconds.append(time.perf_counter() - started)
                scores.runs.append(_scores(lhr, page))
                lhrs.append(lhr)
                version = lhr.get("lighthouseVersion", version)
            for category, median in scores.scores.items():
                if median < 100:
                    # the run closest to the median tells which audits cost the points
                    closest = min(
                        range(runs), key=lambda i, c=category: abs(scores.runs[i][c] - median)
                    )
                    scores.failing[category] = _failing_audits(lhrs[closest], category)
            results.append(scores)
    return Report(version=version, runs=runs, pages=results)


def table(report: Report) -> str:
    """The scores as a plain-text table; a score below its goal is marked with *."""
    width = max([len("page"), *(len(p.page) for p in report.pages)])
    lines = [f"{'page':<{width}}  " + "  ".join(f"{c:>14}" for c in CATEGORIES)]
    for page in report.pages:
        cells = []
        for category, score in page.scores.items():
            mark = "*" if score < GOALS[category] else " "
            cells.append(f"{score:>13}{mark}")
        lines.append(f"{page.page:<{width}}  " + "  ".join(cells))
    goals = ", ".join(f"{c} {'≥ ' if g < 100 else ''}{g}" for c, g in GOALS.items())
    lines.append(
        f"Lighthouse {report.version}, mobile, median of {report.runs} run(s) per page; "
        f"* below the goal ({goals})."
    )
    for page in report.pages:
        for category, audits in page.failing.items():
            if audits:
                lines.append(f"  {page.page} {category}: {', '.join(audits)}")
    return "\n".join(lines) + "\n"


def write_json(report: Report, target: Path) -> None:
    text = json.dumps(report.to_json(), indent=2) + "\n"
    write_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_json(path: Path) -> dict:
    """A scores file written by `write_json`, for the CI summary."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise DsopsError(f"{path}: cannot read the Lighthouse scores ({err}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
        raise DsopsError(f"{path}: not a Lighthouse scores file (no pages).")
    return data
