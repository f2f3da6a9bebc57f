"""The `dsops` command line: a thin layer over the package; the library does the work."""

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from dsops import config
from dsops.errors import DsopsError

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
    ] = config.RAW_PENGUINS,
    out: Annotated[
        Path, typer.Option(help="Folder for penguins.parquet and penguins.duckdb.", file_okay=False)
    ] = config.PROCESSED_DIR,
) -> None:
    """Validate and clean the raw penguins export into Parquet and DuckDB."""
    from dsops.etl import run_etl

    try:
        result = run_etl(raw, out)
    except DsopsError as err:
        raise _fail(err) from None
    typer.echo(f"wrote {result.rows} rows to {result.parquet} and {result.duckdb}")


@app.command("verify-raw")
def verify_raw(
    manifest: Annotated[
        Path, typer.Option(help="SHA-256 manifest of the raw files.", dir_okay=False)
    ] = config.RAW_MANIFEST,
) -> None:
    """Check every raw data file against its recorded SHA-256."""
    from dsops.provenance import verify_manifest

    try:
        checked = verify_manifest(manifest)
    except DsopsError as err:
        raise _fail(err) from None
    typer.echo(f"{len(checked)} raw file(s) match {manifest}")


@app.command("check-pages")
def check_pages(
    pages: Annotated[
        list[Path] | None,
        typer.Argument(help="Pages to execute (default: every .qmd page of the site)."),
    ] = None,
    figures: Annotated[
        Path | None,
        typer.Option(help="Also save every figure as PNG in this folder, to look at them."),
    ] = None,
) -> None:
    """Execute pages' Python cells in a fresh Jupyter kernel, as Quarto would."""
    from dsops.pages import discover_pages, execute_page

    failed = 0
    for page in pages or discover_pages():
        try:
            report = execute_page(page)
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


@app.command("check-site")
def check_site(
    site_dir: Annotated[
        Path, typer.Option(help="Rendered site folder.", file_okay=False)
    ] = config.SITE_DIR,
) -> None:
    """Check a rendered site: pages present, no errors, links, anchors, images and alt text."""
    from dsops.pages import discover_pages
    from dsops.sitecheck import check_site as run_check
    from dsops.sitecheck import expected_html

    problems = run_check(site_dir, expected_html(discover_pages(), config.PROJ_ROOT))
    for problem in problems:
        typer.echo(f"{problem}", err=True)
    if problems:
        raise _fail(DsopsError(f"{len(problems)} problem(s) in {site_dir}"))
    typer.echo(f"{site_dir}: no problems found")


@app.command("ensure-quarto")
def ensure_quarto(
    uv: Annotated[str, typer.Option(help="The uv executable used to install quarto-cli.")] = "uv",
    optional: Annotated[
        bool, typer.Option(help="Report a Quarto that cannot be installed instead of failing.")
    ] = False,
) -> None:
    """Make the pinned Quarto (QUARTO_VERSION) available, installing quarto-cli if missing."""
    from dsops.quarto import ensure_quarto as ensure

    try:
        typer.echo(ensure(uv, optional=optional), err=True)
    except DsopsError as err:
        raise _fail(err) from None


@app.command("ci-summary")
def ci_summary(
    junit: Annotated[Path | None, typer.Option(help="pytest JUnit XML report.")] = None,
    site_dir: Annotated[Path | None, typer.Option(help="Rendered site folder.")] = None,
    artifact_url: Annotated[str | None, typer.Option(help="Link to the uploaded site.")] = None,
) -> None:
    """Print a Markdown summary of a CI job (for $GITHUB_STEP_SUMMARY)."""
    from dsops.ci import summary

    try:
        typer.echo(summary(junit, site_dir, artifact_url), nl=False)
    except DsopsError as err:
        raise _fail(err) from None
