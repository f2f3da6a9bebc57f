"""The rendered-site checks, on small hand-made sites, so they are tested everywhere."""

from pathlib import Path

from sitebuild.sitecheck import check_site

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
        "index.html: image without alt text: 'plot.png'",
        "index.html: image without alt text: 'fig.png'",
    ]


def test_a_missing_site_folder_is_one_problem(tmp_path):
    problems = check_site(tmp_path / "site", ["index.html"])
    assert [p.message for p in problems] == ["no rendered site here: run `make site` first"]


def test_check_site_command_exit_codes(runner):
    from dsops.cli import app

    bad = runner.invoke(app, ["check-site", "--site-dir", str(SITES / "bad")])
    assert bad.exit_code == 1
    assert "broken link: <a href='nowhere.html'>" in bad.stderr
