"""A Markdown summary of a CI job: test counts from JUnit XML, pages built, preview link."""

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


def summary(
    junit: Path | None,
    site_dir: Path | None,
    artifact_url: str | None,
    expected: list[str] | None = None,
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
    return "\n\n".join(lines) + "\n"
