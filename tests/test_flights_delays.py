"""The delay modelling step (dsops.flights.delays, `dsops train-delays`) on a small
flights database built here, whose delays really do depend on the rain: the frame and
what it leaves out, the time split, the GLM's odds ratios, the three pipelines' scores,
the choice made on training months only, and the version it stores."""

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from dsops.cli import app
from dsops.flights import delay_model, delays
from dsops.shared.store import ModelStore


def small_flights(path: Path, seed: int = 1, months=range(1, 13), per_month: int = 150) -> Path:
    """A flights table with the columns the step reads: rain and late hours raise the
    chance of a delay; some flights are cancelled or have no weather."""
    rng = np.random.default_rng(seed)
    n = per_month * len(months)
    month = np.repeat(list(months), per_month)
    day = rng.integers(1, 28, n)
    hour = rng.integers(5, 24, n)
    precip = np.where(rng.random(n) < 0.3, rng.uniform(0, 0.5, n), 0.0)
    visib = rng.choice([2.0, 5.0, 10.0], n, p=[0.1, 0.2, 0.7])
    wind = rng.uniform(0, 25, n)
    logit = -2.5 + 6 * precip + 0.08 * (hour - 5) + 0.03 * wind - 0.05 * visib
    delayed = rng.random(n) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "flight_id": np.arange(1, n + 1),
            "month": month,
            "day": day,
            "hour": hour,
            "origin": rng.choice(["EWR", "JFK", "LGA"], n),
            "carrier": rng.choice(["UA", "B6"], n),
            "aircraft": rng.choice([f"{i:016x}" for i in range(40)], n),
            "scheduled_departure": pd.to_datetime(
                {"year": 2013, "month": month, "day": day, "hour": hour}
            ),
            "dep_delay": np.where(delayed, rng.integers(16, 120, n), rng.integers(-10, 15, n)),
            "cancelled": False,
            "precip": precip,
            "visib": visib,
            "wind_speed": wind,
        }
    )
    frame["dep_delay"] = frame["dep_delay"].astype("float")
    frame.loc[frame.index[::97], ["cancelled", "dep_delay"]] = [True, np.nan]
    frame.loc[frame.index[5::89], ["precip", "visib", "wind_speed"]] = np.nan
    database = path / "flights.duckdb"
    with duckdb.connect(str(database)) as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE flights AS SELECT * FROM frame")
        con.execute(
            "CREATE TABLE etl_months AS SELECT month, count(*) AS rows, 'x' AS input_hash "
            "FROM flights GROUP BY month"
        )
    return database


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Gradient boosting's OpenMP threads spin-wait on a busy two-core machine (the suite
    runs two workers): one thread each keeps these small fits quick and predictable."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    return small_flights(tmp_path_factory.mktemp("delays"))


@pytest.fixture(scope="module")
def evaluated(database):
    """The three pipelines fitted on the small table's training months, scored on its test
    months: (train, test, scores, predictions)."""
    train, test = delays.time_split(delays.modelling_frame(database))
    _, scores, predictions = delay_model.fit_and_score(train, test)
    return train, test, scores.set_index("model"), predictions


def test_the_frame_keeps_flights_that_left_with_weather(database):
    frame = delays.modelling_frame(database)
    left_out = delays.rows_left_out(database)
    with duckdb.connect(str(database), read_only=True) as con:
        (total,) = con.execute("SELECT count(*) FROM flights").fetchone()
    assert len(frame) + left_out["no_departure"] + left_out["no_weather"] == total
    assert left_out["no_departure"] == len(range(0, total, 97))
    assert frame[delays.FEATURES].notna().all().all()
    assert set(frame[delays.TARGET]) == {0, 1}
    assert frame["scheduled_departure"].is_monotonic_increasing


