"""Body mass from bill length, species and sex: an OLS fit for inference and a
scikit-learn pipeline evaluated on held-out data, saved with a model card."""

import json
import platform
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import joblib
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

from dsops import config
from dsops.errors import DsopsError
from dsops.files import sha256_file, write_atomically

TARGET = "body_mass_g"
NUMERIC = ["bill_length_mm"]
CATEGORICAL = ["species", "sex"]
FEATURES = NUMERIC + CATEGORICAL
FORMULA = f"{TARGET} ~ bill_length_mm + species + sex"
TEST_SIZE = 0.25
CV_FOLDS = 5
MODEL_NAME = "penguin-body-mass"
MODEL_FILE = "model.joblib"
CARD_FILE = "model-card.json"
SCORING = {
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
    "r2": "r2",
}


def modelling_frame(penguins: pd.DataFrame) -> pd.DataFrame:
    """Rows with every feature and the target present (birds not measured or not sexed drop)."""
    frame = penguins[[*FEATURES, TARGET]].dropna().reset_index(drop=True)
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


def build_pipeline() -> Pipeline:
    """One-hot encode the categorical features (first level dropped), then a linear model."""
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(drop="first", sparse_output=False), CATEGORICAL),
            ("numeric", "passthrough", NUMERIC),
        ],
        verbose_feature_names_out=False,
    )
    return Pipeline([("encode", encode), ("regress", LinearRegression())])


def feature_names(pipeline: Pipeline) -> list[str]:
    """Model input names as the fitted encoder derived them from the data."""
    return list(pipeline.named_steps["encode"].get_feature_names_out())


def coefficients(pipeline: Pipeline) -> pd.Series:
    """Fitted coefficients of the pipeline's linear model, named by feature."""
    regress = pipeline.named_steps["regress"]
    return pd.Series(
        [regress.intercept_, *regress.coef_], index=["intercept", *feature_names(pipeline)]
    )


@dataclass
class Evaluation:
    pipeline: Pipeline
    metrics: pd.DataFrame  # one row per model x evaluation
    train_rows: int
    test_rows: int
    test_predictions: pd.DataFrame


def _scores(y_true: pd.Series, y_pred: np.ndarray) -> dict[str, float]:
    return {
        "rmse": root_mean_squared_error(y_true, y_pred),
        "mae": mean_absolute_error(y_true, y_pred),
        "r2": r2_score(y_true, y_pred),
    }


def evaluate(frame: pd.DataFrame, seed: int = config.SEED) -> Evaluation:
    """Held-out test set and k-fold cross-validation on the training part, against a baseline.

    The test set is split off first and touched once; cross-validation uses only the
    training rows, so its numbers and the test numbers are two honest estimates.
    """
    x, y = frame[FEATURES], frame[TARGET]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_SIZE, random_state=seed, stratify=frame["species"]
    )
    folds = KFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    candidates = {
        "linear model": build_pipeline,
        "baseline (mean)": lambda: DummyRegressor(strategy="mean"),
    }
    rows = []
    fitted: dict[str, object] = {}
    for name, make in candidates.items():
        cv = cross_validate(make(), x_train, y_train, cv=folds, scoring=SCORING)
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
    predictions = pd.DataFrame(
        {
            "species": x_test["species"].to_numpy(),
            "observed": y_test.to_numpy(),
            "predicted": fitted["linear model"].predict(x_test),  # type: ignore[attr-defined]
        }
    )
    return Evaluation(
        pipeline=fitted["linear model"],  # type: ignore[arg-type]
        metrics=pd.DataFrame(rows),
        train_rows=len(x_train),
        test_rows=len(x_test),
        test_predictions=predictions,
    )


def _cv_mean(cv: dict, metric: str) -> float:
    values = cv[f"test_{metric}"]
    return float(-values.mean() if SCORING[metric].startswith("neg_") else values.mean())


def git_commit(cwd: Path = config.PROJ_ROOT) -> str | None:
    """The checked-out commit, or None outside a git checkout (e.g. an unpacked archive)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def model_card(evaluation: Evaluation, data_path: Path) -> dict:
    """Everything needed to tell what this artifact is and whether it can be trusted."""
    data_sha = sha256_file(data_path)
    test = evaluation.metrics.query("evaluation == 'held-out test'").set_index("model")
    cv = evaluation.metrics.query("evaluation != 'held-out test'").set_index("model")
    return {
        "name": MODEL_NAME,
        "version": f"{version('dsops')}+data.{data_sha[:12]}",
        "task": f"regression of {TARGET} on {', '.join(FEATURES)}",
        "estimator": "sklearn Pipeline(OneHotEncoder(drop='first') -> LinearRegression)",
        "features": FEATURES,
        "encoded_features": feature_names(evaluation.pipeline),
        "target": TARGET,
        "training_data": {
            "path": data_path.relative_to(config.PROJ_ROOT).as_posix()
            if data_path.is_relative_to(config.PROJ_ROOT)
            else data_path.name,
            "sha256": data_sha,
            "train_rows": evaluation.train_rows,
            "test_rows": evaluation.test_rows,
        },
        "random_seed": config.SEED,
        "metrics": {
            "held_out_test": _rounded(test.to_dict(orient="index")),
            f"cv_{CV_FOLDS}_fold_mean": _rounded(cv.drop(columns="evaluation").to_dict("index")),
        },
        "libraries": {
            name: version(name)
            for name in ["dsops", "scikit-learn", "pandas", "numpy", "joblib", "statsmodels"]
        },
        "python": platform.python_version(),
        "git_commit": git_commit(),
        "intended_use": "Teaching example: estimating adult Pygoscelis penguin body mass.",
    }


def _rounded(nested: dict) -> dict:
    return {
        model: {k: round(v, 4) for k, v in scores.items() if isinstance(v, float)}
        for model, scores in nested.items()
    }


def save_model(evaluation: Evaluation, data_path: Path, out_dir: Path) -> tuple[Path, Path]:
    """Write the fitted pipeline and its JSON card atomically; return both paths."""
    card = model_card(evaluation, data_path)
    model_path, card_path = out_dir / MODEL_FILE, out_dir / CARD_FILE
    write_atomically(model_path, lambda tmp: joblib.dump(evaluation.pipeline, tmp))
    write_atomically(
        card_path, lambda tmp: tmp.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    )
    return model_path, card_path


def load_model(out_dir: Path) -> tuple[Pipeline, dict]:
    """Load a saved pipeline and its card, refusing one built with another scikit-learn."""
    model_path, card_path = out_dir / MODEL_FILE, out_dir / CARD_FILE
    if not model_path.is_file() or not card_path.is_file():
        raise DsopsError(
            f"no model in {out_dir}: render analyses/penguins/model.qmd (or run "
            "`dsops check-pages analyses/penguins/model.qmd`) to train and save it."
        )
    card = json.loads(card_path.read_text(encoding="utf-8"))
    saved, installed = card["libraries"]["scikit-learn"], version("scikit-learn")
    if saved != installed:
        raise DsopsError(
            f"{model_path} was saved with scikit-learn {saved} but {installed} is installed: "
            "retrain it with this environment (`make site`)."
        )
    return joblib.load(model_path), card
