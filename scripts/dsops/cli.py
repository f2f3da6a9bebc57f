"""The `dsops` command line: a thin layer over the domain code (`dsops.*`) and the build
tooling (`sitebuild`); the libraries do the work. Imports are inside the commands, so
`dsops --help` stays fast and no command pays for another's dependencies."""

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from dsops.shared import paths
from dsops.shared.errors import DsopsError

app = typer.Typer(
    help="Pipeline and checks for the DevOps-for-data-science site.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(err: Exception) -> typer.Exit:
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(code=1)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")] = False,
) -> None:
    """Pipeline and checks for the DevOps-for-data-science site."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command()
def etl(
    raw: Annotated[
        Path, typer.Option(help="Raw Palmer Station export (CSV).", dir_okay=False)
    ] = paths.RAW_PENGUINS,
    out: Annotated[
        Path, typer.Option(help="Folder for penguins.parquet and penguins.duckdb.", file_okay=False)
    ] = paths.PROCESSED_DIR,
) -> None:
    """Validate and clean the raw penguins export into Parquet and DuckDB."""
    from dsops.penguins.etl import run_etl

    try:
        result = run_etl(raw, out)
    except DsopsError as err:
        raise _fail(err) from None
    rows = f"{result.rows} row{'s' if result.rows != 1 else ''}"
    typer.echo(f"wrote {rows} to {result.parquet} and {result.duckdb}")


@app.command("flights-etl")
def flights_etl(
    raw: Annotated[
        Path, typer.Option(help="Folder with the five NYC flights tables.", file_okay=False)
    ] = paths.RAW_FLIGHTS_DIR,
    out: Annotated[
        Path, typer.Option(help="Folder for flights.duckdb.", file_okay=False)
    ] = paths.PROCESSED_DIR,
) -> None:
    """Load the NYC flights tables into DuckDB, recomputing only the months that changed."""
    import duckdb

    from dsops.flights.etl import run_flights_etl
    from dsops.flights.explore import join_coverage

    try:
        result = run_flights_etl(raw, out / paths.FLIGHTS_DUCKDB_NAME)
    except DsopsError as err:
        raise _fail(err) from None
    months = result.recomputed
    if not (months or result.removed or result.reloaded):
        typer.echo(
            f"{result.database} is up to date: no input changed "
            f"({len(result.months)} months, {result.rows} flights)"
        )
        return
    done = [
        f"recomputed {len(months)} of {len(result.months)} months ({', '.join(map(str, months))})"
        if months
        else "recomputed no month"
    ]
    if result.removed:
        done.append(f"removed months {', '.join(map(str, result.removed))}")
    if result.reloaded:
        done.append(f"reloaded {', '.join(result.reloaded)}")
    # counted in the database just written, by the queries the recipe pages use
    try:
        coverage = join_coverage(result.database)
    except (DsopsError, duckdb.Error) as err:
        raise _fail(
            DsopsError(
                f"{result.database} was written, but counting the flights its joins leave "
                f"unmatched failed ({' '.join(str(err).split())}). Run the step again."
            )
        ) from None
    misses = coverage.set_index("table")[["no_key", "unmatched"]].sum(axis=1)
    typer.echo(
        f"{result.database} holds {result.rows} flights: {'; '.join(done)}; "
        f"{misses['weather']} flights found no weather and {misses['planes']} no aircraft"
    )


@app.command("verify-raw")
def verify_raw(
    manifest: Annotated[
        list[Path] | None,
        typer.Argument(help="Manifests to check (default: every data/raw/*/SHA256SUMS)."),
    ] = None,
) -> None:
    """Check every raw data file against its recorded SHA-256."""
    from dsops.shared.provenance import raw_manifests, verify_manifest

    try:
        for each in manifest or raw_manifests():
            checked = verify_manifest(each)
            typer.echo(f"{len(checked)} raw file(s) match {paths.project_relative(each)}")
    except DsopsError as err:
        raise _fail(err) from None


@app.command()
def train(
    data: Annotated[
        Path, typer.Option(help="Processed penguins table (Parquet).", dir_okay=False)
    ] = paths.PROCESSED_PARQUET,
    store: Annotated[
        Path, typer.Option(help="Model store folder (a pins board).", file_okay=False)
    ] = paths.MODELS_DIR,
) -> None:
    """Train the penguin body-mass model and store a new version of it."""
    from dsops.penguins.train import train as run_train
    from dsops.shared.store import ModelStore

    try:
        result = run_train(data, ModelStore(store))
    except DsopsError as err:
        raise _fail(err) from None
    stored = result.stored
    typer.echo(
        f"stored {stored.name} version {stored.version} in {paths.project_relative(store)} "
        f"(held-out RMSE {result.test_rmse:.0f} g)"
    )


@app.command()
def bench() -> None:
    """Measure the pipeline steps and the pages; write data/benchmarks/<name>.json records."""
    from dsops.flights import bench as flights_bench
    from dsops.penguins import bench as penguins_bench
    from sitebuild import bench as pages_bench

    try:
        measures = (
            penguins_bench.run,
            penguins_bench.run_scale,
            flights_bench.run,
            pages_bench.run,
        )
        for measure in measures:
            written = measure()
            typer.echo(f"wrote {paths.project_relative(written)}")
    except DsopsError as err:
        raise _fail(err) from None


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

    try:
        project = load_project()
        chosen = pages or project.pages
    except DsopsError as err:
        raise _fail(err) from None
    failed = 0
    for page in chosen:
        try:
            report = execute_page(page, project)
        except DsopsError as err:
            failed += 1
            typer.echo(f"FAIL {err}", err=True)
        else:
            typer.echo(f"ok   {report}")
            if figures is not None:
                for path in report.save_figures(figures):
                    typer.echo(f"     figure: {path}")
    if failed:
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

    try:
        made = scaffold(load_project(), section, slug, title, description)
    except DsopsError as err:
        raise _fail(err) from None
    typer.echo(f"wrote {paths.project_relative(made.page)} and {paths.project_relative(made.test)}")
    typer.echo(
        f"next: uv run dsops check-pages {paths.project_relative(made.page)} --figures figures/"
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

    try:
        project = load_project()
        rules = rules_for(project)
    except DsopsError as err:
        raise _fail(err) from None
    folder = site_dir or project.output_dir
    problems = run_check(folder, rules)
    for problem in problems:
        typer.echo(f"{problem}", err=True)
    if problems:
        raise _fail(DsopsError(f"{len(problems)} problem(s) in {folder}"))
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

    try:
        findings = check_pages(site_dir, page)
    except DsopsError as err:
        raise _fail(err) from None
    for finding in findings:
        typer.echo(str(finding), err=True)
    if findings:
        raise _fail(DsopsError(f"{len(findings)} problem(s) in {site_dir}"))
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

    try:
        report = lh.score_pages(site_dir, page, runs)
        if json_out is not None:
            lh.write_json(report, json_out)
    except DsopsError as err:
        raise _fail(err) from None
    typer.echo(lh.table(report), nl=False)
    missed = [f"{p.page} ({', '.join(p.missed())})" for p in report.pages if p.missed()]
    if enforce and missed:
        raise _fail(DsopsError(f"below the goals: {'; '.join(missed)}"))


@app.command("ensure-quarto")
def ensure_quarto(
    uv: Annotated[str, typer.Option(help="The uv executable used to install quarto-cli.")] = "uv",
    optional: Annotated[
        bool, typer.Option(help="Report a Quarto that cannot be installed instead of failing.")
    ] = False,
) -> None:
    """Make the pinned Quarto (QUARTO_VERSION) available, installing quarto-cli if missing."""
    from sitebuild.quarto import ensure_quarto as ensure

    try:
        typer.echo(ensure(uv, optional=optional), err=True)
    except DsopsError as err:
        raise _fail(err) from None


@app.command("ci-summary")
def ci_summary(
    junit: Annotated[Path | None, typer.Option(help="pytest JUnit XML report.")] = None,
    site_dir: Annotated[Path | None, typer.Option(help="Rendered site folder.")] = None,
    artifact_url: Annotated[str | None, typer.Option(help="Link to the uploaded site.")] = None,
    lighthouse: Annotated[
        Path | None, typer.Option(help="Scores written by `dsops lighthouse --json`.")
    ] = None,
) -> None:
    """Print a Markdown summary of a CI job (for $GITHUB_STEP_SUMMARY)."""
    from sitebuild.ci import summary
    from sitebuild.project import load_project

    try:
        expected = load_project().expected_html() if site_dir is not None else None
        typer.echo(summary(junit, site_dir, artifact_url, expected, lighthouse), nl=False)
    except DsopsError as err:
        raise _fail(err) from None
