"""The `sitebuild` command: what builds and checks the site (pages, the rendered site,
Quarto, CI summaries, browser checks). A thin layer over this package's modules; errors
end at the shared boundary (`dsops.shared.commands`). Imports are inside the commands,
so `sitebuild --help` stays fast and no command pays for another's dependencies."""

from pathlib import Path
from typing import Annotated

import typer

from dsops.shared import paths
from dsops.shared.commands import VERBOSE_HELP, command_line, log_to_stderr
from dsops.shared.errors import DsopsError

app = command_line("Build and check the DevOps-for-data-science site.")


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help=VERBOSE_HELP)] = False):
    """Build and check the DevOps-for-data-science site."""
    log_to_stderr(verbose)


@app.command("check-pages")
def check_pages(
    pages: Annotated[
        list[Path] | None,
        typer.Argument(help="Pages to execute (default: every page the site renders)."),
    ] = None,
    figures: Annotated[
        Path | None,
        typer.Option(help="Also save every figure as PNG in this folder, to look at them."),
    ] = None,
) -> None:
    """Execute pages' Python as Quarto would, and check what a reader would see."""
    from sitebuild.pages import execute_page
    from sitebuild.project import load_project

    project = load_project()
    failed = 0
    for page in pages or project.pages:
        try:
            report = execute_page(page, project)
        except DsopsError as err:  # one page failing does not stop the others
            failed += 1
            typer.echo(f"FAIL {err}", err=True)
            continue
        typer.echo(f"ok   {report}")
        if figures is not None:
            for path in report.save_figures(figures):
                typer.echo(f"     figure: {path}")
    if failed:  # each failure is its own line above
        raise typer.Exit(code=1)


@app.command("new-page")
def new_page(
    section: Annotated[str, typer.Argument(help="Section folder under analyses/.")],
    slug: Annotated[str, typer.Argument(help="Page file name, kebab-case, without .qmd.")],
    title: Annotated[str, typer.Option(help="The page's title.")],
    description: Annotated[
        str | None, typer.Option(help="One sentence for search and link previews.")
    ] = None,
) -> None:
    """Write a new page from the page template, with the test of its exercise."""
    from sitebuild.project import load_project
    from sitebuild.scaffold import new_page as scaffold

    made = scaffold(load_project(), section, slug, title, description)
    typer.echo(f"wrote {paths.project_relative(made.page)} and {paths.project_relative(made.test)}")
    typer.echo(
        f"next: uv run sitebuild check-pages {paths.project_relative(made.page)} --figures figures/"
    )


@app.command("check-site")
def check_site(
    site_dir: Annotated[
        Path | None, typer.Option(help="Rendered site folder (default: the project's).")
    ] = None,
) -> None:
    """Check a rendered site: pages present, no errors, links, anchors, images and alt text."""
    from sitebuild.project import load_project
    from sitebuild.sitecheck import check_site as run_check
    from sitebuild.sitecheck import rules_for

    project = load_project()
    folder = site_dir or project.output_dir
    problems = run_check(folder, rules_for(project))
    for problem in problems:
        typer.echo(f"{problem}", err=True)
    if problems:
        raise DsopsError(f"{len(problems)} problem(s) in {folder}")
    typer.echo(f"{folder}: no problems found")


@app.command("browser-check")
def browser_check(
    site_dir: Annotated[Path, typer.Argument(help="Folder of HTML to check (e.g. site).")],
    page: Annotated[
        list[str] | None,
        typer.Option(help="Only this page (site-relative, e.g. index.html); repeatable."),
    ] = None,
) -> None:
    """Open every page in Chromium (light, dark, phone) and fail on a console error, a failed
    request, a request to another host or an axe-core violation."""
    from sitebuild.browsercheck import MODES, check_pages

    findings = check_pages(site_dir, page)
    for finding in findings:
        typer.echo(str(finding), err=True)
    if findings:
        raise DsopsError(f"{len(findings)} problem(s) in {site_dir}")
    modes = ", ".join(mode.name for mode in MODES)
    typer.echo(f"{site_dir}: no problems found ({modes})")


@app.command()
def lighthouse(
    site_dir: Annotated[Path, typer.Argument(help="Folder of HTML to test (e.g. site).")],
    page: Annotated[
        list[str] | None,
        typer.Option(help="Only this page (site-relative, e.g. index.html); repeatable."),
    ] = None,
    runs: Annotated[int, typer.Option(help="Lighthouse runs per page (median taken).")] = 3,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the scores to this JSON file.")
    ] = None,
    enforce: Annotated[
        bool, typer.Option(help="Exit 1 when a page misses a goal (default: only report).")
    ] = False,
) -> None:
    """Lighthouse scores (mobile, median of several runs) of every page, served locally."""
    from sitebuild import lighthouse as lh

    report = lh.score_pages(site_dir, page, runs)
    if json_out is not None:
        lh.write_json(report, json_out)
    typer.echo(lh.table(report), nl=False)
    missed = [f"{p.page} ({', '.join(p.missed())})" for p in report.pages if p.missed()]
    if enforce and missed:
        raise DsopsError(f"below the goals: {'; '.join(missed)}")


@app.command("ensure-quarto")
def ensure_quarto(
    uv: Annotated[str, typer.Option(help="The uv executable used to install quarto-cli.")] = "uv",
    optional: Annotated[
        bool, typer.Option(help="Report a Quarto that cannot be installed instead of failing.")
    ] = False,
) -> None:
    """Make the pinned Quarto (QUARTO_VERSION) available, installing quarto-cli if missing."""
    from sitebuild.quarto import ensure_quarto as ensure

    typer.echo(ensure(uv, optional=optional), err=True)


@app.command("install-quarto-release")
def install_quarto_release(
    cache: Annotated[Path, typer.Option(help="Folder that keeps (caches) the archive.")],
) -> None:
    """Download the pinned Quarto's release archive into CACHE (unless a copy is there),
    check it against the SHA-256 pinned in tools/quarto-SHA256SUMS, unpack it and link
    its quarto into the project environment (Linux, x86-64)."""
    from sitebuild.quarto import install_release

    typer.echo(f"installed {install_release(paths.quarto_version(), cache)}")


@app.command("ci-summary")
def ci_summary(
    junit: Annotated[Path | None, typer.Option(help="pytest JUnit XML report.")] = None,
    site_dir: Annotated[Path | None, typer.Option(help="Rendered site folder.")] = None,
    artifact_url: Annotated[str | None, typer.Option(help="Link to the uploaded site.")] = None,
    lighthouse: Annotated[
        Path | None, typer.Option(help="Scores written by `sitebuild lighthouse --json`.")
    ] = None,
) -> None:
    """Print a Markdown summary of a CI job (for $GITHUB_STEP_SUMMARY)."""
    from sitebuild.ci import summary
    from sitebuild.project import load_project

    expected = load_project().expected_html() if site_dir is not None else None
    typer.echo(summary(junit, site_dir, artifact_url, expected, lighthouse), nl=False)


@app.command()
def bench() -> None:
    """Measure every page's execution time; write data/benchmarks/site-pages.json."""
    from sitebuild import bench as pages_bench

    typer.echo(f"wrote {paths.project_relative(pages_bench.run())}")