def test_the_time_split_trains_on_the_past_only(database):
    train, test = delays.time_split(delays.modelling_frame(database))
    assert set(train["month"]) == set(range(1, 10)) and set(test["month"]) == {10, 11, 12}
    assert train["scheduled_departure"].max() < test["scheduled_departure"].min()


def test_the_glm_finds_the_rain_it_was_built_with(database):
    odds = delays.term_groups(
        delay_model.odds_ratios(delay_model.fit_glm(delays.modelling_frame(database)))
    )
    rain = odds.set_index("term").loc["precip_tenth_in"]
    assert rain["low"] > 1 and rain["low"] <= rain["odds_ratio"] <= rain["high"]
    assert rain["label"] == delays.WEATHER_LABELS["precip_tenth_in"]
    assert set(odds["group"]) == {"intercept", "weather", "hour", "month"}
    assert odds.loc[odds["group"] == "hour", "level"].min() == 6  # 5:00 is the reference
    assert odds.set_index("term").loc["C(month)[T.12]", "level"] == 12


def test_the_models_beat_the_base_rate_and_the_choice_ignores_the_test_months(database, evaluated):
    frame = delays.modelling_frame(database)
    train, _, scores, predictions = evaluated
    assert scores.loc["base rate", "roc_auc"] == 0.5
    assert scores.loc["base rate", "log_loss_skill"] == 0
    assert scores.loc["logistic regression", "log_loss"] < scores.loc["base rate", "log_loss"]
    assert np.allclose(predictions["base rate"], train[delays.TARGET].mean())
    # Changing every test-month outcome leaves the choice as it was.
    flipped = frame.assign(
        delayed=np.where(frame["month"] >= 10, 1 - frame[delays.TARGET], frame[delays.TARGET])
    )
    assert (
        delay_model.choose(delays.time_split(frame)[0])[0]
        == delay_model.choose(delays.time_split(flipped)[0])[0]
    )


def test_calibration_has_ten_groups_per_model_and_one_for_the_base_rate(evaluated):
    _, test, _, predictions = evaluated
    counts = delay_model.calibration(test, predictions)["model"].value_counts()
    assert counts["base rate"] == 1
    assert counts["logistic regression"] == counts["gradient boosting"] == 10


def test_the_step_stores_one_version_with_its_files_and_card(database, tmp_path, runner):
    store = tmp_path / "models"
    result = runner.invoke(
        app, ["train-delays", "--database", str(database), "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    stored = delays.latest(ModelStore(store))
    assert result.stdout.startswith(f"stored flight-delays version {stored.version} in ")
    names = {p.name for p in stored.folder.iterdir()}
    assert {
        delays.MODEL_FILE,
        delays.CARD_FILE,
        delays.ODDS_FILE,
        delays.EVALUATION_FILE,
        delays.PREDICTIONS_FILE,
        delays.CALIBRATION_FILE,
    } <= names
    card = stored.card
    assert card["chosen"] in delay_model.candidates()
    assert card["training_data"]["test_months"] == [10, 11, 12]
    evaluation = json.loads((stored.folder / delays.EVALUATION_FILE).read_text())
    assert [row["model"] for row in evaluation["test"]] == list(delay_model.candidates())
    tested = pd.read_parquet(stored.file(delays.PREDICTIONS_FILE))
    assert set(tested["month"]) == {10, 11, 12} and card["chosen"] in tested


def test_a_database_without_the_test_months_is_refused(tmp_path, runner):
    partial = small_flights(tmp_path, months=range(1, 7), per_month=50)
    result = runner.invoke(
        app, ["train-delays", "--database", str(partial), "--store", str(tmp_path / "m")]
    )
    assert result.exit_code == 1
    assert "no flights with weather in October-December" in result.stderr
    assert not (tmp_path / "m").exists()


def test_delays_carry_over_to_the_same_aircraft(database):
    carried = delays.propagation(database).set_index("previous_delayed")
    assert list(carried.index) == [False, True]
    assert carried["share"].between(0, 1).all()
