"""The `dsops` command: the data and model steps a reader of the pages runs. A thin
layer over the domain code; the libraries do the work, and errors end at the shared
boundary (`dsops.shared.commands`). Imports are inside the commands, so `dsops --help`
stays fast and no command pays for another's dependencies."""

from pathlib import Path
from typing import Annotated

import typer

from dsops.shared import paths
from dsops.shared.commands import VERBOSE_HELP, command_line, log_to_stderr
from dsops.shared.errors import DsopsError

app = command_line("The data and model steps of the DevOps-for-data-science site.")


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help=VERBOSE_HELP)] = False):
    """The data and model steps of the DevOps-for-data-science site."""
    log_to_stderr(verbose)


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

    result = run_etl(raw, out)
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

    result = run_flights_etl(raw, out / paths.FLIGHTS_DUCKDB_NAME)
    months = result.recomputed
    if not (months or result.removed or result.reloaded):
        months = len(result.months)
        typer.echo(
            f"{result.database} is up to date: no input changed "
            f"({months} month{'s' if months != 1 else ''}, {result.rows} flights)"
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
    except duckdb.Error as err:
        raise DsopsError(
            f"{result.database} was written, but counting the flights its joins leave "
            f"unmatched failed ({' '.join(str(err).split())}). Run the step again."
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

    for each in manifest or raw_manifests():
        checked = verify_manifest(each)
        typer.echo(f"{len(checked)} raw file(s) match {paths.project_relative(each)}")


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

    result = run_train(data, ModelStore(store))
    stored = result.stored
    typer.echo(
        f"stored {stored.name} version {stored.version} in {paths.project_relative(store)} "
        f"(held-out RMSE {result.test_rmse:.0f} g)"
    )


@app.command()
def bench() -> None:
    """Measure the pipeline steps at their real size; write data/benchmarks/<name>.json."""
    from dsops.flights import bench as flights_bench
    from dsops.penguins import bench as penguins_bench

    for measure in (penguins_bench.run, flights_bench.run):
        typer.echo(f"wrote {paths.project_relative(measure())}")
