"""Training as a pipeline step: processed penguins in, one versioned model out.

`dsops train` (run by `make train` when its inputs change) evaluates the body-mass model,
then stores in the model store, as one version of the pin `penguin-body-mass`:

- `model.joblib`: the fitted scikit-learn pipeline (training rows only);
- `model-card.json`: what it is and whether to trust it (also the pin's metadata):
  data SHA-256, metrics, seed, library versions, commit;
- `test-predictions.csv`: the held-out birds with observed and predicted mass;
- `model-comparison.json`: why this model: the additive model against interaction
  models on the training birds (nested F-tests, cross-validation on the same folds),
  the one-standard-error choice, and the island test within Adélie;
- `serving.json`: what an API or a browser needs to predict without Python: the design
  terms and coefficients keyed by the encoder's feature names, category levels,
  training ranges, the OLS covariance matrix, residual variance, degrees of freedom and
  t quantile (for prediction intervals), and a grid of inputs with the pipeline's
  predictions.

Pages read these files; they never fit what is published.
"""

import json
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from sklearn.pipeline import Pipeline

from dsops.penguins import inference, model
from dsops.penguins.data import load_penguins
from dsops.shared import paths
from dsops.shared.errors import DsopsError
from dsops.shared.files import sha256_file
from dsops.shared.provenance import software_facts
from dsops.shared.store import ModelStore, ModelVersion

MODEL_NAME = "penguin-body-mass"
MODEL_FILE = "model.joblib"
CARD_FILE = "model-card.json"
PREDICTIONS_FILE = "test-predictions.csv"
SERVING_FILE = "serving.json"
COMPARISON_FILE = "model-comparison.json"
INTERVAL_LEVEL = 0.95
GRID_POINTS = 5  # bill lengths per species and sex in the serving grid
LIBRARIES = ["dsops", "scikit-learn", "statsmodels", "pandas", "numpy", "scipy", "joblib"]


@dataclass(frozen=True)
class TrainResult:
    stored: ModelVersion
    test_rmse: float


def design_terms(pipeline: Pipeline) -> list[dict]:
    """The linear model's terms in coefficient order, each as the product of its factors:
    a numeric feature, or an indicator that a categorical feature equals a level."""
    encode = pipeline.named_steps["encode"]
    terms: list[dict] = [{"name": "intercept", "factors": []}]
    for name, transformer, columns in encode.transformers_:
        if name == "categorical":
            for column, levels, dropped in zip(
                columns, transformer.categories_, transformer.drop_idx_, strict=True
            ):
                for index, level in enumerate(levels):
                    if dropped is None or index != dropped:
                        terms.append(
                            {
                                "name": f"{column}_{level}",
                                "factors": [{"feature": column, "equals": str(level)}],
                            }
                        )
        elif name == "numeric":
            terms.extend({"name": c, "factors": [{"feature": c}]} for c in columns)
    encoded = ["intercept", *model.feature_names(pipeline)]
    if [t["name"] for t in terms] != encoded:
        raise DsopsError(
            f"design terms {[t['name'] for t in terms]} do not match the encoder's {encoded}"
        )
    return terms


def ols_on_design(pipeline: Pipeline, train: pd.DataFrame):
    """OLS on the pipeline's own design matrix: the same coefficients, plus what
    scikit-learn does not give (covariance, residual variance, degrees of freedom)."""
    design = pd.DataFrame(
        pipeline[:-1].transform(train[model.FEATURES]), columns=model.feature_names(pipeline)
    )
    results = sm.OLS(train[model.TARGET].to_numpy(), sm.add_constant(design)).fit()
    regress = pipeline.named_steps["regress"]
    ours = np.array([regress.intercept_, *regress.coef_])
    if not np.allclose(results.params.to_numpy(), ours, rtol=1e-8, atol=1e-6):
        raise DsopsError("the OLS fit on the design matrix disagrees with the pipeline's")
    return results


def prediction_interval(terms_x: np.ndarray, results, level: float = INTERVAL_LEVEL):
    """Prediction intervals for rows of a design matrix (with the intercept column)."""
    fitted = terms_x @ results.params.to_numpy()
    variance = results.scale + np.einsum("ij,jk,ik->i", terms_x, results.cov_params(), terms_x)
    half = stats.t.ppf(0.5 + level / 2, results.df_resid) * np.sqrt(variance)
    return fitted - half, fitted + half


