"""Does the weather at the origin explain departure delays? The fitting side of the
statistical modelling pipeline (the data side is `delays`).

- Explanation: a statsmodels GLM (logistic regression) of "left more than 15 minutes
  late" on precipitation, visibility, wind, the scheduled hour and the month, fitted on
  the whole year, reported as odds ratios with confidence intervals.
- Prediction: three scikit-learn pipelines (the base rate, logistic regression,
  gradient boosting) with a time split: trained on January to September, tested on
  October to December. The model to store is chosen on the last training months
  (July to September, after fitting on January to June), never on the test months.

`dsops train-delays` (run by `make train`) does all of it and stores the chosen
pipeline, the odds ratios, the evaluation and the test predictions as one version of
the pin `flight-delays`; the modelling page only reads them.
"""

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from sklearn.calibration import calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from dsops.flights import explore
from dsops.flights.delays import (
    CALIBRATION_BINS,
    CALIBRATION_FILE,
    CARD_FILE,
    CHOICE_MONTHS,
    DELAY_MINUTES,
    EVALUATION_FILE,
    FEATURES,
    FORMULA,
    MODEL_FILE,
    MODEL_NAME,
    ODDS_FILE,
    PREDICTIONS_FILE,
    TARGET,
    TEST_MONTHS,
    TRAIN_MONTHS,
    WEATHER,
    modelling_frame,
    time_split,
)
from dsops.shared import paths
from dsops.shared.errors import DsopsError
from dsops.shared.provenance import software_facts
from dsops.shared.store import ModelStore, ModelVersion

LIBRARIES = ["dsops", "scikit-learn", "statsmodels", "pandas", "numpy", "joblib"]


def fit_glm(frame: pd.DataFrame):
    """Logistic regression (binomial GLM, logit link) with the formula interface."""
    return smf.glm(FORMULA, data=frame, family=sm.families.Binomial()).fit()


def odds_ratios(results, alpha: float = 0.05) -> pd.DataFrame:
    """exp(coefficient) per term with its confidence interval and p-value."""
    interval = np.exp(results.conf_int(alpha=alpha))
    return pd.DataFrame(
        {
            "term": results.params.index,
            "odds_ratio": np.exp(results.params.to_numpy()),
            "low": interval[0].to_numpy(),
            "high": interval[1].to_numpy(),
            "p_value": results.pvalues.to_numpy(),
        }
    )


def candidates(seed: int = paths.SEED) -> dict[str, Pipeline]:
    """The three pipelines, unfitted: the base rate, logistic regression, gradient boosting."""
    encode = ColumnTransformer(
        [
            ("weather", StandardScaler(), WEATHER),
            ("hour", OneHotEncoder(handle_unknown="ignore"), ["hour"]),
        ]
    )
    return {
        "base rate": Pipeline([("predict", DummyClassifier(strategy="prior"))]),
        "logistic regression": Pipeline(
            [("encode", encode), ("predict", LogisticRegression(max_iter=1000))]
        ),
        "gradient boosting": Pipeline(
            [
                (
                    "predict",
                    HistGradientBoostingClassifier(
                        max_iter=200, learning_rate=0.1, early_stopping=False, random_state=seed
                    ),
                )
            ]
        ),
    }


