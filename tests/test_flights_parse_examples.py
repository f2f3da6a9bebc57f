"""Examples for the clock-time parsers, next to the properties of test_flights_parse.py:
a fixture, parametrised cases, and the exact message and type the properties leave
open (each of these tests kills mutants the properties let survive; see
analyses/recipes/infrastructure-tests.qmd)."""

import pandas as pd
import pytest

from dsops.flights.parse import hhmm_to_minutes, minutes_to_hhmm


@pytest.fixture
def departures() -> pd.Series:
    """Clock times as the flights file writes them: hhmm integers, one missing."""
    return pd.Series([517, 533, 542, None, 2400], dtype="Int64")


def test_minutes_keep_the_nullable_integer_type(departures):
    minutes = hhmm_to_minutes(departures)
    assert minutes.dtype == "Int64"
    assert minutes_to_hhmm(minutes).dtype == "Int64"
    assert minutes.isna().tolist() == [False, False, False, True, False]


@pytest.mark.parametrize(
    ("hhmm", "minutes"),
    [(0, 0), (1, 1), (59, 59), (100, 60), (517, 317), (2359, 1439), (2400, 1440)],
)
def test_known_clock_times(hhmm, minutes):
    assert hhmm_to_minutes(pd.Series([hhmm], dtype="Int64")).tolist() == [minutes]


def test_the_message_names_the_first_five_bad_values_in_order():
    bad = pd.Series([2561, 60, 517, 2401, 9999, 1260, 1399], dtype="Int64")
    with pytest.raises(ValueError) as raised:
        hhmm_to_minutes(bad)
    assert str(raised.value) == "not clock times written hhmm: 2561, 60, 2401, 9999, 1260"
