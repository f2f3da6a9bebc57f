"""The rendered-site checks, on small hand-made sites, so they are tested everywhere."""

import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from sitebuild.sitecheck import SiteRules, _urls, check_site, site_pages

SITES = Path(__file__).parent / "fixtures" / "site"


def test_a_good_site_has_no_problems():
    assert check_site(SITES / "good", ["index.html", "sub/page.html"]) == []


def test_every_kind_of_problem_is_found_and_named():
    problems = [str(p) for p in check_site(SITES / "bad", ["index.html", "model.html"])]
    assert problems == [
        "model.html: page missing from the rendered site",
        "index.html: error output (cell-output-error): NameError: name 'x' is not defined",
        "index.html: error output (cell-output-stderr): UserWarning: careful",
        "index.html: contains a traceback ('Traceback (most recent call last)')",
        "index.html: unresolved cross-reference @fig-gone",
        "index.html: has no description (set `description:` in its front matter)",
        "index.html: broken link: <a href='nowhere.html'> (no nowhere.html)",
        "index.html: broken anchor: 'other.html#sec-missing' (no id 'sec-missing')",
        "index.html: loads a dark-theme stylesheet for every reader: 'dark.css'",
        "index.html: link without a name for screen readers: '<a href=\"other.html\">\\n</a>'",
        "index.html: image without alt text: 'plot.png'",
        "index.html: image without alt text: 'fig.png'",
        "index.html: figure image without width and height: 'fig.png'",
        "index.html: figure image not lazy-loaded: 'fig.png'",
        "index.html: figure image not lazy-loaded: 'fig.png'",
    ]


def test_a_missing_site_folder_is_one_problem(tmp_path):
    problems = check_site(tmp_path / "site", ["index.html"])
    assert [p.message for p in problems] == ["no rendered site here: run `make site` first"]


def test_check_site_command_exit_codes(runner):
    from sitebuild.cli import app

    bad = runner.invoke(app, ["check-site", "--site-dir", str(SITES / "bad")])
    assert bad.exit_code == 1
    assert "broken link: <a href='nowhere.html'>" in bad.stderr


PAGE = """<!DOCTYPE html><html><head><meta name="description" content="A page.">
{head}</head><body>{body}</body></html>"""


def write_site(root: Path, pages: dict[str, tuple[str, str]], files: list[str]) -> Path:
    site = root / "site"
    for name, (head, body) in pages.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(PAGE.format(head=head, body=body), encoding="utf-8")
    for name in files:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(b"x")
    return site


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


def test_links_must_stay_inside_the_site(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "x.json").write_text("{}")  # exists on the build machine only
    site = write_site(
        tmp_path,
        {"a/page.html": ("", '<a href="../../models/x.json">model</a>')},
        [],
    )
    assert messages(check_site(site, [])) == [
        "a/page.html: broken link: <a href='../../models/x.json'> resolves outside the site "
        "folder, so it would 404 when published"
    ]


def test_root_relative_links_are_resolved_under_the_site_path(tmp_path):
    site = write_site(
        tmp_path,
        {
            "index.html": (
                "",
                '<a href="/dsfds/page.html">ok</a> <a href="/page.html">not under the path</a>'
                ' <a href="/dsfds/nope.html">missing</a>',
            ),
            "page.html": ("", ""),
        },
        [],
    )
    rules = SiteRules(base_path="/dsfds/")
    assert messages(check_site(site, rules)) == [
        "index.html: broken link: <a href='/page.html'> is outside the path the site is "
        "served under (/dsfds/)",
        "index.html: broken link: <a href='/dsfds/nope.html'> (no nope.html)",
    ]


def test_every_kind_of_reference_is_checked(tmp_path):
    body = (
        '<img src="a.png" alt="" srcset="a.png 1x, a-2x.png 2x">'
        '<picture><source srcset="b.webp"><source src="c.webm"></picture>'
        '<iframe src="frame.html"></iframe><video src="v.mp4" poster="p.png"></video>'
    )
    site = write_site(
        tmp_path,
        {"index.html": ('<link rel="stylesheet" href="site_libs/gone.css">', body)},
        ["a.png", "v.mp4"],
    )
    assert messages(check_site(site, [])) == [
        "index.html: broken link: <link href='site_libs/gone.css'> (no gone.css)",
        "index.html: broken link: <source src='c.webm'> (no c.webm)",
        "index.html: broken link: <iframe src='frame.html'> (no frame.html)",
        "index.html: broken link: <video poster='p.png'> (no p.png)",
        "index.html: broken link: <img srcset='a-2x.png'> (no a-2x.png)",
        "index.html: broken link: <source srcset='b.webp'> (no b.webp)",
    ]