def input_grid(train: pd.DataFrame) -> pd.DataFrame:
    """Every species and sex at evenly spaced bill lengths over the training range."""
    low, high = train["bill_length_mm"].min(), train["bill_length_mm"].max()
    lengths = np.round(np.linspace(low, high, GRID_POINTS), 1)
    rows = [
        {"bill_length_mm": float(length), "species": species, "sex": sex}
        for species in train["species"].cat.categories
        for sex in train["sex"].cat.categories
        for length in lengths
    ]
    grid = pd.DataFrame(rows)
    for column in model.CATEGORICAL:
        grid[column] = pd.Categorical(grid[column], categories=train[column].cat.categories)
    return grid[model.FEATURES]


def serving_export(pipeline: Pipeline, train: pd.DataFrame) -> dict:
    """Everything a browser or an API needs to predict, with intervals, without Python."""
    terms = design_terms(pipeline)
    results = ols_on_design(pipeline, train)
    grid = input_grid(train)
    design = np.column_stack([np.ones(len(grid)), pipeline[:-1].transform(grid[model.FEATURES])])
    low, high = prediction_interval(design, results)
    names = [t["name"] for t in terms]
    return {
        "model": MODEL_NAME,
        "target": model.TARGET,
        "unit": "g",
        "features": {
            **{
                c: {
                    "type": "numeric",
                    "unit": "mm",
                    "training_range": [float(train[c].min()), float(train[c].max())],
                }
                for c in model.NUMERIC
            },
            **{
                c: {"type": "categorical", "levels": [str(v) for v in train[c].cat.categories]}
                for c in model.CATEGORICAL
            },
        },
        "terms": terms,
        "coefficients": dict(zip(names, map(float, results.params.to_numpy()), strict=True)),
        "covariance": results.cov_params().to_numpy().tolist(),
        "residual_variance": float(results.scale),
        "df_resid": int(results.df_resid),
        "interval_level": INTERVAL_LEVEL,
        # Student's t quantile for the interval at df_resid: a browser has no scipy.
        "t_quantile": float(stats.t.ppf(0.5 + INTERVAL_LEVEL / 2, results.df_resid)),
        "grid": [
            {
                **{
                    c: (float(row[c]) if c in model.NUMERIC else str(row[c]))
                    for c in model.FEATURES
                },
                "predicted": float(predicted),
                "interval": [float(lo), float(hi)],
            }
            for (_, row), predicted, lo, hi in zip(
                grid.iterrows(), pipeline.predict(grid), low, high, strict=True
            )
        ],
    }


def model_comparison(frame: pd.DataFrame, seed: int = paths.SEED) -> dict:
    """Why the stored model and not another, on the training birds only: each candidate
    formula against the additive model (nested F-test, cross-validated RMSE on the same
    folds), the model the one-standard-error rule chooses, and whether island adds
    anything within Adélie, the one species sampled on every island. `frame` must carry
    the island column (modelling_frame's `extra`)."""
    training, _ = model.split(frame, seed)
    comparison = inference.compare_models(training, seed)
    rows = comparison.astype(object).where(comparison.notna(), None)  # NaN is not JSON
    return {
        "rows": "training birds",
        "models": rows.to_dict(orient="records"),
        "chosen": inference.one_standard_error_choice(comparison),
        "island_within_adelie": inference.island_effect_within(training, "Adelie"),
    }


