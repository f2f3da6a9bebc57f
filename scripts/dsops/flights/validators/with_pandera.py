"""The flights rules as a pandera schema: one `Column` per column, with its type, its
checks and whether it may be missing. `check` returns pandera's own messages."""

import pandas as pd
import pandera.pandas as pa

from dsops.flights.validators.rules import ALLOWED, COLUMNS, KEY, NULLABLE, RANGES


def _checks(column: str) -> list[pa.Check]:
    checks = []
    if column in RANGES:
        checks.append(pa.Check.in_range(*RANGES[column]))
    if column in ALLOWED:
        checks.append(pa.Check.isin(ALLOWED[column]))
    return checks


SCHEMA = pa.DataFrameSchema(
    {
        column: pa.Column(dtype, _checks(column), nullable=column in NULLABLE, unique=column == KEY)
        for column, dtype in COLUMNS.items()
    },
    name="cleaned flights (rule set)",
)


def check(frame: pd.DataFrame) -> list[str]:
    """pandera's message for each failed check (all checks run: lazy); none if the
    table keeps every rule."""
    try:
        SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as failed:
        return [str(error) for error in failed.schema_errors]
    return []
