"""The `dsops` command: the data and model steps a reader of the pages runs. A thin
layer over the domain code; the libraries do the work, and errors end at the shared
boundary (`dsops.shared.commands`). Imports are inside the commands, so `dsops --help`
stays fast and no command pays for another's dependencies."""

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from dsops.shared import paths
from dsops.shared.commands import VERBOSE_HELP, command_line, log_to_stderr, progress_bar
from dsops.shared.errors import DsopsError

app = command_line("The data and model steps of the DevOps-for-data-science site.")

# The option of every command that reads the processed penguins table.
ProcessedPenguins = Annotated[
    Path,
    typer.Option(
        help="Processed penguins table (Parquet).",
        dir_okay=False,
        show_default=paths.project_relative(paths.PROCESSED_PARQUET),
    ),
]

# The option of every command that reads or writes the model store.
ModelStoreFolder = Annotated[
    Path,
    typer.Option(
        help="Model store folder (a pins board).",
        file_okay=False,
        show_default=paths.project_relative(paths.MODELS_DIR),
    ),
]


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=VERBOSE_HELP)] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            help="Also append every log record to this file as a JSON line, with the run's "
            "id (DSOPS_RUN_ID, or a new one) and its timings.",
            dir_okay=False,
        ),
    ] = None,
):
    """The data and model steps of the DevOps-for-data-science site."""
    log_to_stderr(verbose)
    if log_file is not None:
        from dsops.shared.logs import RUN_LOGGER, log_to_file

        log_to_file(log_file)  # closed by the error boundary when the run ends
        logging.getLogger(RUN_LOGGER).info(
            f"{ctx.invoked_subcommand} started", extra={"command": ctx.invoked_subcommand}
        )


@app.command()
def etl(
    raw: Annotated[
        Path,
        typer.Option(
            help="Raw Palmer Station export (CSV).",
            dir_okay=False,
            show_default=paths.project_relative(paths.RAW_PENGUINS),
        ),
    ] = paths.RAW_PENGUINS,
    out: Annotated[
        Path,
        typer.Option(
            help="Folder for penguins.parquet and penguins.duckdb.",
            file_okay=False,
            show_default=paths.project_relative(paths.PROCESSED_DIR),
        ),
    ] = paths.PROCESSED_DIR,
) -> None:
    """Validate and clean the raw penguins export into Parquet and DuckDB."""
    from dsops.penguins.etl import run_etl
    from dsops.shared.audit import audited

    written = [out / paths.PENGUINS_PARQUET_NAME, out / paths.PENGUINS_DUCKDB_NAME]
    with audited("etl", inputs=[raw], outputs=written):
        result = run_etl(raw, out)
    rows = f"{result.rows} row{'s' if result.rows != 1 else ''}"
    typer.echo(f"wrote {rows} to {result.parquet} and {result.duckdb}")


@app.command("flights-etl")
def flights_etl(
    raw: Annotated[
        Path,
        typer.Option(
            help="Folder with the five NYC flights tables.",
            file_okay=False,
            show_default=paths.project_relative(paths.RAW_FLIGHTS_DIR),
        ),
    ] = paths.RAW_FLIGHTS_DIR,
    out: Annotated[
        Path,
        typer.Option(
            help="Folder for flights.duckdb.",
            file_okay=False,
            show_default=paths.project_relative(paths.PROCESSED_DIR),
        ),
    ] = paths.PROCESSED_DIR,
) -> None:
    """Load the NYC flights tables into DuckDB, recomputing only the months that changed."""
    import duckdb

    from dsops.flights.etl import run_flights_etl
    from dsops.flights.explore import join_coverage
    from dsops.shared.audit import audited

    database = out / paths.FLIGHTS_DUCKDB_NAME
    with audited("flights-etl", inputs=[raw], outputs=[database]):
        result = run_flights_etl(raw, database)
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
    data: ProcessedPenguins = paths.PROCESSED_PARQUET,
    store: ModelStoreFolder = paths.MODELS_DIR,
) -> None:
    """Train the penguin body-mass model and store a new version of it."""
    from dsops.penguins.train import train as run_train
    from dsops.shared.audit import audited
    from dsops.shared.store import ModelStore

    with audited("train", inputs=[data], outputs=[store]):
        result = run_train(data, ModelStore(store))
    stored = result.stored
    typer.echo(
        f"stored {stored.name} version {stored.version} in {paths.project_relative(store)} "
        f"(held-out RMSE {result.test_rmse:.0f} g)"
    )


