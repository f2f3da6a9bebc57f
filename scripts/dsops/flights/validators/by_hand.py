"""The flights rules checked by hand: plain pandas, one `if` per rule, one sentence per
broken rule naming the column, what is wrong and a few of the offending values."""

import pandas as pd

from dsops.flights.validators.rules import ALLOWED, COLUMNS, KEY, NULLABLE, RANGES

EXAMPLES = 3  # offending values quoted per message


def _examples(values: pd.Series) -> str:
    shown = ", ".join(repr(v) for v in values.head(EXAMPLES).tolist())
    more = f" and {len(values) - EXAMPLES} more" if len(values) > EXAMPLES else ""
    return f"{shown}{more}"


def check(frame: pd.DataFrame) -> list[str]:
    """A message per broken rule; none if the table keeps them all."""
    problems = []
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    present = {column: dtype for column, dtype in COLUMNS.items() if column in frame.columns}
    for column, dtype in present.items():
        if str(frame[column].dtype) != dtype:
            problems.append(f"{column}: type is {frame[column].dtype}, expected {dtype}")
            continue  # its values cannot be judged as numbers or codes
        values = frame[column]
        if column not in NULLABLE and values.isna().any():
            problems.append(f"{column}: {int(values.isna().sum())} missing values")
        repeated = values.dropna()[values.dropna().duplicated()]
        if column == KEY and len(repeated):
            problems.append(f"{column}: repeated key values {_examples(repeated)}")
        if column in RANGES:
            low, high = RANGES[column]
            outside = values[(values < low) | (values > high)].dropna()
            if len(outside):
                problems.append(f"{column}: values outside {low} to {high}: {_examples(outside)}")
        if column in ALLOWED:
            unknown = values[~values.isin(ALLOWED[column]) & values.notna()]
            if len(unknown):
                problems.append(f"{column}: unknown codes {_examples(unknown)}")
    return problems