def test_errors_shown_on_purpose_pass_only_in_cells_marked_error_true(tmp_path):
    error = (
        '<div class="cell-output cell-output-error"><pre>Traceback (most recent call last):'
        "\nKeyError: 'missing'</pre></div>"
    )
    body = f'<div id="shown" class="cell">{error}</div><div class="cell">{error}</div>'
    site = write_site(tmp_path, {"index.html": ("", body)}, [])
    rules = SiteRules(error_cells=lambda page: {"shown"} if page == "index.html" else set())
    assert messages(check_site(site, rules)) == [
        "index.html: error output (cell-output-error): Traceback (most recent call last): "
        "KeyError: 'missing'",
        "index.html: contains a traceback ('Traceback (most recent call last)')",
    ]


def test_declared_resources_must_be_in_the_site(tmp_path):
    site = write_site(tmp_path, {"index.html": ("", "")}, ["models/m/1/card.json"])
    rules = SiteRules(resources=["models/m/1/card.json", "models/m/1/model.joblib"])
    assert messages(check_site(site, rules)) == [
        "models/m/1/model.joblib: declared resource missing from the rendered site"
    ]


def test_the_project_rules_name_its_pages_path_resources_and_error_cells():
    from dsops.shared import paths
    from sitebuild.project import QuartoProject, load_project
    from sitebuild.sitecheck import rules_for

    rules = rules_for(load_project())
    assert "analyses/penguins/model.html" in rules.expected
    assert rules.base_path == "/devops-for-data-science/"
    assert all(r.startswith("models/") for r in rules.resources)
    fixture = QuartoProject.load(paths.PROJ_ROOT / "tests" / "fixtures" / "project")
    assert rules_for(fixture).resources == []


# A real Quarto 1.8.25 render of this site's pages (commit 69d7274), with <script> and
# <style> elements removed: real Quarto structure for the checker (see its README.md).
REAL_RENDER = Path(__file__).parent / "fixtures" / "real-render"


def copy_of_the_real_render(tmp_path: Path) -> Path:
    """A copy of the real-render fixture's HTML pages, to change in a test."""
    site = tmp_path / "site"
    shutil.copytree(REAL_RENDER, site, ignore=shutil.ignore_patterns("*.md"))
    return site


def put_back_stripped_files(site: Path) -> Path:
    """The files the real-render fixture leaves out (it keeps only the HTML pages: styles,
    scripts, figures and downloads are stripped), put back as empty files."""
    for page in site_pages(site):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for _, _, url in _urls(soup):
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            stripped = target.suffix != ".html"
            if stripped and target.is_relative_to(site.resolve()) and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(b"")
    return site


@pytest.fixture
def real_render(tmp_path) -> Path:
    """The real-render fixture with its stripped files put back and the post-render step
    applied as a render now does, so links, anchors, alt text, figure sizes and what the
    post-render step fixes are checked on real Quarto HTML."""
    from sitebuild.postrender import rewrite_page

    site = put_back_stripped_files(copy_of_the_real_render(tmp_path))
    for page in site_pages(site):
        rewrite_page(page, 96, site)
    return site


REAL_PAGES = [page.relative_to(REAL_RENDER).as_posix() for page in site_pages(REAL_RENDER)]


DATASETS = "analyses/recipes/cleaning-datasets.html"


def format_the_printed_values(site: Path) -> None:
    """Write the real render's reprs as the fixed page prints them: `np.int64(16)` as 16,
    `datetime.date(2013, 3, 10)` as 2013-03-10, the empty inline value as nothing."""
    page = site / DATASETS
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"np\.int(?:32|64)\((-?\d+)\)", r"\1", html)
    html = re.sub(
        r"datetime\.date\((\d+), (\d+), (\d+)\)",
        lambda m: f"{int(m[1]):04}-{int(m[2]):02}-{int(m[3]):02}",
        html,
    )
    html = re.sub(r'<code>\{python\} "" if quiet == 1 else "s"</code>', "", html)
    page.write_text(html, encoding="utf-8")


def test_the_real_render_fails_only_on_the_values_it_prints_as_reprs(real_render):
    assert messages(check_site(real_render, REAL_PAGES)) == [
        f"{DATASETS}: prints 18 Python repr(s) in its prose: np.int64(16), np.int64(0), "
        "np.int64(5), np.int64(600), np.int64(554), np.int64(6), np.int64(-46), np.int64(54), "
        "np.int64(57), np.int64(24), np.int64(27), np.int64(2), np.int64(1), np.int32(5), "
        "np.int32(4), datetime.date(2013, 3, 10), datetime.date(2013, 11, 2) (format each "
        'value in the page: int(x), f"{x:,}", str(x), date.isoformat())',
        f'{DATASETS}: shows an inline expression as code, not its value: `{{python}} "" if '
        'quiet == 1 else "s"` (Quarto leaves one whose value is empty)',
    ]


