"""The browser checks (`sitebuild browser-check`, `sitebuild lighthouse`) on a small static site
whose pages each have one deliberate defect, and one good page.

Tests that open Chromium are marked `browser`; where Chromium, Node.js or the npm
packages of tools/browser are missing they skip, naming what is missing and the command
that installs it (`make test` installs them first; DSOPS_REQUIRE_BROWSER=1 fails instead).
"""

import gzip
import json
import shutil
import statistics
import threading
import urllib.request
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from dsops.shared.errors import DsopsError
from sitebuild import browser
from sitebuild.browsercheck import MODES, check_pages
from sitebuild.lighthouse import GOALS, PageScores, Report, table
from sitebuild.serve import serve

STATIC_SITE = Path(__file__).parent / "fixtures" / "static-site"
OTHER_HOST = "https://images.example.org/penguin.png"


@pytest.fixture(scope="module")
def findings(browser_tools) -> list[str]:
    return [str(finding) for finding in check_pages(STATIC_SITE)]


def _expected() -> list[str]:
    """Each defect once per mode it shows in, pages in order, modes in order."""
    names = [mode.name for mode in MODES]
    lines = []
    for page, problems in {
        "axe-violation.html": [
            (n, p)
            for n in names
            for p in (
                "axe color-contrast (serious): p",
                "axe image-alt (critical): img",
            )
        ],
        "console-error.html": [(n, "console error: deliberate console error") for n in names],
        # its first theme is dark: the light one is reached with its toggle
        "dark-first.html": [
            (n, "axe color-contrast (serious): .note") for n in names if n != "dark"
        ],
        # the note is faint only in the dark theme, which Quarto's stored choice switches on
        "dark-only.html": [("dark", "axe color-contrast (serious): .note")],
        "missing-resource.html": [(n, "HTTP 404: /images/missing.png") for n in names],
        "other-host.html": [(n, f"request to another host: {OTHER_HOST}") for n in names],
        "stuck-theme.html": [("dark", "the page does not switch to its dark theme")],
        # 672 px fit a desktop window; on a 390 px phone the figure sticks out
        "too-wide.html": [
            (
                "phone",
                "the page is 689 px wide in a 390 px window, so the reader scrolls "
                "sideways: img.fixed-width (688 px)",
            )
        ],
    }.items():
        lines += [f"{page} [{mode}]: {problem}" for mode, problem in problems]
    return lines


@pytest.mark.browser
def test_every_defect_is_found_once_in_every_mode_and_the_good_page_passes(findings):
    assert findings == _expected()
    assert not any(line.startswith("index.html") for line in findings)


