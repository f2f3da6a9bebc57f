"""Drift monitoring (dsops.practices.monitoring): the population stability index on
shares written by hand, binning of numeric and categorical features, thresholds whose
false-alarm rate is what they were set for, an injected shift caught more often as it
grows, and the alert as a log record with its figures."""

import logging

import numpy as np
import pandas as pd
import pytest

from dsops.practices import monitoring
from dsops.shared import logs


@pytest.fixture(scope="module")
def reference():
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "length": rng.normal(45, 5, 400).round(1),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], 400, p=[0.5, 0.3, 0.2])),
        }
    )


@pytest.fixture(scope="module")
def binned(reference):
    return monitoring.reference_bins(reference, ["length", "kind"])


def test_psi_by_hand():
    assert monitoring.psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0
    # (0.7 - 0.5) ln(0.7/0.5) + (0.3 - 0.5) ln(0.3/0.5)
    expected = 0.2 * np.log(1.4) - 0.2 * np.log(0.6)
    assert monitoring.psi(np.array([0.5, 0.5]), np.array([0.7, 0.3])) == pytest.approx(expected)
    # an empty bin counts as a small share, so the index stays finite
    assert np.isfinite(monitoring.psi(np.array([1.0, 0.0]), np.array([0.5, 0.5])))


def test_numeric_features_get_decile_bins_and_categories_a_bin_each(binned):
    length, kind = binned["length"], binned["kind"]
    assert len(length.edges) == 9 and len(length.expected) == 11  # ten bins, then missing
    assert np.allclose(length.expected[:10], 0.1, atol=0.02) and length.expected[10] == 0
    assert kind.categories == ["a", "b", "c"] and kind.expected[-1] == 0
    assert kind.expected.sum() == pytest.approx(1)


def test_missing_and_unseen_values_fall_in_the_last_bin(binned):
    assert binned["length"].codes([np.nan])[0] == 10
    assert binned["kind"].codes(["z"])[0] == 3
    batch = pd.DataFrame({"length": [np.nan] * 10, "kind": ["a"] * 10})
    assert monitoring.batch_psi(binned, batch)["length"] > 1  # a batch of missing values


def test_the_same_data_has_a_psi_of_zero(binned, reference):
    assert monitoring.batch_psi(binned, reference).abs().max() < 1e-9


def test_a_threshold_fires_at_the_rate_it_was_set_for(binned, reference):
    null = monitoring.bootstrap_psi(binned, reference, 80, 2000, seed=1)
    limits = monitoring.thresholds(null, false_alarm_rate=0.05)
    fresh = monitoring.bootstrap_psi(binned, reference, 80, 2000, seed=2)
    rates = monitoring.alarm_rate(fresh, limits)
    assert list(rates.index) == ["length", "kind"]
    assert rates.between(0.03, 0.07).all(), rates
    assert monitoring.any_alarm_rate(fresh, limits) >= rates.max()


def test_a_larger_shift_is_caught_more_often(binned, reference):
    null = monitoring.bootstrap_psi(binned, reference, 80, 1000, seed=1)
    limits = monitoring.thresholds(null, false_alarm_rate=0.01)
    caught = [
        monitoring.alarm_rate(
            monitoring.bootstrap_psi(binned, reference, 80, 1000, 3, shift={"length": mm}), limits
        )
        for mm in (0, 2, 5)
    ]
    assert [c["length"] for c in caught] == sorted(c["length"] for c in caught)
    assert caught[0]["length"] < 0.05 and caught[2]["length"] > 0.9
    assert caught[2]["kind"] == caught[0]["kind"]  # the shift touched only one feature


def test_the_alert_is_a_warning_record_with_its_figures(binned, reference, tmp_path):
    null = monitoring.bootstrap_psi(binned, reference, 80, 500, seed=1)
    limits = monitoring.thresholds(null, false_alarm_rate=0.01)
    shifted = reference.assign(length=reference["length"] + 5)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logs.log_to_file(tmp_path / "monitor.jsonl", run_id="m1")
        checked = monitoring.check_batch(binned, limits, shifted, "shifted")
        monitoring.check_batch(binned, limits, reference, "as it was")
    finally:
        logs.close_log_files()
        root.handlers[:] = handlers
        root.setLevel(level)
    assert checked.set_index("feature").loc["length", "psi"] > limits["length"]
    records = logs.read_log(tmp_path / "monitor.jsonl")
    alerts = records[records["level"] == "WARNING"]
    assert alerts["feature"].tolist() == ["length"]
    alert = alerts.iloc[0]
    assert (alert["event"], alert["batch"], alert["rows"], alert["run_id"]) == (
        "drift", "shifted", 400, "m1",
    )  # fmt: skip
    assert alert["psi"] > alert["threshold"]
    checks = records[records["event"] == "drift check"]
    assert checks["drifting"].tolist() == [["length"], []]
