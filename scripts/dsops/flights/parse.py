"""Parsers for the flights' clock times: pure functions on pandas Series, each with the
invariants its property tests state (tests/test_flights_parse.py)."""

import pandas as pd

MINUTES_PER_DAY = 24 * 60


def invalid_hhmm(values: pd.Series) -> pd.Series:
    """Which values are not a clock time written hhmm: hours 0-24, minutes 0-59, and
    24 only as 2400 (midnight at the end of the day). Missing values are not invalid."""
    hours, minutes = values // 100, values % 100
    valid = (values >= 0) & (minutes <= 59) & ((hours <= 23) | (values == 2400))
    return (~valid).fillna(False).astype(bool)


def hhmm_to_minutes(values: pd.Series) -> pd.Series:
    """Minutes after midnight of an hhmm clock time (517 -> 317): 0 to 1439, and 2400
    -> 1440, the midnight that ends the day; missing stays missing. Raises ValueError
    naming the first invalid values."""
    bad = invalid_hhmm(values)
    if bad.any():
        shown = ", ".join(str(v) for v in values[bad].head(5))
        raise ValueError(f"not clock times written hhmm: {shown}")
    return (values // 100 * 60 + values % 100).astype("Int64")


def minutes_to_hhmm(minutes: pd.Series) -> pd.Series:
    """The inverse of hhmm_to_minutes: 317 -> 517, 1440 -> 2400."""
    return (minutes // 60 * 100 + minutes % 60).astype("Int64")


def local_timestamps(
    year: pd.Series, month: pd.Series, day: pd.Series, minutes: pd.Series
) -> pd.Series:
    """Wall-clock times as written (no time zone): the date plus minutes after its
    midnight, so 2400 on 1 January is 00:00 on 2 January."""
    dates = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))
    return (dates + pd.to_timedelta(minutes.astype("float64"), unit="min")).astype("datetime64[us]")
