"""`dsops train`: one versioned model in the store, with its card and the exports an
API and a browser need, checked against the pipeline itself."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dsops.cli import app
from dsops.penguins import train
from dsops.penguins.etl import run_etl
from dsops.shared import paths
from dsops.shared.errors import DsopsError, MissingArtifactError
from dsops.shared.files import sha256_file
from dsops.shared.store import ModelStore


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    processed = run_etl(paths.RAW_PENGUINS, folder / "processed").parquet
    store = ModelStore(folder / "models")
    return processed, store, train.train(processed, store)


def test_one_version_with_every_file(trained):
    _, store, result = trained
    stored = result.stored
    assert store.names() == [train.MODEL_NAME]
    assert store.versions(train.MODEL_NAME) == [stored.version]
    names = {p.name for p in stored.folder.iterdir()}
    assert {
        train.MODEL_FILE,
        train.CARD_FILE,
        train.PREDICTIONS_FILE,
        train.SERVING_FILE,
        train.COMPARISON_FILE,
    } <= names


def test_the_model_comparison_is_stored_for_the_page(trained):
    """The page reads why the model was chosen; it is the comparison on the training
    birds, and its choice is the model the store holds."""
    import pandas as pd

    from dsops.penguins import inference, model
    from dsops.penguins.data import load_penguins

    processed, _, result = trained
    why = result.stored.read_json(train.COMPARISON_FILE)
    frame = model.modelling_frame(load_penguins(processed), extra=["island"])
    training, _ = model.split(frame)
    expected = inference.compare_models(training)
    stored = pd.DataFrame(why["models"]).astype({"f_vs_additive": float, "p_vs_additive": float})
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    assert why["chosen"] == "additive"  # the formula the stored pipeline fits
    assert why["island_within_adelie"] == inference.island_effect_within(training, "Adelie")
    assert why["island_within_adelie"]["birds"] == (training["species"] == "Adelie").sum()


def test_the_card_is_the_pin_metadata_and_names_its_data(trained):
    processed, _, result = trained
    card = result.stored.card
    assert card == result.stored.read_json(train.CARD_FILE)
    assert card["training_data"]["sha256"] == sha256_file(processed)
    assert card["random_seed"] == paths.SEED
    assert set(card["libraries"]) == set(train.LIBRARIES)
    assert {"commit", "modified"} == set(card["git"])
    assert len(card["evaluation"]["cv_fold_rmse"]) == 5
    test = [m for m in card["evaluation"]["metrics"] if m["evaluation"] == "held-out test"]
    assert {m["model"] for m in test} == {"linear model", "baseline (mean)"}


def test_the_stored_pipeline_predicts_the_stored_test_predictions(trained):
    import pandas as pd

    _, _, result = trained
    pipeline = train.load_pipeline(result.stored)
    held_out = pd.read_csv(result.stored.file(train.PREDICTIONS_FILE))
    assert len(held_out) == result.stored.card["training_data"]["test_rows"]
    predicted = pipeline.predict(held_out[["bill_length_mm", "species", "sex"]])
    np.testing.assert_allclose(predicted, held_out["predicted"], rtol=1e-9)


def _design_row(terms: list[dict], inputs: dict) -> np.ndarray:
    """What a browser does: each term is the product of its factors."""
    row = []
    for term in terms:
        value = 1.0
        for factor in term["factors"]:
            if "equals" in factor:
                value *= float(inputs[factor["feature"]] == factor["equals"])
            else:
                value *= float(inputs[factor["feature"]])
        row.append(value)
    return np.array(row)


def test_the_serving_export_reproduces_the_pipeline_without_python_objects(trained):
    _, _, result = trained
    serving = result.stored.read_json(train.SERVING_FILE)
    names = [t["name"] for t in serving["terms"]]
    assert names == ["intercept", *result.stored.card["encoded_features"]]
    beta = np.array([serving["coefficients"][n] for n in names])
    covariance = np.array(serving["covariance"])
    assert covariance.shape == (len(names), len(names))
    t = stats.t.ppf(0.5 + serving["interval_level"] / 2, serving["df_resid"])
    assert serving["t_quantile"] == pytest.approx(t, rel=1e-12)
    assert len(serving["grid"]) == 3 * 2 * train.GRID_POINTS
    for point in serving["grid"]:
        x = _design_row(serving["terms"], point)
        assert x @ beta == pytest.approx(point["predicted"], rel=1e-9)
        half = t * np.sqrt(serving["residual_variance"] + x @ covariance @ x)
        assert point["interval"] == pytest.approx([x @ beta - half, x @ beta + half], rel=1e-9)
    assert serving["features"]["species"]["levels"] == ["Adelie", "Chinstrap", "Gentoo"]
    low, high = serving["features"]["bill_length_mm"]["training_range"]
    assert low < high


def test_a_pipeline_from_another_scikit_learn_is_refused(trained):
    _, _, result = trained
    card = json.loads(json.dumps(result.stored.card))
    card["libraries"]["scikit-learn"] = "0.0.1"
    other = type(result.stored)(
        result.stored.name, result.stored.version, result.stored.folder, card
    )
    with pytest.raises(DsopsError, match=r"saved with scikit-learn 0\.0\.1 but .*`make train`"):
        train.load_pipeline(other)


def test_an_empty_store_names_the_make_target(tmp_path):
    with pytest.raises(MissingArtifactError) as caught:
        train.latest(ModelStore(tmp_path / "models"))
    assert str(caught.value) == (
        f"model 'penguin-body-mass' in {tmp_path / 'models'}/ does not exist yet: "
        "run `make train` to build it."
    )


def test_missing_processed_data_names_the_make_target(tmp_path, runner):
    result = runner.invoke(
        app, ["train", "--data", str(tmp_path / "none.parquet"), "--store", str(tmp_path / "m")]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path / 'none.parquet'} does not exist yet: run `make data` to build it.\n"
    )
    assert not (tmp_path / "m").exists()


def test_train_command_reports_the_version(trained, tmp_path, runner):
    processed, _, _ = trained
    result = runner.invoke(app, ["train", "--data", str(processed), "--store", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    (version,) = ModelStore(tmp_path / "m").versions(train.MODEL_NAME)
    assert result.stdout.startswith(f"stored penguin-body-mass version {version} in ")


def test_the_store_is_a_plain_pins_board(trained):
    """Nothing but pins in the board root: pins' own listing and search work on it."""
    import pins

    _, store, result = trained
    board = pins.board_folder(str(store.root), allow_pickle_read=True)
    assert board.pin_list() == [train.MODEL_NAME]
    assert list(board.pin_search()["name"]) == [train.MODEL_NAME]
    assert board.pin_meta(train.MODEL_NAME).user == result.stored.card


def test_the_make_stamp_lives_outside_the_board():
    makefile = (paths.PROJ_ROOT / "Makefile").read_text()
    assert "MODEL_STAMP := $(MAKE_STATE)/" in makefile and "MAKE_STATE := .make" in makefile


def test_a_candidate_is_a_new_version_on_the_same_split(trained):
    """A candidate with other numeric features is stored beside the trained model, with
    a card that names its features and the same data, seed and held-out birds."""
    processed, store, result = trained
    candidate = train.train_candidate(["bill_length_mm", "flipper_length_mm"], store, processed)
    assert store.versions(train.MODEL_NAME)[-1] == candidate.version != result.stored.version
    assert candidate.card["features"] == ["bill_length_mm", "flipper_length_mm", "species", "sex"]
    assert "flipper_length_mm" in candidate.card["encoded_features"]
    assert candidate.card["training_data"] == result.stored.card["training_data"]
    held_out = pd.read_csv(candidate.file(train.PREDICTIONS_FILE))
    published = pd.read_csv(result.stored.file(train.PREDICTIONS_FILE))
    assert held_out["observed"].tolist() == published["observed"].tolist()
    assert not (candidate.folder / train.SERVING_FILE).exists()
