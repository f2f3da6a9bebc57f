"""The post-render step (figure images sized from their PNG and lazy, the dark theme's
stylesheets off until chosen, head scripts deferred, empty logo links removed, callout
headers and sort links made buttons, the icon font cut to the icons used) on a fixture
page, on a small icon font, and on real Quarto HTML (tests/fixtures/real-render)."""

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from dsops.shared import paths
from dsops.shared.errors import DsopsError
from sitebuild.postrender import (
    DARK_THEME_SCRIPT,
    HEADER_OFFSET_SCRIPT,
    USED_ICONS_CSS,
    USED_ICONS_FONT,
    main,
    rewrite_page,
    run,
    subset_icons,
)
from sitebuild.project import QuartoProject, load_project
from sitebuild.sitecheck import figure_images, site_pages

FIXTURE = Path(__file__).parent / "fixtures" / "postrender"
REAL_RENDER = Path(__file__).parent / "fixtures" / "real-render"  # see its README.md


def png(width: int, height: int, dpi: float | None = None) -> bytes:
    """A grey PNG of that many pixels, recording `dpi` (pHYs) if given."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x99" * width for _ in range(height))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    phys = b""
    if dpi is not None:
        per_metre = round(dpi / 0.0254)
        phys = chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    body = chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + header + phys + body


@pytest.fixture
def page(tmp_path) -> Path:
    """The fixture page with its PNGs: figures drawn at 192 dpi (twice fig-dpi 96)."""
    shutil.copy(FIXTURE / "page.html", tmp_path)
    figures = tmp_path / "page_files" / "figure-html"
    figures.mkdir(parents=True)
    (tmp_path / "logo.png").write_bytes(png(64, 64, dpi=192))
    for name in ("first-light", "first-dark"):
        (figures / f"{name}.png").write_bytes(png(1344, 806, dpi=192))
    (figures / "second.png").write_bytes(png(1000, 600, dpi=192))
    (figures / "sized.png").write_bytes(png(600, 400, dpi=192))
    (figures / "no-dpi.png").write_bytes(png(640, 480))
    return tmp_path / "page.html"


def test_the_fixture_page_gets_every_change(page):
    changes = rewrite_page(page, fig_dpi=96, output_dir=page.parent, icons_subset=True)
    assert (changes.sized, changes.lazy, changes.other) == (5, 7, 10)
    assert changes.skipped == ["page_files/figure-html/missing.png"]
    assert page.read_text() == (FIXTURE / "page.expected.html").read_text()


def test_only_the_named_tags_change(page):
    before = (FIXTURE / "page.html").read_text()
    rewrite_page(page, fig_dpi=96, output_dir=page.parent, icons_subset=True)
    # what the step adds or removes: attributes, two scripts, the logo link
    added = r' (?:width|height|loading|decoding|role|tabindex|aria-label)="[^"]*"| defer'
    after = re.sub(added, "", page.read_text())
    for script in (DARK_THEME_SCRIPT, HEADER_OFFSET_SCRIPT):
        after = after.replace("\n" + script, "")
    after = after.replace(USED_ICONS_CSS, "bootstrap-icons.css")
    after = after.replace('rel="disabled-stylesheet"', 'rel="stylesheet"')
    logo = '<a href="index.html" class="navbar-brand navbar-brand-logo">\n    </a>\n'
    assert after == re.sub(added, "", before).replace(logo, "")
    assert "'<img src=\"page_files/figure-html/in-a-script.png\">'" in after


def test_scripts_are_deferred_only_in_the_head_and_only_when_loaded_from_a_file(page):
    rewrite_page(page, fig_dpi=96, output_dir=page.parent)
    text = page.read_text()
    assert '<script src="site_libs/quarto-nav/quarto-nav.js" defer></script>' in text
    assert '<script src="site_libs/already.js" defer></script>' in text  # not twice
    assert '<script id="quarto-search-options" type="application/json">' in text
    assert '<script src="site_libs/in-the-body.js"></script>' in text


def test_the_icon_stylesheet_is_swapped_only_for_a_subset_that_exists(page):
    rewrite_page(page, fig_dpi=96, output_dir=page.parent, icons_subset=False)
    assert 'href="site_libs/bootstrap/bootstrap-icons.css"' in page.read_text()


def test_a_second_run_changes_nothing_and_leaves_no_temporary_file(page):
    rewrite_page(page, fig_dpi=96, output_dir=page.parent, icons_subset=True)
    once = page.read_bytes()
    files = sorted(p.name for p in page.parent.iterdir())
    changes = rewrite_page(page, fig_dpi=96, output_dir=page.parent)
    assert (changes.sized, changes.lazy, changes.other) == (0, 0, 0)
    assert page.read_bytes() == once
    assert sorted(p.name for p in page.parent.iterdir()) == files


def test_a_page_without_figures_is_not_rewritten(tmp_path):
    plain = tmp_path / "plain.html"
    plain.write_text('<p><img src="https://example.org/a.png" alt="x"></p>\r\n')
    before = plain.stat().st_mtime_ns
    assert rewrite_page(plain, 96, tmp_path).lazy == 0
    assert plain.stat().st_mtime_ns == before
    assert plain.read_bytes().endswith(b"\r\n")


def project_with_a_page(root: Path, fig_dpi: int) -> QuartoProject:
    """A one-page Quarto project whose page sets `fig-dpi`, rendered into site/."""
    (root / "_quarto.yml").write_text("project:\n  type: website\n  output-dir: site\n")
    (root / "figs.qmd").write_text(f"---\ntitle: Figures\nfig-dpi: {fig_dpi}\n---\n")
    site = root / "site"
    (site / "figs_files").mkdir(parents=True)
    (site / "figs.html").write_text(
        '<figure><img src="figs_files/a.png" alt="A."></figure>\n'
        '<figure><img src="figs_files/b.png" alt="B."></figure>\n'
    )
    for name in "ab":
        (site / "figs_files" / f"{name}.png").write_bytes(png(1200, 600, dpi=2 * fig_dpi))
    (site / "style.css").write_text("body {}\n")
    return QuartoProject.load(root)


def test_quartos_list_of_output_files_and_the_pages_fig_dpi_are_used(tmp_path):
    project = project_with_a_page(tmp_path, fig_dpi=120)
    environ = {
        "QUARTO_PROJECT_OUTPUT_DIR": "site",
        "QUARTO_PROJECT_OUTPUT_FILES": "site/figs.html\nsite/style.css\n",
    }
    assert run(environ=environ, project=project) == (
        "post-render: 2 image(s) given a width and height, 2 figure image(s) lazy-loaded, "
        "0 other tag(s) changed, in 1 page(s)"
    )
    html = (tmp_path / "site" / "figs.html").read_text()
    assert 'alt="A." width="600" height="300" loading="lazy" decoding="async">' in html
    assert 'alt="B." width="600" height="300" loading="lazy" decoding="async">' in html


def test_the_list_may_come_in_a_file_and_an_unreadable_one_is_named(tmp_path):
    project = project_with_a_page(tmp_path, fig_dpi=96)
    listing = tmp_path / "outputs.txt"
    listing.write_text("site/figs.html\n")
    environ = {"QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES": str(listing)}
    assert run(environ=environ, project=project).endswith("in 1 page(s)")
    environ = {"QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES": str(tmp_path / "gone.txt")}
    with pytest.raises(DsopsError, match=r"gone\.txt, which cannot be read"):
        run(environ=environ, project=project)


def test_quarto_runs_the_step_from_the_project_settings(tmp_path):
    """As Quarto would: the project's Python runs the script named in _quarto.yml, in the
    project folder, with the list of rendered files in the environment."""
    script = load_project().project["post-render"]
    assert script == "scripts/post_render.py"
    project_with_a_page(tmp_path, fig_dpi=96)
    env = {
        **os.environ,
        paths.ROOT_ENV: str(tmp_path),
        "QUARTO_PROJECT_OUTPUT_DIR": "site",
        "QUARTO_PROJECT_OUTPUT_FILES": "site/figs.html",
    }
    done = subprocess.run(
        [sys.executable, str(paths.PROJ_ROOT / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("post-render: 2 image(s) given a width and height")
    assert 'loading="lazy"' in (tmp_path / "site" / "figs.html").read_text()


def test_a_page_outside_the_output_folder_is_one_error(tmp_path, capsys, monkeypatch):
    project_with_a_page(tmp_path, fig_dpi=96)
    monkeypatch.setattr("sitebuild.postrender.load_project", lambda: QuartoProject.load(tmp_path))
    stray = tmp_path / "stray.html"
    stray.write_text("<p>x</p>")
    assert main([str(stray)]) == 1
    assert (
        capsys.readouterr().err
        == f"error: {stray} is not in the output folder {tmp_path / 'site'}.\n"
    )


# --- real Quarto HTML (tests/fixtures/real-render) --------------------------------------


@pytest.fixture
def real_pages(tmp_path) -> list[tuple[Path, str]]:
    """The real-render pages as Quarto writes them before this step (figure images without
    width and height), with PNGs drawn at 192 dpi at twice the size Quarto showed them;
    each page with its original HTML."""
    site = tmp_path / "site"
    shutil.copytree(REAL_RENDER, site, ignore=shutil.ignore_patterns("*.md"))
    pages = []
    for page in site_pages(site):
        original = page.read_text(encoding="utf-8")
        for img, figure in figure_images(BeautifulSoup(original, "html.parser")):
            if figure is None:
                continue
            width, height = int(img["width"]), int(img["height"])
            target = page.parent / img["src"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(png(2 * width, 2 * height, dpi=192))
        stripped = re.sub(r' (?:width|height)="\d+"(?=[^<>]*class="figure-img")', "", original)
        page.write_text(stripped, encoding="utf-8")
        pages.append((page, original))
    return pages


def test_the_real_render_gets_quartos_own_sizes_back_and_lazy_figures(real_pages):
    for page, original in real_pages:
        rewrite_page(page, fig_dpi=96, output_dir=page.parent)
        before = [
            i for i in figure_images(BeautifulSoup(original, "html.parser")) if i[1] is not None
        ]
        after = figure_images(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser"))
        after = [image for image in after if image[1] is not None]
        assert len(before) == len(after)
        for (old, _), (new, _) in zip(before, after, strict=True):
            assert (new["width"], new["height"]) == (old["width"], old["height"]), new["src"]
            assert (new.get("loading"), new.get("decoding")) == ("lazy", "async"), new["src"]
    assert sum(len(figure_images(BeautifulSoup(o, "html.parser"))) for _, o in real_pages) >= 8


def test_the_real_render_gets_its_theme_links_buttons_and_logo_links_fixed(real_pages):
    buttons = 0
    for page, _ in real_pages:
        rewrite_page(page, fig_dpi=96, output_dir=page.parent)
        text = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(text, "html.parser")
        dark = soup.find_all("link", class_="quarto-color-alternate")
        assert len(dark) == 2 and all(link["rel"] == ["disabled-stylesheet"] for link in dark)
        assert text.index(DARK_THEME_SCRIPT) > text.rindex(
            "quarto-color-scheme quarto-color-alternate"
        )
        assert not soup.select("a.navbar-brand-logo, a.sidebar-logo-link")
        assert "</header>\n" + HEADER_OFFSET_SCRIPT in text  # right after Quarto's header
        for header in soup.select("div.callout-header[data-bs-toggle]"):
            assert (header["role"], header["tabindex"]) == ("button", "0")
            assert "aria-label" not in header.attrs  # named by the words it shows
            buttons += 1
        navs = soup.find_all("nav")
        assert all(nav.get("aria-label") or nav.get("role") for nav in navs), page.name
        for sidebar in soup.find_all(id="quarto-margin-sidebar"):
            assert sidebar["role"] == "complementary"
        assert soup.select_one("button.navbar-toggler").get("role") is None
        for sort in soup.select("a.sort"):
            assert (sort["role"], sort["tabindex"]) == ("button", "0")
            buttons += 1
    assert buttons >= 6  # an exercise's solution on six pages, the listing's sort link


def icon_font(path: Path, codepoints: list[int]) -> None:
    """A WOFF font with one square glyph per code point, as Bootstrap's icons are drawn."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    names = [".notdef", *(f"icon{i}" for i in range(len(codepoints)))]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap(dict(zip(codepoints, names[1:], strict=True)))

    def square():
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        for point in ((100, 700), (800, 700), (800, 0)):
            pen.lineTo(point)
        pen.closePath()
        return pen.glyph()

    glyphs = {name: square() for name in names}
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (1000, 100) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "bootstrap-icons", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.font.flavor = "woff"
    builder.save(str(path))