@app.command()
def organise(
    source: Annotated[
        Path,
        typer.Argument(help="The drop folder the exports are saved in.", file_okay=False),
    ],
    dest: Annotated[
        Path,
        typer.Argument(
            help="Where organised files go (created if missing; not inside SOURCE).",
            file_okay=False,
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would move where; move nothing.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print each run as JSON (with --watch, one line a run)."),
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Then keep watching SOURCE and organise each file that arrives, once complete.",
        ),
    ] = False,
    settle: Annotated[
        float,
        typer.Option(
            min=0, help="With --watch: seconds a file must stay unchanged to count as complete."
        ),
    ] = 1.0,
    max_files: Annotated[
        int | None, typer.Option(min=1, help="With --watch: stop after this many files.")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(min=0, help="With --watch: stop after this many seconds.")
    ] = None,
) -> None:
    """Name monthly flights exports by the month in their rows; set the rest aside.

    Duplicates go to DEST/duplicates, files that fail the schema to DEST/quarantine.

    Every move is recorded in DEST/manifest.json."""
    from dsops.flights import organise as organiser

    if watch and dry_run:
        raise typer.BadParameter("a dry run cannot watch: drop one of them.", param_hint="--watch")
    for option, value in {"--max-files": max_files, "--timeout": timeout}.items():
        if value is not None and not watch:
            raise typer.BadParameter("only applies with --watch.", param_hint=option)
    if not watch:
        checking = progress_bar("checking exports")
        planned = organiser.organise(source, dest, dry_run=dry_run, progress=checking)
        if as_json:
            typer.echo(json.dumps(organiser.as_json(planned, dry_run), indent=2))
        else:
            lines = [*organiser.describe(planned, dry_run), organiser.summary(planned, dry_run)]
            typer.echo("\n".join(lines))
        return

    organiser.check_folders(source, dest)  # before it says it is watching
    typer.echo(f"watching {source}; Ctrl-C stops", err=True)
    refused = 0
    try:
        for run in organiser.organise_arrivals(source, dest, settle, max_files, timeout):
            if isinstance(run, DsopsError):  # that file stays where it is; the watch goes on
                refused += 1
                typer.echo(f"error: {run}", err=True)
            elif as_json:
                typer.echo(json.dumps(organiser.as_json(run)))
            elif run.moves or run.left:
                typer.echo("\n".join(organiser.describe(run)))
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a watch without limits ends
    typer.echo(f"stopped watching {source}", err=True)
    if refused:
        raise typer.Exit(code=1)


@app.command()
def bench() -> None:
    """Measure the pipeline steps at their real size; write data/benchmarks/<name>.json."""
    from dsops.flights import bench as flights_bench
    from dsops.flights import mutation
    from dsops.flights.validators import compare as validators
    from dsops.penguins import bench as penguins_bench
    from dsops.penguins import serving_bench
    from dsops.practices import security

    measures = (
        penguins_bench.run,
        flights_bench.run,
        flights_bench.run_delays,
        serving_bench.run,
        security.bench,
        mutation.run_bench,
        validators.run,
    )
    for measure in measures:
        typer.echo(f"wrote {paths.project_relative(measure())}")


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = 8080,
    store: ModelStoreFolder = paths.MODELS_DIR,
) -> None:
    """Serve the newest penguin body-mass model over HTTP until Ctrl-C: POST /predict,
    GET /health, /model, /metrics and /docs; one JSON log line per request on stderr."""
    from dsops.penguins.api import serve as run_api
    from dsops.shared.store import ModelStore

    run_api(host, port, ModelStore(store))


@app.command("load-db")
def load_db(
    url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL of the database to load (default: $DSOPS_DATABASE_URL, "
            "or its line in .env).",
            show_default=False,
        ),
    ] = None,
    data: ProcessedPenguins = paths.PROCESSED_PARQUET,
) -> None:
    """Load the penguins table into a database (DuckDB or PostgreSQL) and check it."""
    from dsops.penguins.database import run_load
    from dsops.shared.connections import DEFAULT_URL, URL_ENV, database_url, shown

    url = url or database_url()
    if url == DEFAULT_URL:
        raise DsopsError(
            f"no database to load into: pass --url or set {URL_ENV} (in the environment "
            "or in .env); the processed DuckDB file is written by `make data` alone."
        )
    counts = run_load(url, data)
    typer.echo(
        f"loaded {counts['birds'].sum()} birds into {shown(url)}; the shared count query "
        f"agrees on all {len(counts)} species and sex groups"
    )


