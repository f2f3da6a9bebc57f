"""What the model page says in words, checked against the numbers it computes, so a
change in the data or the code that flips a claim fails here, not on the published page."""

import pandas as pd
import pytest

from dsops.penguins import inference, model, train
from dsops.penguins.etl import run_etl
from dsops.shared import paths
from dsops.shared.store import ModelStore


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    processed = run_etl(paths.RAW_PENGUINS, tmp_path_factory.mktemp("etl")).parquet
    frame = model.modelling_frame(pd.read_parquet(processed), extra=["island"])
    return processed, model.split(frame, seed=paths.SEED)[0]


@pytest.fixture(scope="module")
def predictions(training, tmp_path_factory):
    processed, _ = training
    stored = train.train(processed, ModelStore(tmp_path_factory.mktemp("store"))).stored
    return pd.read_csv(stored.file(train.PREDICTIONS_FILE))


def test_breusch_pagan_evidence_is_weak_and_hc3_agrees(training):
    _, birds = training
    results = model.fit_ols(birds)
    assert inference.breusch_pagan(results)[1] > 0.05  # "the evidence ... is weak"
    table = inference.robust_comparison(results)
    # "they lead to the same conclusions": every term significant either way
    assert ((table["p_classical"] < 0.05) == (table["p_hc3"] < 0.05)).all()
    residual_sd = results.resid.groupby(birds["sex"], observed=True).std()
    assert residual_sd["male"] > residual_sd["female"]  # "differs a little between the sexes"


def test_no_island_effect_within_adelie(training):
    _, birds = training
    assert inference.island_effect_within(birds, "Adelie")["p"] > 0.05


def test_extremes_are_pulled_to_the_middle_and_chinstrap_is_worst(predictions):
    error = predictions["predicted"] - predictions["observed"]
    quartiles = predictions["observed"].quantile([0.25, 0.75])
    assert error[predictions["observed"] >= quartiles[0.75]].mean() < 0  # under-predicted
    assert error[predictions["observed"] <= quartiles[0.25]].mean() > 0  # over-predicted
    by_species = inference.error_by_species(predictions).set_index("species")
    assert by_species["rmse"].idxmax() == "Chinstrap"
    assert by_species["birds"].idxmin() == "Chinstrap"
