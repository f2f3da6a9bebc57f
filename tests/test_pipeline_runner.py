"""The shared pipeline runner: composed steps and the log of what each did."""

from functools import partial

import pandas as pd
import pytest

from dsops.shared.pipeline import log_frame, run_steps, step_name


def drop_missing(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.dropna(subset=["x"])


def double(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.assign(**{column: frame[column] * 2})


def add_flag(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(flag=frame["x"] > 2)


def without_y(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="y")


@pytest.fixture
def frame():
    return pd.DataFrame({"x": [1.0, None, 3.0], "y": ["a", "b", "c"]})


def test_steps_run_in_order_and_each_is_logged(frame):
    out, log = run_steps(frame, [drop_missing, partial(double, column="x"), add_flag, without_y])
    assert out.to_dict("list") == {"x": [2.0, 6.0], "flag": [False, True]}
    assert [r.step for r in log] == ["drop_missing", "double", "add_flag", "without_y"]
    assert [(r.rows_in, r.rows_out) for r in log] == [(3, 2), (2, 2), (2, 2), (2, 2)]
    assert log[1].changed == ("x",)
    assert log[2].added == ("flag",) and log[2].changed == ()
    assert log[3].removed == ("y",)
    assert all(r.seconds >= 0 for r in log)


def test_the_input_is_not_modified(frame):
    before = frame.copy()
    run_steps(frame, [drop_missing, partial(double, column="x")])
    pd.testing.assert_frame_equal(frame, before)


def test_a_type_change_counts_as_a_change():
    frame = pd.DataFrame({"n": ["1", "2"]})
    _, log = run_steps(frame, [lambda f: f.assign(n=f["n"].astype("int64"))])
    assert log[0].changed == ("n",)


def test_a_step_that_returns_something_else_is_named(frame):
    def count_rows(f):
        return len(f)

    with pytest.raises(TypeError, match=r"pipeline step 'count_rows' returned int"):
        run_steps(frame, [count_rows])


def test_the_log_reads_as_a_table(frame):
    _, log = run_steps(frame, [drop_missing, add_flag])
    table = log_frame(log)
    assert list(table.columns) == [
        "step",
        "rows_in",
        "rows_out",
        "added",
        "removed",
        "changed",
        "seconds",
    ]
    assert table["added"].tolist() == ["", "flag"]
    assert step_name(partial(double, column="x")) == "double"


def test_each_step_logs_its_figures_as_fields(frame, caplog):
    """A log file (dsops --log-file) gets the figures as fields, not only in the text."""
    with caplog.at_level("INFO", logger="dsops.shared.pipeline"):
        run_steps(frame, [drop_missing])
    (record,) = caplog.records
    assert (record.step, record.rows_in, record.rows_out) == ("drop_missing", 3, 2)
    assert record.seconds >= 0
    assert record.getMessage().startswith("step drop_missing: 3 -> 2 rows")
