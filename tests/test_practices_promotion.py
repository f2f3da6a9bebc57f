"""Model promotion (dsops.practices.promotion): stages as pointers to stored versions,
the gate on the versions' cards, every move recorded, and a rollback; on small stores
written here."""

import json

import pytest

from dsops.practices.promotion import CV, HELD_OUT, PRODUCTION, STAGING, Stages, gate, rmse
from dsops.shared.errors import DsopsError
from dsops.shared.store import ModelStore

NAME = "demo-model"


def card(cv: float, held_out: float, sha: str = "abc", seed: int = 1) -> dict:
    return {
        "name": NAME,
        "training_data": {"sha256": sha},
        "random_seed": seed,
        "evaluation": {
            "test_size": 0.25,
            "cv_folds": 5,
            "metrics": [
                {"model": "linear model", "evaluation": CV, "rmse": cv},
                {"model": "linear model", "evaluation": HELD_OUT, "rmse": held_out},
                {"model": "baseline (mean)", "evaluation": CV, "rmse": 800.0},
            ],
        },
    }


@pytest.fixture
def store(tmp_path):
    return ModelStore(tmp_path / "models")


def write(store: ModelStore, tmp_path, model_card: dict):
    file = tmp_path / "model.txt"
    file.write_text(json.dumps(model_card), encoding="utf-8")
    return store.write(NAME, [file], model_card, title="demo")


def test_rmse_reads_the_linear_model_row():
    assert rmse(card(300, 310), CV) == 300
    assert rmse(card(300, 310), HELD_OUT) == 310
    broken = card(300, 310)
    broken["evaluation"]["metrics"] = []
    with pytest.raises(DsopsError, match="has no 'held-out test' RMSE"):
        rmse(broken, HELD_OUT)


@pytest.mark.parametrize(
    ("candidate", "passed", "start"),
    [
        (card(290, 300), True, "better: CV RMSE 290 g against 300 g"),
        (card(290, 305), True, "better"),  # held-out level: no higher is enough
        (card(290, 306), False, "not better"),  # lower in CV, higher on held-out birds
        (card(300, 290), False, "not better"),  # CV not lower
        (card(200, 200, sha="other"), False, "not comparable: different training data"),
        (card(200, 200, seed=2), False, "not comparable: different random seed"),
    ],
)
def test_the_gate(candidate, passed, start):
    decided, reason = gate(candidate, card(300, 305))
    assert decided is passed
    assert reason.startswith(start)


def test_promote_refuse_and_roll_back(store, tmp_path):
    stages = Stages(store)
    first = write(store, tmp_path, card(300, 305))
    stages.stage(first, "first")
    assert stages.promote(NAME).reason == "the first version in production"
    better = write(store, tmp_path, card(280, 290))
    stages.stage(better, "better")
    assert stages.promote(NAME).action == "promoted"
    worse = write(store, tmp_path, card(330, 330))
    stages.stage(worse, "worse")
    refused = stages.promote(NAME)
    assert refused.action == "refused" and refused.version == worse.version
    assert stages.current(NAME, PRODUCTION).version == better.version  # refusals move nothing
    assert stages.current(NAME, STAGING).version == worse.version
    back = stages.rollback(NAME, "clients broke")
    assert back.version == first.version
    assert stages.current(NAME, PRODUCTION).version == first.version
    assert stages.history(NAME, PRODUCTION) == [first.version, better.version, first.version]
    table = stages.table()
    assert table["action"].tolist() == [
        "staged", "promoted", "staged", "promoted", "staged", "refused", "rolled back",
    ]  # fmt: skip
    # the record is beside the board, never in it (a stray file breaks pins)
    assert stages.record.parent == store.root.parent
    assert store.names() == [NAME]


def test_the_record_survives_a_new_reader(store, tmp_path):
    version = write(store, tmp_path, card(300, 305))
    Stages(store).stage(version, "first")
    assert Stages(store).current(NAME, STAGING).version == version.version


def test_mistakes_are_one_sentence(store, tmp_path):
    stages = Stages(store)
    with pytest.raises(DsopsError, match="no version of 'demo-model' is in staging"):
        stages.promote(NAME)
    version = write(store, tmp_path, card(300, 305))
    stages.stage(version, "first")
    stages.promote(NAME)
    with pytest.raises(DsopsError, match="already in production"):
        stages.promote(NAME)
    with pytest.raises(DsopsError, match="no earlier production version"):
        stages.rollback(NAME, "why")
    stages.record.write_text("not json", encoding="utf-8")
    with pytest.raises(DsopsError, match="not a stage record"):
        stages.events()
