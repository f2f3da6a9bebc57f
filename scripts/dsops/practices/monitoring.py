"""Monitoring a model's inputs for drift with the population stability index (PSI).

The PSI compares the shares of a batch of inputs in a few bins with the shares of the
training data in the same bins: sum over bins of (batch - training) * ln(batch /
training). Numeric features get ten bins at the training data's deciles, categorical
ones a bin per category; a value the training data never had (missing, or a new
category) falls in one more bin, which the training data leaves empty, so it counts.

A threshold is only useful with its false-alarm rate: how often it fires on batches
with no drift. That is measured here by drawing batches from the training data itself
(bootstrap resamples, each compared with a resample of the training data, since that
too is a sample), and the power to see a real change by drawing them with a shift
injected. A batch that crosses a threshold is logged at WARNING with its figures as
fields: that log record is the alert.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

BINS = 10
EMPTY_SHARE = 1e-4  # the share given to an empty bin, so that the logarithm is finite
RULES_OF_THUMB = {"0.1 (some shift)": 0.1, "0.25 (major shift)": 0.25}


@dataclass(frozen=True)
class FeatureBins:
    """How one feature is binned, and the training data's share in each bin."""

    feature: str
    edges: np.ndarray | None  # numeric: the inner bin edges (training deciles)
    categories: list[str] | None  # categorical: one bin per category
    expected: np.ndarray  # the training data's shares; the last bin: missing or unseen

    def codes(self, values) -> np.ndarray:
        """The bin of each value (any shape); missing or unseen values get the last."""
        if self.edges is not None:
            values = np.asarray(values, dtype=float)
            return np.where(
                np.isnan(values), len(self.edges) + 1, np.searchsorted(self.edges, values)
            )
        codes = pd.Index(self.categories).get_indexer(np.ravel(values))  # -1: not there
        return np.where(codes < 0, len(self.categories), codes).reshape(np.shape(values))

    def shares(self, codes: np.ndarray) -> np.ndarray:
        """Each bin's share of a batch's codes (the last axis); for many batches at once,
        one count: batch i counts its codes in bins i * k to i * k + k - 1."""
        k = len(self.expected)
        batches = np.reshape(codes, (-1, np.shape(codes)[-1]))
        numbered = batches + k * np.arange(len(batches))[:, None]
        counts = np.bincount(numbered.ravel(), minlength=k * len(batches))
        shares = counts.reshape(len(batches), k) / batches.shape[1]
        return shares.reshape(*np.shape(codes)[:-1], k)


def reference_bins(frame: pd.DataFrame, features: list[str], bins: int = BINS) -> dict:
    """Each feature's bins and shares in the reference (training) data."""
    binned = {}
    for feature in features:
        column = frame[feature]
        if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object:
            categories = [str(c) for c in pd.Categorical(column.dropna()).categories]
            spec = FeatureBins(feature, None, categories, np.zeros(len(categories) + 1))
        else:
            deciles = np.quantile(column.dropna(), np.linspace(0, 1, bins + 1)[1:-1])
            inner = np.unique(deciles)
            spec = FeatureBins(feature, inner, None, np.zeros(len(inner) + 2))
        expected = spec.shares(spec.codes(_values(spec, column)))
        binned[feature] = FeatureBins(feature, spec.edges, spec.categories, expected)
    return binned


def psi(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """The population stability index of batch shares against expected shares (along
    the last axis), empty bins counted as a small share."""
    e = np.clip(expected, EMPTY_SHARE, None)
    a = np.clip(actual, EMPTY_SHARE, None)
    return ((a - e) * np.log(a / e)).sum(axis=-1)


def batch_psi(binned: dict, batch: pd.DataFrame) -> pd.Series:
    """The PSI of each feature of one batch."""
    return pd.Series(
        {
            name: float(psi(spec.expected, spec.shares(spec.codes(_values(spec, batch[name])))))
            for name, spec in binned.items()
        }
    )


def _values(spec: FeatureBins, column: pd.Series):
    return column.astype(str).where(column.notna()) if spec.categories else column


def bootstrap_psi(
    binned: dict,
    reference: pd.DataFrame,
    rows: int,
    resamples: int,
    seed: int,
    shift: dict[str, float] | None = None,
) -> pd.DataFrame:
    """PSI of each feature for `resamples` batches of `rows` drawn with replacement from
    the reference data, with `shift` (feature -> amount) added to numeric features: one
    row per batch and feature. Each batch is compared with a resample of the reference
    of its own size too: the reference is a sample as well, and a batch of new rows
    differs from it by the noise of both."""
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(reference), size=(resamples, rows))
    redrawn = rng.integers(0, len(reference), size=(resamples, len(reference)))
    frames = []
    for name, spec in binned.items():
        values = _values(spec, reference[name]).to_numpy()
        codes = spec.codes(values)  # each reference row's bin, found once
        batch = codes[drawn]
        if shift and name in shift:
            batch = spec.codes(values[drawn] + shift[name])
        expected = spec.shares(codes[redrawn])
        frames.append(
            pd.DataFrame(
                {
                    "resample": np.arange(resamples),
                    "feature": name,
                    "psi": psi(expected, spec.shares(batch)),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def thresholds(null: pd.DataFrame, false_alarm_rate: float) -> pd.Series:
    """Each feature's threshold: the PSI that batches without drift exceed at the rate
    given (a quantile of their bootstrap PSI)."""
    return null.groupby("feature", sort=False)["psi"].quantile(1 - false_alarm_rate)


def alarm_rate(runs: pd.DataFrame, threshold: pd.Series | float) -> pd.Series:
    """The share of batches whose PSI exceeds the threshold, per feature."""
    limit = runs["feature"].map(threshold) if isinstance(threshold, pd.Series) else threshold
    return (runs["psi"] > limit).groupby(runs["feature"], sort=False).mean()


def any_alarm_rate(runs: pd.DataFrame, threshold: pd.Series) -> float:
    """The share of batches in which at least one feature exceeds its threshold."""
    over = runs["psi"] > runs["feature"].map(threshold)
    return float(over.groupby(runs["resample"]).any().mean())


def check_batch(binned: dict, limits: pd.Series, batch: pd.DataFrame, batch_id: str):
    """The PSI of each feature of a batch against its threshold; a WARNING log record,
    the alert, for each feature above it, and one INFO record for the whole check."""
    found = batch_psi(binned, batch)
    drifting = found[found > limits[found.index]]
    for feature, value in drifting.items():
        log.warning(
            "drift in %s: PSI %.3f above its threshold %.3f (batch %s, %d rows)",
            feature, value, limits[feature], batch_id, len(batch),
            extra={
                "event": "drift", "batch": batch_id, "feature": feature,
                "psi": round(float(value), 4), "threshold": round(float(limits[feature]), 4),
                "rows": len(batch),
            },
        )  # fmt: skip
    log.info(
        "checked batch %s: %d of %d features drifting", batch_id, len(drifting), len(found),
        extra={"event": "drift check", "batch": batch_id, "drifting": list(drifting.index)},
    )  # fmt: skip
    limit = limits[found.index].to_numpy()
    return pd.DataFrame({"feature": found.index, "psi": found.to_numpy(), "threshold": limit})
