"""The post-render step (figure images sized from their PNG, lazy below the first
figure) on a fixture page and on real Quarto HTML (tests/fixtures/real-render)."""

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
from sitebuild.postrender import main, rewrite_page, run
from sitebuild.project import QuartoProject, load_project
from sitebuild.sitecheck import figure_images, first_figure, site_pages

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


def test_figures_are_sized_from_their_png_and_lazy_below_the_first(page):
    changes = rewrite_page(page, fig_dpi=96, output_dir=page.parent)
    assert (changes.sized, changes.lazy) == (5, 5)
    assert changes.skipped == ["page_files/figure-html/missing.png"]
    assert page.read_text() == (FIXTURE / "page.expected.html").read_text()


def test_only_the_img_tags_change(page):
    before = (FIXTURE / "page.html").read_text()
    rewrite_page(page, fig_dpi=96, output_dir=page.parent)
    added = r' (?:width|height|loading|decoding)="[^"]*"'
    after = page.read_text()
    assert re.sub(added, "", after) == re.sub(added, "", before)
    assert "'<img src=\"page_files/figure-html/in-a-script.png\">'" in after


def test_a_second_run_changes_nothing_and_leaves_no_temporary_file(page):
    rewrite_page(page, fig_dpi=96, output_dir=page.parent)
    once = page.read_bytes()
    files = sorted(p.name for p in page.parent.iterdir())
    changes = rewrite_page(page, fig_dpi=96, output_dir=page.parent)
    assert (changes.sized, changes.lazy) == (0, 0)
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
        "post-render: 2 image(s) given a width and height, 1 figure image(s) lazy-loaded, "
        "in 1 page(s)"
    )
    html = (tmp_path / "site" / "figs.html").read_text()
    assert '<img src="figs_files/a.png" alt="A." width="600" height="300">' in html
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
    lazy_pages = 0
    for page, original in real_pages:
        rewrite_page(page, fig_dpi=96, output_dir=page.parent)
        before = [
            i for i in figure_images(BeautifulSoup(original, "html.parser")) if i[1] is not None
        ]
        after = figure_images(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser"))
        after = [image for image in after if image[1] is not None]
        assert len(before) == len(after)
        first = first_figure(after)
        for (old, _), (new, figure) in zip(before, after, strict=True):
            assert (new["width"], new["height"]) == (old["width"], old["height"]), new["src"]
            lazy = figure != first
            assert (new.get("loading"), new.get("decoding")) == (
                ("lazy", "async") if lazy else (None, None)
            ), new["src"]
        lazy_pages += any(figure != first for _, figure in after)
    assert lazy_pages >= 2  # the EDA and model pages have figures below their first
