"""The statistics behind the model page's choices, on the training birds."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from dsops.penguins import inference, model
from dsops.penguins.etl import clean_export
from dsops.shared import paths


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    frame = model.modelling_frame(clean_export(paths.RAW_PENGUINS), extra=["island"])
    return model.split(frame, seed=paths.SEED)[0]


@pytest.fixture(scope="module")
def comparison(training) -> pd.DataFrame:
    return inference.compare_models(training)


def test_extra_columns_do_not_change_the_rows_or_the_split(training):
    plain = model.modelling_frame(clean_export(paths.RAW_PENGUINS))
    assert list(training.index) == list(model.split(plain, seed=paths.SEED)[0].index)
    assert training["island"].notna().all()


def test_the_comparison_is_nested_against_the_additive_model(comparison):
    assert list(comparison["model"]) == list(inference.CANDIDATES)
    assert list(comparison["parameters"]) == [5, 7, 7, 9]
    assert np.isnan(comparison.loc[0, "p_vs_additive"])
    assert comparison.loc[0, "cv_gain"] == 0 and comparison.loc[0, "folds_better"] == 0
    # What the page says: species x sex is detectable in the training birds...
    species_sex = comparison.set_index("model").loc[list(inference.CANDIDATES)[2]]
    assert species_sex["p_vs_additive"] < 0.05
    # ...but no interaction predicts better by more than the spread between folds.
    assert (comparison["cv_gain"] < comparison["cv_rmse_sd"]).all()


def test_the_one_standard_error_rule_keeps_the_additive_model(comparison):
    assert inference.one_standard_error_choice(comparison) == "additive"
    made_up = comparison.assign(cv_rmse=[400.0, 300.0, 310.0, 320.0], cv_rmse_sd=[1.0] * 4)
    assert inference.one_standard_error_choice(made_up) == list(inference.CANDIDATES)[1]


def test_cross_validation_uses_the_pipeline_folds(training):
    folds = inference.cv_rmse(inference.CANDIDATES["additive"], training)
    evaluation = model.evaluate(model.modelling_frame(clean_export(paths.RAW_PENGUINS)))
    assert folds == pytest.approx(evaluation.cv_fold_rmse)


def test_robust_errors_and_breusch_pagan(training):
    results = model.fit_ols(training)
    table = inference.robust_comparison(results)
    assert list(table["term"]) == list(results.params.index)
    assert (table["se_hc3"] > 0).all()
    statistic, p_value = inference.breusch_pagan(results)
    assert statistic > 0 and 0 < p_value < 1


def test_island_within_adelie(training):
    result = inference.island_effect_within(training, "Adelie")
    assert result["islands"] == 3
    assert result["birds"] == int((training["species"] == "Adelie").sum())
    check = smf.ols(
        "body_mass_g ~ bill_length_mm + sex + C(island)",
        data=training[training["species"] == "Adelie"],
    ).fit()
    assert 0 <= result["p"] <= 1 and check.df_model == 4


def test_error_by_species():
    predictions = pd.DataFrame(
        {
            "species": ["A", "A", "B"],
            "observed": [10.0, 20.0, 30.0],
            "predicted": [13.0, 16.0, 30.0],
        }
    )
    table = inference.error_by_species(predictions).set_index("species")
    assert table.loc["A", "rmse"] == pytest.approx(np.sqrt((9 + 16) / 2))
    assert table.loc["A", "mean_error"] == pytest.approx(-0.5)
    assert table.loc["B", "birds"] == 1
