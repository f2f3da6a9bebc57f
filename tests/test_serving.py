"""The stored model loaded to answer requests: the pipeline's own predictions, the
exported intervals, and one sentence for input it cannot answer."""

import re

import pandas as pd
import pytest

from dsops.penguins.serving import ServedModel, birds_frame
from dsops.shared.errors import DsopsError


@pytest.fixture(scope="module")
def served():
    return ServedModel.load()


def test_predictions_are_the_pipelines_and_intervals_the_exported_ones(served):
    grid = pd.DataFrame(served.export["grid"])
    answers = served.predict(grid)
    assert answers["body_mass_g"].to_numpy() == pytest.approx(
        served.pipeline.predict(grid[["bill_length_mm", "species", "sex"]]), abs=1e-9
    )
    assert answers["low_g"].to_numpy() == pytest.approx([i[0] for i in grid["interval"]], abs=1e-6)
    assert answers["high_g"].to_numpy() == pytest.approx([i[1] for i in grid["interval"]], abs=1e-6)
    assert not answers["extrapolation"].any()


def test_the_training_range_and_levels_come_from_the_export(served):
    low, high = served.training_range
    assert 30 < low < high < 60
    assert served.levels == {
        "species": ["Adelie", "Chinstrap", "Gentoo"],
        "sex": ["female", "male"],
    }
    assert served.interval_level == 0.95


@pytest.mark.parametrize(
    ("birds", "words"),
    [
        (
            [{"bill_length_mm": 45.0, "species": "Emperor", "sex": "male"}],
            "species must be one of Adelie, Chinstrap, Gentoo; got 'Emperor'",
        ),
        (
            [{"bill_length_mm": 45.0, "species": "Gentoo", "sex": None}],
            "sex must be one of female, male; got a missing value",
        ),
        (
            [{"bill_length_mm": float("nan"), "species": "Gentoo", "sex": "male"}],
            "bill_length_mm must be a finite number",
        ),
    ],
)
def test_input_the_pipeline_cannot_answer_is_one_sentence(served, birds, words):
    with pytest.raises(DsopsError, match=re.escape(words)):
        served.predict(birds_frame(birds))


def test_a_missing_column_is_named(served):
    with pytest.raises(DsopsError, match=re.escape("lack the column(s) sex")):
        served.predict(pd.DataFrame({"bill_length_mm": [45.0], "species": ["Gentoo"]}))
