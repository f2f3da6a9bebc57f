"""The site's look, as far as it can be checked without rendering: nothing loaded from
another host (no web font, no MathJax), links that read on white, an icon, and figures
and tables that fit a phone's column."""

import re

from dsops.shared import paths
from sitebuild.project import load_project

CONFIG = load_project().config
STYLES = paths.PROJ_ROOT / "styles"


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def blend(colour: str, background: str, opacity: float) -> str:
    """The #rrggbb a colour shows at an opacity over a background."""
    mixed = [
        round(opacity * int(colour[i : i + 2], 16) + (1 - opacity) * int(background[i : i + 2], 16))
        for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def test_the_contrast_ratio_is_wcags():
    assert blend("#ffffff", "#000000", 0.5) == "#808080"
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#18bc9c", "#ffffff"), 1) == 2.4  # flatly's link green
    assert contrast("#777777", "#ffffff") < 4.5 < contrast("#767676", "#ffffff")


def test_the_theme_loads_no_web_font_and_its_links_and_muted_text_read():
    theme = CONFIG["format"]["html"]["theme"]
    assert theme == {
        "light": ["flatly", "styles/theme.scss", "styles/light.scss"],
        "dark": ["darkly", "styles/theme.scss", "styles/dark.scss"],
    }
    scss = (STYLES / "theme.scss").read_text()
    assert "/*-- scss:defaults --*/" in scss and "$web-font-path: false;" in scss
    light = (STYLES / "light.scss").read_text()
    link = re.search(r"^\$link-color:\s*(#[0-9a-fA-F]{6});", light, re.M)
    assert link, "styles/light.scss sets no $link-color"
    assert contrast(link[1], "#ffffff") >= 4.5
    dark = (STYLES / "dark.scss").read_text()
    muted = re.search(r"^\$text-muted:\s*(#[0-9a-fA-F]{6});", dark, re.M)
    assert muted, "styles/dark.scss sets no $text-muted"
    assert contrast(muted[1], "#222222") >= 4.5  # darkly's background


def test_no_page_loads_mathjax_from_a_cdn():
    # Quarto adds MathJax, from a CDN, to every listing page unless math is plain.
    assert CONFIG["format"]["html"]["html-math-method"] == "plain"


def test_the_site_has_an_icon():
    icon = CONFIG["website"]["favicon"]
    assert (paths.PROJ_ROOT / icon).is_file()


def test_figures_and_tables_fit_a_phones_column():
    css = " ".join((STYLES / "site.css").read_text().split())
    assert "img.figure-img { max-width: 100%; height: auto; }" in css
    assert "main table { display: block; max-width: 100%; overflow-x: auto; }" in css