def model_card(
    evaluation: model.Evaluation, data_path: Path, numeric: list[str] = model.NUMERIC
) -> dict:
    """What this model is and whether it can be trusted."""
    data_sha = sha256_file(data_path)
    features = [*numeric, *model.CATEGORICAL]
    metrics = evaluation.metrics
    return {
        "name": MODEL_NAME,
        "version": f"{version('dsops')}+data.{data_sha[:12]}",
        "task": f"regression of {model.TARGET} on {', '.join(features)}",
        "estimator": "sklearn Pipeline(OneHotEncoder(drop='first') -> LinearRegression)",
        "features": features,
        "encoded_features": model.feature_names(evaluation.pipeline),
        "target": model.TARGET,
        "training_data": {
            "path": paths.project_relative(data_path),
            "sha256": data_sha,
            "train_rows": evaluation.train_rows,
            "test_rows": evaluation.test_rows,
        },
        "random_seed": paths.SEED,
        "evaluation": {
            "test_size": model.TEST_SIZE,
            "cv_folds": model.CV_FOLDS,
            "metrics": [
                {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
                for row in metrics.to_dict(orient="records")
            ],
            "cv_fold_rmse": [round(v, 4) for v in evaluation.cv_fold_rmse],
        },
        **software_facts(LIBRARIES),
        "intended_use": "Teaching example: estimating adult Pygoscelis penguin body mass.",
    }


def train(
    data_path: Path = paths.PROCESSED_PARQUET, store: ModelStore | None = None
) -> TrainResult:
    """Evaluate the body-mass model and store it, with its card and exports."""
    store = store or ModelStore()
    frame = model.modelling_frame(load_penguins(data_path), extra=["island"])
    evaluation = model.evaluate(frame, seed=paths.SEED)
    card = model_card(evaluation, data_path)
    with tempfile.TemporaryDirectory(prefix="dsops-train-") as scratch:
        folder = Path(scratch)
        joblib.dump(evaluation.pipeline, folder / MODEL_FILE)
        (folder / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        evaluation.test_predictions.to_csv(folder / PREDICTIONS_FILE, index=False)
        serving = serving_export(evaluation.pipeline, evaluation.train)
        (folder / SERVING_FILE).write_text(json.dumps(serving, indent=1) + "\n", encoding="utf-8")
        comparison = model_comparison(frame)
        (folder / COMPARISON_FILE).write_text(
            json.dumps(comparison, indent=1) + "\n", encoding="utf-8"
        )
        files = (MODEL_FILE, CARD_FILE, PREDICTIONS_FILE, SERVING_FILE, COMPARISON_FILE)
        stored = store.write(
            MODEL_NAME,
            [folder / name for name in files],
            card,
            title="Penguin body mass from bill length, species and sex",
        )
    test = evaluation.metrics.query("model == 'linear model' and evaluation == 'held-out test'")
    return TrainResult(stored=stored, test_rmse=float(test["rmse"].iloc[0]))


def load_pipeline(stored: ModelVersion) -> Pipeline:
    """The stored pipeline, refusing one saved with another scikit-learn."""
    saved, installed = stored.card["libraries"]["scikit-learn"], version("scikit-learn")
    if saved != installed:
        raise DsopsError(
            f"{stored.file(MODEL_FILE)} was saved with scikit-learn {saved} but {installed} "
            "is installed: retrain it with this environment (`make train`)."
        )
    return joblib.load(stored.file(MODEL_FILE))


def latest(store: ModelStore | None = None) -> ModelVersion:
    """The latest stored body-mass model (one sentence naming `make train` if none)."""
    return (store or ModelStore()).get(MODEL_NAME)


def train_candidate(
    numeric: list[str], store: ModelStore, data_path: Path = paths.PROCESSED_PARQUET
) -> ModelVersion:
    """Evaluate the body-mass model with other numeric features, on the same split and
    folds as `train`, and store it as a new version: a candidate for promotion, with its
    fitted pipeline, card and held-out predictions (the serving exports, which assume
    the published features, come only from `train`)."""
    frame = model.modelling_frame(load_penguins(data_path), numeric=numeric)
    evaluation = model.evaluate(frame, seed=paths.SEED, numeric=numeric)
    card = model_card(evaluation, data_path, numeric)
    with tempfile.TemporaryDirectory(prefix="dsops-candidate-") as scratch:
        folder = Path(scratch)
        joblib.dump(evaluation.pipeline, folder / MODEL_FILE)
        (folder / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        evaluation.test_predictions.to_csv(folder / PREDICTIONS_FILE, index=False)
        files = [folder / name for name in (MODEL_FILE, CARD_FILE, PREDICTIONS_FILE)]
        title = f"Penguin body mass from {', '.join(card['features'])} (candidate)"
        return store.write(MODEL_NAME, files, card, title=title)
