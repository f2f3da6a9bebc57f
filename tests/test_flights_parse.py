"""Properties of the clock-time parsers, stated as invariants and checked by hypothesis
on generated values (the profile in conftest.py has no deadline and keeps its example
database outside the repository)."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsops.flights.parse import (
    hhmm_to_minutes,
    invalid_hhmm,
    local_timestamps,
    minutes_to_hhmm,
)

valid_clock = st.builds(lambda h, m: h * 100 + m, st.integers(0, 23), st.integers(0, 59))
valid_hhmm = st.one_of(valid_clock, st.just(2400))
maybe_missing = st.one_of(valid_hhmm, st.none())
invalid = st.one_of(
    st.builds(lambda h, m: h * 100 + m, st.integers(0, 23), st.integers(60, 99)),
    st.integers(2401, 10_000),
    st.integers(-10_000, -1),
)


def series(values) -> pd.Series:
    return pd.Series(values, dtype="Int64")


@given(st.lists(maybe_missing, max_size=50))
def test_minutes_are_within_the_day_and_missing_stays_missing(values):
    minutes = hhmm_to_minutes(series(values))
    present = minutes.dropna()
    assert ((present >= 0) & (present <= 1440)).all()
    assert minutes.isna().tolist() == [v is None for v in values]


@given(valid_hhmm)
def test_only_2400_is_the_midnight_that_ends_the_day(value):
    assert (hhmm_to_minutes(series([value]))[0] == 1440) == (value == 2400)


@given(valid_hhmm, valid_hhmm)
def test_order_is_kept(a, b):
    minutes = hhmm_to_minutes(series([a, b]))
    assert (a < b) == (minutes[0] < minutes[1])


@given(st.lists(valid_hhmm, max_size=50))
def test_minutes_turn_back_into_the_same_hhmm(values):
    assert minutes_to_hhmm(hhmm_to_minutes(series(values))).tolist() == values


@given(valid_clock)
def test_minutes_are_hours_times_sixty_plus_minutes(value):
    hours, minutes = divmod(value, 100)
    assert hhmm_to_minutes(series([value]))[0] == hours * 60 + minutes


@given(invalid)
def test_an_impossible_clock_time_is_refused_by_name(value):
    assert invalid_hhmm(series([value])).tolist() == [True]
    with pytest.raises(ValueError, match=rf"not clock times written hhmm: {value}"):
        hhmm_to_minutes(series([517, value]))


def test_2400_is_midnight_at_the_start_of_the_next_day():
    stamps = local_timestamps(
        pd.Series([2013, 2013]),
        pd.Series([1, 12]),
        pd.Series([31, 31]),
        hhmm_to_minutes(series([2400, 517])),
    )
    assert stamps.tolist() == [pd.Timestamp("2013-02-01 00:00"), pd.Timestamp("2013-12-31 05:17")]
