"""The body-mass model: derived feature names and an honest evaluation."""

import math

import pytest

from dsops.penguins import model
from dsops.penguins.etl import clean_export
from dsops.shared import paths


@pytest.fixture(scope="module")
def frame():
    return model.modelling_frame(clean_export(paths.RAW_PENGUINS))


@pytest.fixture(scope="module")
def evaluation(frame):
    return model.evaluate(frame, seed=paths.SEED)


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
    assert list(evaluation.test_predictions.columns) == [*model.FEATURES, "observed", "predicted"]


def test_cross_validation_reports_every_fold(evaluation):
    assert len(evaluation.cv_fold_rmse) == model.CV_FOLDS
    cv_mean = evaluation.metrics.query("model == 'linear model' and evaluation != 'held-out test'")
    assert sum(evaluation.cv_fold_rmse) / model.CV_FOLDS == pytest.approx(cv_mean["rmse"].iloc[0])


def test_evaluation_is_reproducible(frame, evaluation):
    again = model.evaluate(frame, seed=paths.SEED)
    assert again.metrics.equals(evaluation.metrics)
