"""Body mass from bill length, species and sex: an OLS fit for inference and a
scikit-learn pipeline evaluated on held-out data (`dsops train` stores it)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
from sklearn.model_selection import KFold, cross_validate, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from dsops.shared import paths

TARGET = "body_mass_g"
NUMERIC = ["bill_length_mm"]
CATEGORICAL = ["species", "sex"]
FEATURES = NUMERIC + CATEGORICAL
FORMULA = f"{TARGET} ~ bill_length_mm + species + sex"
TEST_SIZE = 0.25
CV_FOLDS = 5
SCORING = {
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
    "r2": "r2",
}


def modelling_frame(
    penguins: pd.DataFrame, numeric: list[str] = NUMERIC, extra: list[str] | None = None
) -> pd.DataFrame:
    """Rows with every feature and the target present (birds not measured or not sexed
    drop); `extra` columns ride along without deciding which rows stay."""
    used = [*numeric, *CATEGORICAL, TARGET]
    frame = penguins[[*used, *(extra or [])]].dropna(subset=used).reset_index(drop=True)
    for column in CATEGORICAL:
        frame[column] = frame[column].cat.remove_unused_categories()
    return frame


def fit_ols(frame: pd.DataFrame):
    """Ordinary least squares with the formula interface (reference levels: first category)."""
    return smf.ols(FORMULA, data=frame).fit()


def coefficient_table(results, alpha: float = 0.05) -> pd.DataFrame:
    """Estimates, standard errors, confidence intervals and p-values, one row per term."""
    interval = results.conf_int(alpha=alpha)
    level = round(100 * (1 - alpha))
    return pd.DataFrame(
        {
            "term": results.params.index,
            "estimate": results.params.to_numpy(),
            "std_error": results.bse.to_numpy(),
            f"ci{level}_low": interval[0].to_numpy(),
            f"ci{level}_high": interval[1].to_numpy(),
            "p_value": results.pvalues.to_numpy(),
        }
    )


def build_pipeline(numeric: list[str] = NUMERIC) -> Pipeline:
    """One-hot encode the categorical features (first level dropped), pass the numeric
    ones through, then a linear model."""
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(drop="first", sparse_output=False), CATEGORICAL),
            ("numeric", "passthrough", numeric),
        ],
        verbose_feature_names_out=False,
    )
    return Pipeline([("encode", encode), ("regress", LinearRegression())])


def feature_names(pipeline: Pipeline) -> list[str]:
    """Model input names as the fitted encoder derived them from the data."""
    return list(pipeline.named_steps["encode"].get_feature_names_out())


def split(frame: pd.DataFrame, seed: int = paths.SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and held-out test rows (a quarter, stratified by species): the one
    split that evaluation, training and the pages all use."""
    train, test = train_test_split(
        frame, test_size=TEST_SIZE, random_state=seed, stratify=frame["species"]
    )
    return train, test


@dataclass
class Evaluation:
    pipeline: Pipeline  # the linear model, fitted on the training rows only
    metrics: pd.DataFrame  # one row per model x evaluation
    train: pd.DataFrame  # the training rows (features and target)
    test_predictions: pd.DataFrame  # held-out rows: features, observed, predicted
    cv_fold_rmse: list[float]  # the linear model's RMSE in each cross-validation fold

    @property
    def train_rows(self) -> int:
        return len(self.train)

    @property
    def test_rows(self) -> int:
        return len(self.test_predictions)


def _scores(y_true: pd.Series, y_pred: np.ndarray) -> dict[str, float]:
    return {
        "rmse": root_mean_squared_error(y_true, y_pred),
        "mae": mean_absolute_error(y_true, y_pred),
        "r2": r2_score(y_true, y_pred),
    }


def evaluate(
    frame: pd.DataFrame, seed: int = paths.SEED, numeric: list[str] = NUMERIC
) -> Evaluation:
    """Held-out test set and k-fold cross-validation on the training part, against a baseline.

    The test set is split off first and touched once; cross-validation uses only the
    training rows, so its numbers and the test numbers are two honest estimates.
    """
    train, test = split(frame, seed)
    x_train, y_train = train[[*numeric, *CATEGORICAL]], train[TARGET]
    x_test, y_test = test[[*numeric, *CATEGORICAL]], test[TARGET]
    folds = KFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    candidates = {
        "linear model": lambda: build_pipeline(numeric),
        "baseline (mean)": lambda: DummyRegressor(strategy="mean"),
    }
    rows = []
    fitted: dict[str, object] = {}
    fold_rmse: dict[str, list[float]] = {}
    for name, make in candidates.items():
        cv = cross_validate(make(), x_train, y_train, cv=folds, scoring=SCORING)
        fold_rmse[name] = [float(-v) for v in cv["test_rmse"]]
        rows.append(
            {
                "model": name,
                "evaluation": f"{CV_FOLDS}-fold CV (mean)",
                **{metric: _cv_mean(cv, metric) for metric in SCORING},
            }
        )
        model = make().fit(x_train, y_train)
        fitted[name] = model
        rows.append(
            {"model": name, "evaluation": "held-out test", **_scores(y_test, model.predict(x_test))}
        )
    predictions = x_test.assign(
        observed=y_test,
        predicted=fitted["linear model"].predict(x_test),  # type: ignore[attr-defined]
    ).reset_index(drop=True)
    return Evaluation(
        pipeline=fitted["linear model"],  # type: ignore[arg-type]
        metrics=pd.DataFrame(rows),
        train=x_train.assign(**{TARGET: y_train}).reset_index(drop=True),
        test_predictions=predictions,
        cv_fold_rmse=fold_rmse["linear model"],
    )


def _cv_mean(cv: dict, metric: str) -> float:
    values = cv[f"test_{metric}"]
    return float(-values.mean() if SCORING[metric].startswith("neg_") else values.mean())
