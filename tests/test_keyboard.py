"""styles/_keyboard.html, which every page includes: what the post-render step makes a
button answers Enter and Space, and a block that scrolls sideways takes the keyboard's
focus while one that fits does not (marker `browser`: it runs in Chromium)."""

from pathlib import Path

import pytest

from dsops.shared import paths
from sitebuild import browser
from sitebuild.serve import serve

SCRIPT = (paths.PROJ_ROOT / "styles" / "_keyboard.html").read_text(encoding="utf-8")
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Keys</title></head>
<body><main>
<div id="callout" role="button" tabindex="0" aria-expanded="false"
  onclick="this.dataset.pressed = Number(this.dataset.pressed || 0) + 1">Solution</div>
<pre id="wide" style="overflow-x: auto; width: 200px">{wide}</pre>
<pre id="narrow" style="overflow-x: auto; width: 200px">fits</pre>
</main>{script}</body></html>"""


@pytest.mark.browser
def test_buttons_answer_enter_and_space_and_scrolling_blocks_take_focus(browser_tools, tmp_path):
    from playwright.sync_api import sync_playwright

    (tmp_path / "index.html").write_text(PAGE.format(wide="x" * 300, script=SCRIPT))
    with serve(tmp_path) as base, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(browser.chrome_path()), args=list(browser.CHROME_FLAGS)
        )
        try:
            page = chromium.new_page()
            page.goto(base + "index.html", wait_until="load")
            page.focus("#callout")
            page.keyboard.press("Enter")
            page.keyboard.press(" ")
            assert page.get_attribute("#callout", "data-pressed") == "2"
            assert page.get_attribute("#wide", "tabindex") == "0"
            assert page.get_attribute("#narrow", "tabindex") is None
        finally:
            chromium.close()


def test_the_site_includes_the_script_after_every_page_body():
    from sitebuild.project import load_project

    html = load_project().config["format"]["html"]
    assert html["include-after-body"] == "styles/_keyboard.html"
    assert Path(paths.PROJ_ROOT / html["include-after-body"]).is_file()