def test_the_real_render_without_the_post_render_step_fails_on_what_it_fixes(tmp_path):
    site = put_back_stripped_files(copy_of_the_real_render(tmp_path))
    format_the_printed_values(site)
    problems = messages(check_site(site, REAL_PAGES))
    kinds = Counter(problem.split(": ")[1] for problem in problems)
    assert kinds == {
        # the light and the dark theme's stylesheets, on each of the 10 pages
        "loads a dark-theme stylesheet for every reader": 20,
        # the navbar's empty logo link on every page, the sidebar's on the 7 with one
        "link without a name for screen readers": 17,
        # both renderings of the first figure of the 4 pages with figures (the render's
        # post-render step then made only the figures below the first lazy)
        "figure image not lazy-loaded": 8,
    }, problems


def test_the_real_render_with_its_values_formatted_passes(real_render):
    format_the_printed_values(real_render)
    assert messages(check_site(real_render, REAL_PAGES)) == []


def test_reprs_are_refused_in_prose_and_tables_not_in_code(tmp_path):
    body = (
        "<p>Sampled on Timestamp('2013-01-01 05:00:00').</p>"
        "<table><tr><td>np.float64(0.5)</td></tr></table>"
        "<p>Call <code>pandas.read_csv(engine='pyarrow')</code>: it returns a frame.</p>"
        "<pre>0    1\ndtype: int64</pre><p>Counted <code>{python} n</code> rows.</p>"
    )
    site = write_site(tmp_path, {"index.html": ("", body)}, [])
    assert messages(check_site(site, [])) == [
        "index.html: prints 2 Python repr(s) in its prose: Timestamp('2013-01-01 05:00:00'), "
        'np.float64(0.5) (format each value in the page: int(x), f"{x:,}", str(x), '
        "date.isoformat())",
        "index.html: shows an inline expression as code, not its value: `{python} n` (Quarto "
        "leaves one whose value is empty)",
    ]


def test_the_real_render_with_three_faults_fails_with_exactly_those(real_render):
    format_the_printed_values(real_render)
    eda = real_render / "analyses" / "penguins" / "eda.html"
    html = eda.read_text(encoding="utf-8")
    html = html.replace(
        'href="../../analyses/penguins/model.html"', 'href="../../analyses/penguins/modle.html"', 1
    )
    html = html.replace('href="#sec-missing"', 'href="#sec-absent"', 1)
    html = re.sub(r'(<img src="eda_files/[^>]*?) alt="[^"]*"', r"\1", html, count=1)
    eda.write_text(html, encoding="utf-8")
    problems = messages(check_site(real_render, REAL_PAGES))
    assert len(problems) == 3, problems
    images = [p for p in problems if "image without alt text: 'eda_files/" in p]
    assert len(images) == 1 and images[0].startswith("analyses/penguins/eda.html: ")
    assert set(problems) - set(images) == {
        "analyses/penguins/eda.html: broken link: "
        "<link href='../../analyses/penguins/modle.html'> (no modle.html)",
        "analyses/penguins/eda.html: broken anchor: '#sec-absent' (no id 'sec-absent')",
    }


def test_nothing_is_loaded_from_another_host(tmp_path):
    site = write_site(
        tmp_path,
        {
            "index.html": (
                '<script src="https://cdn.example.net/require.min.js"></script>'
                '<link rel="stylesheet" href="https://site.example.org/x.css">',
                '<a href="https://elsewhere.example.com/">a link may go anywhere</a>',
            )
        },
        [],
    )
    (site / "site_libs").mkdir()
    (site / "site_libs" / "theme.css").write_text(
        '@import url("https://fonts.example.com/css2?family=Lato");\nbody { color: red; }\n'
    )
    rules = SiteRules(host="site.example.org")
    assert messages(check_site(site, rules)) == [
        "site_libs/theme.css: imports 'https://fonts.example.com/css2?family=Lato' from "
        "another host",
        "index.html: loads <script src='https://cdn.example.net/require.min.js'> from another host",
    ]


def test_the_listing_page_with_quartos_mathjax_fails(real_render):
    """What a listing page loads when math is not plain (Quarto forces math onto listing
    pages): the two script tags of the review's render, put back into the fixture."""
    format_the_printed_values(real_render)
    listing = real_render / "pages.html"
    cdn = (
        '<script src="https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js?features=es6">'
        "</script>\n"
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js" '
        'type="text/javascript"></script>\n</head>'
    )
    listing.write_text(listing.read_text(encoding="utf-8").replace("</head>", cdn, 1))
    rules = SiteRules(expected=REAL_PAGES, host="devops-for-data-science.github.io")
    assert messages(check_site(real_render, rules)) == [
        "pages.html: loads <script src='https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js"
        "?features=es6'> from another host",
        "pages.html: loads <script src='https://cdn.jsdelivr.net/npm/mathjax@3/es5/"
        "tex-chtml-full.js'> from another host",
    ]
