"""A Markdown summary of a CI job: test counts from JUnit XML, pages built, preview link,
and the Lighthouse scores of every page when the job measured them."""

import xml.etree.ElementTree as ET
from pathlib import Path

from dsops.shared.errors import DsopsError


def test_counts(junit: Path) -> dict[str, int]:
    """passed / skipped / failed counts from a pytest JUnit XML report."""
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError) as err:
        raise DsopsError(f"{junit}: cannot read the JUnit report ({err}).") from None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = {
        key: sum(int(s.get(key, 0)) for s in suites)
        for key in ("tests", "skipped", "failures", "errors")
    }
    failed = total["failures"] + total["errors"]
    return {
        "passed": total["tests"] - total["skipped"] - failed,
        "skipped": total["skipped"],
        "failed": failed,
    }


def pages_built(site_dir: Path, expected: list[str]) -> tuple[int, list[str]]:
    """How many of the project's pages the site holds, and which are missing."""
    missing = [html for html in expected if not (site_dir / html).is_file()]
    return len(expected) - len(missing), missing


LABELS = {
    "performance": "Performance",
    "accessibility": "Accessibility",
    "best-practices": "Best practices",
    "seo": "SEO",
}


def lighthouse_table(scores_file: Path) -> str:
    """The scores written by `sitebuild lighthouse --json`, as a Markdown table; a score
    below its goal is marked ❌."""
    from sitebuild.lighthouse import read_json

    if not scores_file.is_file():
        return (
            f"⚠️ Lighthouse: no scores at {scores_file}: the Lighthouse step did not run to "
            "the end (see the steps above)"
        )
    data = read_json(scores_file)
    goals = data.get("goals", {})
    categories = [c for c in LABELS if c in goals]
    missed = 0
    rows = []
    for page, result in data["pages"].items():
        cells = []
        for category in categories:
            score = (result.get("scores") or {}).get(category)
            if not isinstance(score, int | float):
                cells.append("n/a")
                continue
            below = score < goals[category]
            missed += below
            cells.append(f"{score} ❌" if below else str(score))
        rows.append(f"| {page} | " + " | ".join(cells) + " |")
    icon = "❌" if missed else "✅"
    goal_text = ", ".join(
        f"{LABELS[c]} {'≥ ' if goals[c] < 100 else ''}{goals[c]}" for c in categories
    )
    head = (
        f"{icon} Lighthouse {data.get('version', '')} ({data.get('form_factor', 'mobile')}, "
        f"median of {data.get('runs_per_page', '?')} runs per page; goals: {goal_text})"
    )
    return "\n".join(
        [
            head,
            "",
            "| Page | " + " | ".join(LABELS[c] for c in categories) + " |",
            "|---|" + "---:|" * len(categories),
            *rows,
        ]
    )


def summary(
    junit: Path | None,
    site_dir: Path | None,
    artifact_url: str | None,
    expected: list[str] | None = None,
    lighthouse: Path | None = None,
) -> str:
    """The summary's Markdown; `expected` lists the HTML pages the project renders."""
    lines = []
    if junit is not None and not junit.is_file():
        lines.append(
            f"❌ Tests: no JUnit report at {junit}: the tests did not run to the end "
            "(see the step that failed above)"
        )
    elif junit is not None:
        counts = test_counts(junit)
        icon = "❌" if counts["failed"] else "✅"
        passed, skipped, failed = counts["passed"], counts["skipped"], counts["failed"]
        lines.append(f"{icon} Tests: {passed} passed, {skipped} skipped, {failed} failed")
    if site_dir is not None:
        expected = expected or []
        built, missing = pages_built(site_dir, expected)
        line = f"📄 Pages built: {built} of {len(expected)}"
        if missing:
            line += f" (missing: {', '.join(missing)})"
        lines.append(line)
    if artifact_url:
        lines.append(
            f"📦 Preview: [download the rendered site]({artifact_url}) (unzip, open index.html)"
        )
    if lighthouse is not None:
        lines.append(lighthouse_table(lighthouse))
    return "\n\n".join(lines) + "\n"