class _Counting(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counting.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.mark.browser
def test_a_request_to_another_host_is_recorded_and_never_sent(browser_tools, tmp_path):
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        # "localhost" is another host name than the checked server's 127.0.0.1
        url = f"http://localhost:{other.server_address[1]}/tracker.png"
        site = tmp_path / "site"
        shutil.copytree(STATIC_SITE, site)
        page = (site / "index.html").read_text(encoding="utf-8")
        (site / "index.html").write_text(
            page.replace('src="images/figure.png"', f'src="{url}"'), encoding="utf-8"
        )
        found = check_pages(site, ["index.html"], modes=MODES[:1])
    finally:
        other.shutdown()
        other.server_close()
    assert [str(f) for f in found] == [f"index.html [light]: request to another host: {url}"]
    assert _Counting.requests == []


@pytest.mark.browser
def test_the_command_lists_the_problems_and_exits_1(browser_tools, runner):
    from sitebuild.cli import app

    bad = runner.invoke(app, ["browser-check", str(STATIC_SITE), "--page", "console-error.html"])
    assert bad.exit_code == 1
    assert "console-error.html [dark]: console error: deliberate console error" in bad.stderr
    assert "error: 3 problem(s) in" in bad.stderr
    good = runner.invoke(app, ["browser-check", str(STATIC_SITE), "--page", "index.html"])
    assert good.exit_code == 0, good.output
    assert "no problems found (light, dark, phone)" in good.stdout


@pytest.mark.browser
def test_lighthouse_prints_the_median_scores_of_its_runs(browser_tools, runner, tmp_path):
    from sitebuild.cli import app

    scores_file = tmp_path / "scores" / "lighthouse.json"
    pages = ["index.html", "axe-violation.html"]
    # Two runs a page keep this test's four Lighthouse runs within a minute; the median
    # of three (the default) is test_the_median_is_taken_per_category's.
    args = ["lighthouse", str(STATIC_SITE), "--runs", "2", "--json", str(scores_file)]
    done = runner.invoke(app, [*args, *(arg for page in pages for arg in ("--page", page))])
    assert done.exit_code == 0, done.output  # without --enforce it only reports
    scores = json.loads(scores_file.read_text())
    assert scores["runs_per_page"] == 2 and scores["form_factor"] == "mobile"
    assert list(scores["pages"]) == pages
    for page in scores["pages"].values():
        assert len(page["runs"]) == 2
        for category, median in page["scores"].items():
            assert median == round(statistics.median(run[category] for run in page["runs"]))
    good, bad = scores["pages"]["index.html"], scores["pages"]["axe-violation.html"]
    assert all(good["scores"][c] >= goal for c, goal in GOALS.items()), good
    assert bad["scores"]["accessibility"] < 100
    assert {"image-alt", "color-contrast"} <= set(bad["failing_audits"]["accessibility"])
    printed = done.stdout.splitlines()
    assert printed[0].split() == ["page", "performance", "accessibility", "best-practices", "seo"]
    assert printed[1].split()[0] == "index.html" and printed[1].split()[2] == "100"
    assert printed[2].split()[2] == f"{bad['scores']['accessibility']}*"
    assert "median of 2 run(s) per page" in done.stdout


def test_enforce_fails_on_a_missed_goal_and_only_then(runner, monkeypatch):
    from sitebuild import lighthouse
    from sitebuild.cli import app

    perfect = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
    slow = {**perfect, "performance": 80}
    report = Report(
        version="12.8.2",
        runs=3,
        pages=[PageScores("a.html", runs=[perfect] * 3), PageScores("b.html", runs=[slow] * 3)],
    )
    monkeypatch.setattr(lighthouse, "score_pages", lambda folder, pages, runs: report)
    reported = runner.invoke(app, ["lighthouse", str(STATIC_SITE)])
    assert reported.exit_code == 0
    enforced = runner.invoke(app, ["lighthouse", str(STATIC_SITE), "--enforce"])
    assert enforced.exit_code == 1
    assert enforced.stderr == "error: below the goals: b.html (performance)\n"
    report.pages.pop()
    assert runner.invoke(app, ["lighthouse", str(STATIC_SITE), "--enforce"]).exit_code == 0


def test_the_median_is_taken_per_category():
    runs = [
        {"performance": 70, "accessibility": 100, "best-practices": 96, "seo": 100},
        {"performance": 95, "accessibility": 93, "best-practices": 100, "seo": 100},
        {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 91},
    ]
    page = PageScores("index.html", runs=runs)
    assert page.scores == {
        "performance": 90,
        "accessibility": 100,
        "best-practices": 100,
        "seo": 100,
    }
    assert page.missed() == {}
    text = table(Report("12.8.2", 3, [PageScores("slow.html", runs=[runs[0]] * 3)]))
    assert text.splitlines()[1].split() == ["slow.html", "70*", "100", "96*", "100"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("chrome-env", "CHROME_PATH=/no/chrome is not an executable"),
        ("no-chromium", "Chromium is not installed at"),
        ("no-node", "Node.js is not installed (no `node` on PATH)"),
        ("no-lighthouse", "the npm package lighthouse is not installed in tools/browser"),
    ],
)
def test_a_missing_tool_is_one_sentence_with_the_command_that_installs_it(
    setting, message, monkeypatch, tmp_path, runner
):
    from sitebuild.cli import app

    monkeypatch.setenv("CHROME_PATH", str(browser.DEFAULT_CHROME))
    if setting == "chrome-env":
        monkeypatch.setenv("CHROME_PATH", "/no/chrome")
    elif setting == "no-chromium":
        monkeypatch.delenv("CHROME_PATH")
        monkeypatch.setattr(browser, "DEFAULT_CHROME", tmp_path / "chromium")
    else:
        fake_chrome = tmp_path / "chrome"
        fake_chrome.write_text("#!/bin/sh\n")
        fake_chrome.chmod(0o755)
        monkeypatch.setenv("CHROME_PATH", str(fake_chrome))
        if setting == "no-node":
            monkeypatch.setenv("PATH", str(tmp_path))
        else:
            monkeypatch.setattr(browser, "LIGHTHOUSE_CLI", tmp_path / "missing" / "index.js")
    done = runner.invoke(app, ["lighthouse", str(STATIC_SITE)])
    assert done.exit_code == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), done.stderr
    assert "make browser-tools" in lines[0] or setting == "chrome-env"


def test_a_missing_folder_or_page_is_named(runner, tmp_path):
    from sitebuild.cli import app

    missing = runner.invoke(app, ["browser-check", str(tmp_path / "site")])
    assert missing.exit_code == 1
    assert "is not a folder: build the site first (make site)" in missing.stderr
    page = runner.invoke(app, ["lighthouse", str(STATIC_SITE), "--page", "nope.html"])
    assert page.exit_code == 1
    assert f"{STATIC_SITE / 'nope.html'} does not exist" in page.stderr


def _get(url: str, gzip_ok: bool = True) -> tuple[int, Message, bytes]:
    """Status, headers (names in any case) and body of a GET."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, b""


def test_the_local_server_compresses_text_as_a_host_would():
    with serve(STATIC_SITE) as base:
        status, headers, body = _get(base)
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == (STATIC_SITE / "index.html").read_bytes()
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        status, headers, body = _get(base + "style.css", gzip_ok=False)
        assert "Content-Encoding" not in headers
        assert body == (STATIC_SITE / "style.css").read_bytes()
        status, headers, body = _get(base + "images/figure.png")
        assert "Content-Encoding" not in headers and headers["Content-Type"] == "image/png"
        assert _get(base + "images/missing.png")[0] == 404
    with pytest.raises(DsopsError, match="is not a folder of HTML"), serve(STATIC_SITE / "nope"):
        pass