@app.command("security-check")
def security_check() -> None:
    """bandit, detect-secrets and zizmor on this repository, each against its baseline of
    accepted findings (security/, .github/zizmor.yml); exit 1 if any finding is new."""
    from dsops.practices import security

    checks = security.run_checks()
    for check in checks:
        typer.echo(check.summary())
        for line in check.new:
            typer.echo(f"  new: {line}")
    if not all(check.passed for check in checks):
        typer.echo(
            "error: new findings: fix them, or add each to its tool's baseline with a reason.",
            err=True,
        )
        raise typer.Exit(code=1)


@app.command("train-delays")
def train_delays(
    database: Annotated[
        Path,
        typer.Option(
            help="The flights database that `dsops flights-etl` wrote.",
            dir_okay=False,
            show_default=paths.project_relative(paths.FLIGHTS_DUCKDB),
        ),
    ] = paths.FLIGHTS_DUCKDB,
    store: ModelStoreFolder = paths.MODELS_DIR,
) -> None:
    """Model departure delays from the origin's weather; store the chosen model."""
    from dsops.flights.delay_model import train_delays as run_train_delays
    from dsops.shared.audit import audited
    from dsops.shared.store import ModelStore

    with audited("train-delays", inputs=[database], outputs=[store]):
        result = run_train_delays(database, ModelStore(store))
    test = result.test_scores.set_index("model").loc[result.chosen]
    typer.echo(
        f"stored {result.stored.name} version {result.stored.version} in "
        f"{paths.project_relative(store)}: {result.chosen} "
        f"(test log loss {test['log_loss']:.3f}, ROC AUC {test['roc_auc']:.3f})"
    )


@app.command("build-image")
def build_image() -> None:
    """Build the model API's container image with podman on a Debian base built from
    Debian's packages; record its layers and sizes in data/benchmarks/container-image.json."""
    from dsops.practices import containers

    typer.echo(f"wrote {paths.project_relative(containers.run())}")


@app.command("check-sensitive")
def check_sensitive(
    folder: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders to check (default: data/processed, models and, once built, site).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Fail if a column tagged sensitive (columns.SENSITIVE), or any of its raw values,
    is in the processed data, the model store or the rendered site."""
    from dsops.flights.columns import SENSITIVE as FLIGHTS_SENSITIVE
    from dsops.flights.tables import raw_sensitive_values
    from dsops.penguins.columns import SENSITIVE as PENGUINS_SENSITIVE
    from dsops.shared.sensitive import Scan, folder_leaks

    tags = raw_sensitive_values()
    for column in PENGUINS_SENSITIVE:  # none today; a tag there is checked by name
        tags.setdefault(column, set())
    shown = ", ".join(f"{column} ({len(values):,} raw values)" for column, values in tags.items())
    typer.echo(f"tagged sensitive: {shown}; replaced by {', '.join(FLIGHTS_SENSITIVE.values())}")
    folders = folder or [paths.PROCESSED_DIR, paths.MODELS_DIR, paths.SITE_DIR]
    scan = Scan()
    for each in folders:
        if not each.is_dir():
            typer.echo(f"{paths.project_relative(each)}: not built, not checked")
            continue
        found = folder_leaks(each, tags)
        typer.echo(
            f"{paths.project_relative(each)}: {found.tables} tables ({found.columns} columns) "
            f"and {found.files} other files read, {len(found.leaks)} leaks"
        )
        scan.add(found)
    for leak in scan.leaks:
        typer.echo(f"  leak: {leak}")
    if scan.leaks:
        typer.echo(
            "error: sensitive data reached an output: replace the column by its pseudonym "
            "in the step that writes it (see dsops.shared.pseudonyms), then rebuild.",
            err=True,
        )
        raise typer.Exit(code=1)


@app.command("verify-audit")
def verify_audit(
    log: Annotated[
        Path | None,
        typer.Option(
            help="The audit log (default: $DSOPS_AUDIT_LOG, or data/audit/runs.jsonl).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    anchor: Annotated[
        str | None,
        typer.Option(help="A line hash recorded elsewhere earlier: fail if it is gone."),
    ] = None,
) -> None:
    """Check the hash chain of the audit log of pipeline runs (data/audit/runs.jsonl); exit
    1 naming the first broken link."""
    from dsops.shared.audit import verify

    checked = verify(log, anchor)
    typer.echo(
        f"{checked.entries} entries, the chain holds; last line's hash (anchor it elsewhere): "
        f"{checked.last_hash}"
    )
