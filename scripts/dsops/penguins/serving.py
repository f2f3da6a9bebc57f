"""The stored body-mass model, loaded to answer requests: what the HTTP API
(`dsops.penguins.api`) and its benchmark call.

It predicts with the stored scikit-learn pipeline itself (`model.joblib`), not a copy of
its formula, and adds the OLS prediction interval from the version's serving export
(`serving.json`: covariance, residual variance, t quantile), computed on the pipeline's
own design matrix. A bird whose bill length lies outside the training range
is answered and flagged: the model extrapolates there.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from dsops.penguins import model, train
from dsops.shared.errors import DsopsError
from dsops.shared.store import ModelStore, ModelVersion


@dataclass(frozen=True)
class ServedModel:
    """One stored version of the model with what it needs to predict with intervals."""

    stored: ModelVersion
    pipeline: Pipeline
    export: dict  # the version's serving.json

    @classmethod
    def load(cls, store: ModelStore | None = None, version: str | None = None) -> "ServedModel":
        """The newest version in the store (or the one named)."""
        stored = (store or ModelStore()).get(train.MODEL_NAME, version)
        pipeline = train.load_pipeline(stored)
        export = stored.read_json(train.SERVING_FILE)
        terms = [term["name"] for term in export["terms"]]
        if terms != ["intercept", *model.feature_names(pipeline)]:
            raise DsopsError(
                f"{stored.file(train.SERVING_FILE)} lists the terms {terms}, which are not the "
                "stored pipeline's: retrain the model (`make train`)."
            )
        return cls(stored, pipeline, export)

    @property
    def name(self) -> str:
        return self.stored.name

    @property
    def version(self) -> str:
        return self.stored.version

    @property
    def card(self) -> dict:
        return self.stored.card

    @property
    def interval_level(self) -> float:
        return self.export["interval_level"]

    @property
    def levels(self) -> dict[str, list[str]]:
        """The allowed values of each categorical feature, as the encoder learnt them."""
        return {c: self.export["features"][c]["levels"] for c in model.CATEGORICAL}

    @property
    def training_range(self) -> tuple[float, float]:
        """The bill lengths (mm) the model was trained on, smallest and largest."""
        low, high = self.export["features"]["bill_length_mm"]["training_range"]
        return float(low), float(high)

    def predict(self, birds: pd.DataFrame) -> pd.DataFrame:
        """Body mass (g) and its prediction interval for each bird, and whether its bill
        length lies outside the training range (an extrapolation)."""
        self._check(birds)
        design = self.pipeline[:-1].transform(birds[model.FEATURES])
        predicted = self.pipeline[-1].predict(design)  # = pipeline.predict(birds)
        x = np.column_stack([np.ones(len(design)), design])
        covariance = np.asarray(self.export["covariance"])
        variance = self.export["residual_variance"] + np.einsum("ij,jk,ik->i", x, covariance, x)
        half = self.export["t_quantile"] * np.sqrt(variance)
        low, high = self.training_range
        bill = birds["bill_length_mm"].to_numpy(dtype=float)
        return pd.DataFrame(
            {
                "body_mass_g": predicted,
                "low_g": predicted - half,
                "high_g": predicted + half,
                "extrapolation": (bill < low) | (bill > high),
            },
            index=birds.index,
        )

    def _check(self, birds: pd.DataFrame) -> None:
        """One sentence for input the pipeline would fail on or answer with nonsense."""
        missing = [c for c in model.FEATURES if c not in birds.columns]
        if missing:
            raise DsopsError(f"the birds lack the column(s) {', '.join(missing)}.")
        for column, allowed in self.levels.items():
            unknown = sorted(set(birds[column].dropna().astype(str)) - set(allowed))
            if unknown or birds[column].isna().any():
                raise DsopsError(
                    f"{column} must be one of {', '.join(allowed)}; got "
                    f"{', '.join(map(repr, unknown)) or 'a missing value'}."
                )
        bill = pd.to_numeric(birds["bill_length_mm"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(bill).all():
            raise DsopsError("bill_length_mm must be a finite number for every bird.")


def birds_frame(birds: list[dict]) -> pd.DataFrame:
    """Birds given as records (`{"bill_length_mm": 45.2, "species": ..., "sex": ...}`)
    as the table the pipeline takes."""
    return pd.DataFrame({c: [bird[c] for bird in birds] for c in model.FEATURES})
