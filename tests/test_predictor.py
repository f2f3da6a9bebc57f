"""The predictor in the reader's browser: its ES module against the Python grid (Node's
test runner), and the form on a page, driven in Chromium."""

import shutil
import subprocess

import pytest

from dsops.penguins import predictor
from dsops.penguins.serving import ServedModel, birds_frame
from dsops.penguins.train import SERVING_FILE, latest
from dsops.shared import paths

MODULE = paths.PROJ_ROOT / "analyses" / "penguins" / predictor.SCRIPT
NODE_TESTS = paths.PROJ_ROOT / "tests" / "js" / "predictor.test.mjs"


def test_the_module_matches_the_python_grid_under_nodes_test_runner():
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (no `node` on PATH): install Node.js 18.16 or newer")
    done = subprocess.run(
        [node, "--test", str(NODE_TESTS)],
        env={"PATH": "", "SERVING_JSON": str(latest().file(SERVING_FILE))},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# pass 3" in done.stdout and "# fail 0" in done.stdout


def test_the_form_offers_the_trained_levels_and_leaves_the_grid_out():
    export = ServedModel.load().export
    form = predictor.predictor_html(export)
    for level in ["Adelie", "Chinstrap", "Gentoo", "female", "male"]:
        assert f'value="{level}"' in form
    assert 'type="range"' in form and 'min="22"' in form and 'max="70"' in form
    assert '"grid"' not in form and '"t_quantile"' in form
    assert 'aria-live="polite"' in form and '<label for="penguin-predictor-bill"' in form
    assert 'from "./predictor.mjs"' in form and "http" not in form.split("<script", 1)[1]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Predictor</title></head>
<body><main><h1>Predictor</h1>{form}</main></body></html>
"""


def grams(value: float) -> str:
    return f"{round(value):,} g"


def drive_predictor(url: str, served: ServedModel) -> None:
    """Open the page with the predictor in Chromium; set its inputs with the mouse and
    the keyboard and read the prediction, which must be the stored model's."""
    from playwright.sync_api import sync_playwright

    from sitebuild import browser

    def expected(bill: float, species: str, sex: str) -> str:
        bird = {"bill_length_mm": bill, "species": species, "sex": sex}
        answer = served.predict(birds_frame([bird])).iloc[0]
        return (
            f"A {sex} {species} penguin with a {bill:.1f} mm bill: {grams(answer.body_mass_g)} "
            f"(95 % prediction interval {grams(answer.low_g)} to {grams(answer.high_g)})."
        )

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(browser.chrome_path()), args=list(browser.CHROME_FLAGS)
        )
        try:
            page = chromium.new_page()
            page.goto(url)
            result = page.locator("[data-predictor-result]")
            warning = page.locator("[data-predictor-warning]")
            assert result.text_content() == expected(45.0, "Adelie", "female")
            page.get_by_label("Chinstrap").check()
            page.get_by_label("male", exact=True).check()
            slider = page.get_by_label("Bill length")
            slider.fill("50.3")
            assert result.text_content() == expected(50.3, "Chinstrap", "male")
            assert warning.is_hidden()
            slider.focus()
            page.keyboard.press("ArrowRight")  # the keyboard moves it by one step
            assert result.text_content() == expected(50.4, "Chinstrap", "male")
            slider.fill("65")
            assert warning.is_visible()
            low, high = served.training_range
            assert f"Outside the bill lengths the model was trained on ({low}-{high} mm)" in (
                warning.text_content()
            )
        finally:
            chromium.close()


@pytest.mark.browser
def test_the_form_predicts_in_chromium_with_mouse_and_keyboard(browser_tools, tmp_path):
    from sitebuild.browsercheck import check_pages
    from sitebuild.serve import serve

    served = ServedModel.load()
    (tmp_path / "index.html").write_text(PAGE.format(form=predictor.predictor_html(served.export)))
    shutil.copy(MODULE, tmp_path / predictor.SCRIPT)
    with serve(tmp_path) as base:
        drive_predictor(base + "index.html", served)
    # and nothing the site's browser check objects to: console, requests, axe-core
    assert [str(f) for f in check_pages(tmp_path)] == []