ICONS_CSS = """/*!
 * Bootstrap Icons v1.13.1 (https://icons.getbootstrap.com/)
 */

@font-face {
  font-display: block;
  font-family: "bootstrap-icons";
  src:
url("./bootstrap-icons.woff?e34853135f9e39acf64315236852cd5a") format("woff");
}

.bi::before,
[class^="bi-"]::before,
[class*=" bi-"]::before {
  display: inline-block;
  font-family: bootstrap-icons !important;
}

.bi-alarm::before { content: "\\f102"; }
.bi-clipboard::before { content: "\\f290"; }
.bi-github::before { content: "\\f3ed"; }
"""


def test_the_icon_font_is_cut_to_the_icons_the_pages_and_scripts_name(tmp_path):
    from fontTools.ttLib import TTFont

    icons = tmp_path / "site_libs" / "bootstrap"
    icons.mkdir(parents=True)
    (icons / "bootstrap-icons.css").write_text(ICONS_CSS)
    icon_font(icons / "bootstrap-icons.woff", [0xF102, 0xF290, 0xF3ED])
    (tmp_path / "index.html").write_text('<a href="x"><i class="bi bi-github"></i>Code</a>')
    (tmp_path / "site_libs" / "copy.js").write_text('icon.classList.add("bi-clipboard");')
    assert subset_icons(tmp_path) == 2
    css = (icons / USED_ICONS_CSS).read_text()
    assert '.bi-github::before { content: "\\f3ed"; }' in css
    assert '.bi-clipboard::before { content: "\\f290"; }' in css
    assert "bi-alarm" not in css and "font-family: bootstrap-icons !important;" in css
    assert re.search(rf'url\("\./{USED_ICONS_FONT}\?[0-9a-f]{{16}}"\) format\("woff"\)', css)
    cmap = TTFont(icons / USED_ICONS_FONT).getBestCmap()
    assert set(cmap) == {0xF290, 0xF3ED}
    assert (icons / "bootstrap-icons.css").read_text() == ICONS_CSS  # the original stays


def test_a_site_without_the_icon_stylesheet_is_left_alone(tmp_path):
    (tmp_path / "index.html").write_text("<p>No icons.</p>")
    assert subset_icons(tmp_path) is None
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]
