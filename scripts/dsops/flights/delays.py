"""Does the weather at the origin explain departure delays? The data side of the
statistical modelling pipeline on the cleaned flights that `dsops flights-etl` loaded:
the question's constants, the modelling frame and its time split, the stored model's
files, and the queries a page reads beside it. Fitting is in `delay_model`, which
`dsops train-delays` (run by `make train`) runs; a page reading the stored version
imports only this module.
"""

from pathlib import Path

import pandas as pd

from dsops.flights import explore
from dsops.shared import paths
from dsops.shared.store import ModelStore, ModelVersion

MODEL_NAME = "flight-delays"
DELAY_MINUTES = 15
TARGET = "delayed"
WEATHER = ["precip_tenth_in", "visib_mi", "wind_10mph"]
FEATURES = [*WEATHER, "hour"]  # month is left out of prediction: the test months are unseen
FORMULA = f"{TARGET} ~ {' + '.join(WEATHER)} + C(hour) + C(month)"
TRAIN_MONTHS = range(1, 10)  # January to September
TEST_MONTHS = range(10, 13)  # October to December
CHOICE_MONTHS = range(7, 10)  # where the stored model is chosen, after fitting on 1-6
CALIBRATION_BINS = 10

MODEL_FILE = "model.joblib"
CARD_FILE = "model-card.json"
ODDS_FILE = "odds-ratios.csv"
EVALUATION_FILE = "evaluation.json"
PREDICTIONS_FILE = "test-predictions.parquet"
CALIBRATION_FILE = "calibration.csv"

# Rows: flights that left (cancelled ones have no departure delay) and found a weather
# observation at their origin in their scheduled hour. Units chosen so an odds ratio
# reads per a step a person notices: a tenth of an inch of rain in the hour, a mile of
# visibility, ten miles an hour of wind.
FRAME_SQL = f"""
SELECT month, day, hour, origin, carrier, scheduled_departure,
       (dep_delay > {DELAY_MINUTES})::INTEGER AS {TARGET},
       precip * 10 AS precip_tenth_in, visib AS visib_mi, wind_speed / 10 AS wind_10mph
FROM flights
WHERE NOT cancelled AND dep_delay IS NOT NULL
  AND precip IS NOT NULL AND visib IS NOT NULL AND wind_speed IS NOT NULL
ORDER BY scheduled_departure, flight_id
"""


def modelling_frame(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """One row per flight that left and has weather, with the target and features."""
    return explore.query(FRAME_SQL, database)


def rows_left_out(database: Path = paths.FLIGHTS_DUCKDB) -> dict[str, int]:
    """Flights the modelling frame leaves out, and why."""
    return (
        explore.query(
            """SELECT count(*) FILTER (WHERE cancelled OR dep_delay IS NULL) AS no_departure,
                      count(*) FILTER (WHERE NOT cancelled AND dep_delay IS NOT NULL
                          AND (precip IS NULL OR visib IS NULL OR wind_speed IS NULL))
                          AS no_weather
               FROM flights""",
            database,
        )
        .iloc[0]
        .astype(int)
        .to_dict()
    )


def time_split(
    frame: pd.DataFrame, train: range = TRAIN_MONTHS, test: range = TEST_MONTHS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier months to train on, later months to test on: the model only ever sees
    the past, as it would in use."""
    return frame[frame["month"].isin(train)], frame[frame["month"].isin(test)]


def latest(store: ModelStore | None = None) -> ModelVersion:
    """The latest stored delay model (one sentence naming `make train` if none)."""
    return (store or ModelStore()).get(MODEL_NAME)


def propagation(database: Path = paths.FLIGHTS_DUCKDB) -> pd.DataFrame:
    """Share of flights delayed, by whether the same aircraft's previous flight that day
    left late: how far delays carry over, which the origin's weather cannot see."""
    return explore.query(
        f"""WITH ordered AS (
              SELECT (dep_delay > {DELAY_MINUTES}) AS delayed,
                     lag(dep_delay > {DELAY_MINUTES}) OVER (
                         PARTITION BY aircraft, month, day ORDER BY scheduled_departure
                     ) AS previous_delayed
              FROM flights
              WHERE aircraft IS NOT NULL AND dep_delay IS NOT NULL
            )
            SELECT previous_delayed, count(*) AS flights, avg(delayed::INTEGER) AS share
            FROM ordered WHERE previous_delayed IS NOT NULL
            GROUP BY previous_delayed ORDER BY previous_delayed""",
        database,
    )


WEATHER_LABELS = {
    "precip_tenth_in": "precipitation, per 0.1 inch in the hour",
    "visib_mi": "visibility, per mile",
    "wind_10mph": "wind speed, per 10 mph",
}


def term_groups(odds: pd.DataFrame) -> pd.DataFrame:
    """The GLM's odds ratios with each term's group (intercept, weather, hour, month),
    its level as a number for hour and month, and a label a reader understands."""
    extracted = odds["term"].str.extract(r"^C\((hour|month)\)\[T\.(\d+)\]$")
    group = extracted[0].fillna(
        odds["term"].map(lambda t: "intercept" if t == "Intercept" else "weather")
    )
    level = pd.to_numeric(extracted[1]).astype("Int64")
    label = (
        odds["term"]
        .map({**WEATHER_LABELS, "Intercept": "intercept"})
        .fillna(group + " " + level.astype("string"))
    )
    return odds.assign(group=group, level=level, label=label)