def scores(observed: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Log loss, Brier score and ROC AUC of predicted probabilities (lower, lower, higher
    is better). The AUC of a constant prediction is 0.5."""
    return {
        "log_loss": float(log_loss(observed, predicted, labels=[0, 1])),
        "brier": float(brier_score_loss(observed, predicted)),
        "roc_auc": float(roc_auc_score(observed, predicted)),
    }


def fit_and_score(
    train: pd.DataFrame, test: pd.DataFrame, seed: int = paths.SEED
) -> tuple[dict[str, Pipeline], pd.DataFrame, dict[str, np.ndarray]]:
    """Fit every candidate on `train`; score it on `test`. Returns the fitted pipelines,
    a table of scores (with the skill over the base rate) and the predictions."""
    fitted, rows, predictions = {}, [], {}
    for name, pipeline in candidates(seed).items():
        pipeline.fit(train[FEATURES], train[TARGET])
        predicted = pipeline.predict_proba(test[FEATURES])[:, 1]
        fitted[name], predictions[name] = pipeline, predicted
        rows.append({"model": name, **scores(test[TARGET].to_numpy(), predicted)})
    table = pd.DataFrame(rows)
    base = table.set_index("model").loc["base rate"]
    table["brier_skill"] = 1 - table["brier"] / base["brier"]
    table["log_loss_skill"] = 1 - table["log_loss"] / base["log_loss"]
    return fitted, table, predictions


def choose(frame: pd.DataFrame, seed: int = paths.SEED) -> tuple[str, pd.DataFrame]:
    """The model with the lowest log loss on July to September after fitting on January
    to June: chosen inside the training months, so the test months stay unseen."""
    early, late = time_split(frame, range(1, CHOICE_MONTHS.start), CHOICE_MONTHS)
    _, table, _ = fit_and_score(early, late, seed)
    return str(table.loc[table["log_loss"].idxmin(), "model"]), table


def calibration(test: pd.DataFrame, predictions: dict[str, np.ndarray]) -> pd.DataFrame:
    """Observed share of delays against the mean predicted probability, in ten bins of
    equal size per model (the base rate has one value, so one bin)."""
    rows = []
    for name, predicted in predictions.items():
        bins = 1 if np.ptp(predicted) == 0 else CALIBRATION_BINS
        observed, mean_predicted = calibration_curve(
            test[TARGET], predicted, n_bins=bins, strategy="quantile"
        )
        rows.extend(
            {"model": name, "predicted": float(p), "observed": float(o)}
            for p, o in zip(mean_predicted, observed, strict=True)
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class DelayResult:
    stored: ModelVersion
    chosen: str
    test_scores: pd.DataFrame


def model_card(frame, train, test, chosen, choice, evaluation, database) -> dict:
    """What the stored model is, what it was chosen and tested on, and its scores."""
    return {
        "name": MODEL_NAME,
        "task": f"probability that a flight leaves more than {DELAY_MINUTES} minutes late",
        "features": FEATURES,
        "target": TARGET,
        "chosen": chosen,
        "chosen_on": "log loss on July-September after fitting on January-June",
        "glm_formula": FORMULA,
        "training_data": {
            "database": paths.project_relative(database),
            "flights_months": explore.query("SELECT * FROM etl_months", database).to_dict(
                orient="records"
            ),
            "rows": len(frame),
            "train_rows": len(train),
            "test_rows": len(test),
            "train_months": list(TRAIN_MONTHS),
            "test_months": list(TEST_MONTHS),
        },
        "choice": choice.round(5).to_dict(orient="records"),
        "test": evaluation.round(5).to_dict(orient="records"),
        "random_seed": paths.SEED,
        **software_facts(LIBRARIES),
        "intended_use": "Teaching example: how much the origin's weather says about delays.",
    }


def train_delays(
    database: Path = paths.FLIGHTS_DUCKDB, store: ModelStore | None = None
) -> DelayResult:
    """Fit the GLM, evaluate the three pipelines on the time split, store the chosen one."""
    store = store or ModelStore()
    frame = modelling_frame(database)
    train, test = time_split(frame)
    if train.empty or test.empty:
        raise DsopsError(
            f"{paths.project_relative(database)} has no flights with weather in "
            f"{'January-September' if train.empty else 'October-December'}: the time split "
            "needs both. Load the whole year with `make data`."
        )
    odds = odds_ratios(fit_glm(frame))
    chosen, choice = choose(train)
    fitted, evaluation, predictions = fit_and_score(train, test)
    predicted = test[["month", "day", "hour", "origin", "carrier", TARGET]].assign(
        **{name: p for name, p in predictions.items()}
    )
    card = model_card(frame, train, test, chosen, choice, evaluation, database)
    with tempfile.TemporaryDirectory(prefix="dsops-delays-") as scratch:
        folder = Path(scratch)
        joblib.dump(fitted[chosen], folder / MODEL_FILE)
        (folder / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        odds.to_csv(folder / ODDS_FILE, index=False)
        (folder / EVALUATION_FILE).write_text(
            json.dumps({"choice": card["choice"], "test": card["test"]}, indent=1) + "\n",
            encoding="utf-8",
        )
        predicted.to_parquet(folder / PREDICTIONS_FILE, index=False)
        calibration(test, predictions).to_csv(folder / CALIBRATION_FILE, index=False)
        files = [MODEL_FILE, CARD_FILE, ODDS_FILE, EVALUATION_FILE, PREDICTIONS_FILE]
        stored = store.write(
            MODEL_NAME,
            [folder / name for name in [*files, CALIBRATION_FILE]],
            card,
            title="Probability of a departure delay over 15 minutes from the origin's weather",
        )
    return DelayResult(stored=stored, chosen=chosen, test_scores=evaluation)
