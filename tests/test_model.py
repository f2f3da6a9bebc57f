"""The body-mass models: derived feature names, honest evaluation, saved artifact and card."""

import json
import math

import pytest

from dsops import config, model
from dsops.errors import DsopsError
from dsops.etl import load_raw


@pytest.fixture(scope="module")
def frame():
    return model.modelling_frame(load_raw(config.RAW_PENGUINS))


@pytest.fixture(scope="module")
def evaluation(frame):
    return model.evaluate(frame, seed=config.SEED)


def test_modelling_frame_drops_incomplete_birds(frame):
    assert len(frame) == 333  # 344 less 11 without sex (which include the 2 unmeasured)
    assert not frame.isna().any().any()
    assert list(frame.columns) == [*model.FEATURES, model.TARGET]


def test_ols_coefficients_have_intervals_that_contain_the_estimate(frame):
    table = model.coefficient_table(model.fit_ols(frame))
    assert list(table["term"]) == [
        "Intercept",
        "species[T.Chinstrap]",
        "species[T.Gentoo]",
        "sex[T.male]",
        "bill_length_mm",
    ]
    assert (table["ci95_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci95_high"]).all()


def test_feature_names_come_from_the_data(frame):
    two_species = frame[frame["species"] != "Chinstrap"].copy()
    two_species["species"] = two_species["species"].cat.remove_unused_categories()
    pipeline = model.build_pipeline().fit(two_species[model.FEATURES], two_species[model.TARGET])
    assert model.feature_names(pipeline) == ["species_Gentoo", "sex_male", "bill_length_mm"]


def test_linear_model_beats_the_baseline_on_held_out_data(evaluation):
    metrics = evaluation.metrics.set_index(["model", "evaluation"])
    for kind in ["held-out test", "5-fold CV (mean)"]:
        linear, baseline = (
            metrics.loc[("linear model", kind)],
            metrics.loc[("baseline (mean)", kind)],
        )
        assert linear["rmse"] < baseline["rmse"] / 2
        assert linear["r2"] > 0.8
        assert abs(baseline["r2"]) < 0.05


def test_test_set_is_a_quarter_of_the_birds(evaluation, frame):
    assert evaluation.train_rows + evaluation.test_rows == len(frame)
    assert evaluation.test_rows == math.ceil(len(frame) * model.TEST_SIZE)
    assert len(evaluation.test_predictions) == evaluation.test_rows


def test_evaluation_is_reproducible(frame, evaluation):
    again = model.evaluate(frame, seed=config.SEED)
    assert again.metrics.equals(evaluation.metrics)


def test_saved_model_round_trips_with_its_card(tmp_path, evaluation, frame):
    data = tmp_path / "train.parquet"
    frame.to_parquet(data)
    model_path, card_path = model.save_model(evaluation, data, tmp_path / "m")
    pipeline, card = model.load_model(tmp_path / "m")
    sample = frame[model.FEATURES].head(5)
    assert (pipeline.predict(sample) == evaluation.pipeline.predict(sample)).all()
    assert card == json.loads(card_path.read_text())
    from dsops.files import sha256_file

    assert card["training_data"]["sha256"] == sha256_file(data)
    assert card["version"].endswith(sha256_file(data)[:12])
    assert card["encoded_features"] == model.feature_names(evaluation.pipeline)
    assert set(card["metrics"]["held_out_test"]) == {"linear model", "baseline (mean)"}
    assert card["libraries"]["scikit-learn"]
    assert card["random_seed"] == config.SEED
    assert model_path.stat().st_size > 0


def test_loading_refuses_a_model_from_another_scikit_learn(tmp_path, evaluation, frame):
    data = tmp_path / "train.parquet"
    frame.to_parquet(data)
    _, card_path = model.save_model(evaluation, data, tmp_path)
    card = json.loads(card_path.read_text())
    card["libraries"]["scikit-learn"] = "0.0.1"
    card_path.write_text(json.dumps(card))
    with pytest.raises(DsopsError, match=r"saved with scikit-learn 0\.0\.1 but"):
        model.load_model(tmp_path)


def test_loading_from_an_empty_folder_says_how_to_build_the_model(tmp_path):
    with pytest.raises(DsopsError, match=r"no model in .*render analyses/penguins/model\.qmd"):
        model.load_model(tmp_path)
