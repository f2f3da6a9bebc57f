"""Benchmarks of the flights ETL at its real size (run by `make bench`): a full load,
a rerun with nothing changed, a rerun after one flight changed, and the parts a full
load spends its time in."""

import tempfile
import time
from pathlib import Path

from dsops.flights.clean import FLIGHT_STEPS, WEATHER_STEPS, enrich, pseudonymise_identifiers
from dsops.flights.columns import FILES
from dsops.flights.etl import run_flights_etl
from dsops.flights.samples import change_flight, copy_raw, read_flight_lines, write_flight_lines
from dsops.flights.tables import read_tables
from dsops.shared import benchmarks, paths
from dsops.shared.errors import DsopsError
from dsops.shared.pipeline import run_steps
from dsops.shared.pseudonyms import pseudonym_key

NAME = "flights-etl"


def _after_one_change(raw: Path, database: Path, repeat: int) -> dict[str, float | int]:
    """Reruns, each after one March flight changed (a different delay each time)."""
    seconds = []
    for run in range(repeat):
        change_flight(raw, month=3, column="dep_delay", value=str(500 + run))
        started = time.perf_counter()
        result = run_flights_etl(raw, database)
        seconds.append(time.perf_counter() - started)
        if result.recomputed != [3]:  # the figure would not be what its name says
            raise DsopsError(f"expected the rerun to recompute March only: {result.recomputed}")
    return benchmarks.summarise(seconds, digits=3)


def _after_rewrite(raw: Path, database: Path, repeat: int) -> dict[str, float | int]:
    """Reruns, each after the flights file was written again with the same rows: new
    bytes, so every table is read, checked and hashed, and nothing is written."""
    archive = raw / FILES["flights"]
    seconds = []
    for _ in range(repeat):
        write_flight_lines(archive, *read_flight_lines(archive))
        started = time.perf_counter()
        result = run_flights_etl(raw, database)
        seconds.append(time.perf_counter() - started)
        if result.recomputed:
            raise DsopsError(f"expected the rerun to recompute nothing: {result.recomputed}")
    return benchmarks.summarise(seconds, digits=3)


def run(repeat: int = 3, folder: Path = paths.BENCHMARKS_DIR) -> Path:
    """Time the ETL's runs and parts on the real tables; record the figures."""
    tables = read_tables(paths.RAW_FLIGHTS_DIR)  # also imports everything the steps use
    tables = pseudonymise_identifiers(tables, pseudonym_key())  # as the ETL's first step
    flights, _ = run_steps(tables["flights"], FLIGHT_STEPS)
    weather, _ = run_steps(tables["weather"], WEATHER_STEPS)
    with tempfile.TemporaryDirectory(prefix="dsops-flights-bench-") as scratch:
        raw = copy_raw(Path(scratch) / "raw")
        database = Path(scratch) / paths.FLIGHTS_DUCKDB_NAME

        def full_load() -> None:
            database.unlink(missing_ok=True)
            run_flights_etl(raw, database)

        figures = {
            "data": {"flights": len(tables["flights"])},
            "full_load": benchmarks.timed(full_load, repeat),
            "rerun_nothing_changed": benchmarks.timed(
                lambda: run_flights_etl(raw, database), repeat
            ),
            "rerun_same_rows_new_file": _after_rewrite(raw, database, repeat),
            "rerun_one_month_changed": _after_one_change(raw, database, repeat),
            "read_and_check": benchmarks.timed(lambda: read_tables(raw), repeat),
            "cleaning_steps": benchmarks.timed(
                lambda: (
                    run_steps(tables["flights"], FLIGHT_STEPS),
                    run_steps(tables["weather"], WEATHER_STEPS),
                ),
                repeat,
            ),
            "enrich": benchmarks.timed(lambda: enrich(flights, weather, tables["planes"]), repeat),
        }
    return benchmarks.record(
        NAME,
        "dsops flights-etl on the real NYC flights 2013 tables: a full load into a new "
        "DuckDB file, a rerun with no file changed (the files' SHA-256 match: nothing is "
        "read), a rerun after the flights file was written again with the same rows (read "
        "and hashed, nothing written), a rerun after one March flight changed (it "
        "recomputes March only), and three parts of a full load: reading and checking the "
        "five tables, the cleaning steps, and the join to weather and aircraft.",
        f"In one Python process with every library already imported, on a copy of the raw "
        f"tables in a temporary folder; each measured {repeat} times in a row, wall-clock "
        "seconds of each call, summarised by median, fastest and slowest.",
        figures,
        folder,
    )


DELAYS_NAME = "flight-delays"


def run_delays(repeat: int = 3, folder: Path = paths.BENCHMARKS_DIR) -> Path:
    """Time the delay modelling step and its parts on the real flights database."""
    from dsops.flights import delay_model, delays
    from dsops.shared.store import ModelStore

    frame = delays.modelling_frame()  # also imports everything the steps use
    train, test = delays.time_split(frame)
    with tempfile.TemporaryDirectory(prefix="dsops-delays-bench-") as scratch:
        store = ModelStore(Path(scratch) / "models")
        figures = {
            "data": {"rows": len(frame), "train_rows": len(train), "test_rows": len(test)},
            "read_frame": benchmarks.timed(delays.modelling_frame, repeat),
            "glm_fit": benchmarks.timed(lambda: delay_model.fit_glm(frame), repeat),
            "fit_and_score_three_models": benchmarks.timed(
                lambda: delay_model.fit_and_score(train, test), repeat
            ),
            "train_delays": benchmarks.timed(lambda: delay_model.train_delays(store=store), repeat),
        }
    return benchmarks.record(
        DELAYS_NAME,
        "dsops train-delays on the real flights database: reading the modelling frame "
        "(flights that left, with weather at the origin), the statsmodels GLM on the whole "
        "year, fitting and scoring the three scikit-learn pipelines on the time split "
        "(January-September against October-December), and the whole step (GLM, the choice "
        "on July-September, the evaluation and the model store write).",
        f"In one Python process with every library already imported, into a model store in "
        f"a temporary folder; each measured {repeat} times in a row, wall-clock seconds of "
        "each call, summarised by median, fastest and slowest.",
        figures,
        folder,
    )
