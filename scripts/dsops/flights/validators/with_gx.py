"""The flights rules as a Great Expectations suite, run on a pandas DataFrame in an
ephemeral context: nothing is written to disk, no usage statistics are sent (switched
off by GX_ANALYTICS_ENABLED before the import, and in the context), and no progress
bars are drawn. `check` returns one message per failed expectation, from GX's result."""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # before great_expectations loads

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from dsops.flights.validators.rules import ALLOWED, COLUMNS, KEY, NULLABLE, RANGES


def suite() -> gx.ExpectationSuite:
    """One expectation per rule and column. GX names a nullable Int64 column's type
    `int64`, so types are given in lower case."""
    expectations = [gxe.ExpectTableColumnsToMatchSet(column_set=list(COLUMNS), exact_match=False)]
    for column, dtype in COLUMNS.items():
        expectations.append(gxe.ExpectColumnValuesToBeOfType(column=column, type_=dtype.lower()))
        if column not in NULLABLE:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column))
        if column == KEY:
            expectations.append(gxe.ExpectColumnValuesToBeUnique(column=column))
        if column in RANGES:
            low, high = RANGES[column]
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)
            )
        if column in ALLOWED:
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(column=column, value_set=ALLOWED[column])
            )
    return gx.ExpectationSuite(name="cleaned_flights", expectations=expectations)


def batch_definition():
    """A whole-DataFrame batch definition in a fresh in-memory context."""
    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("flights")
    return source.add_dataframe_asset("flights").add_batch_definition_whole_dataframe("all")


def _exceptions(info: dict) -> list[str]:
    """The messages of the exceptions an expectation raised: GX keeps one exception's
    details, or one per metric it could not compute."""
    if "raised_exception" in info:
        return [info["exception_message"]] if info["raised_exception"] else []
    return sorted({detail["exception_message"] for detail in info.values()})


def message(result) -> str:
    """What GX reports about one failed expectation: its type, column and result (or
    the exceptions it raised)."""
    config = result.expectation_config
    where = config.kwargs.get("column", "table")
    raised = _exceptions(result.exception_info)
    if raised:
        return f"{config.type} ({where}): raised {'; '.join(raised)}"
    shown = {
        key: value
        for key, value in result.result.items()
        if key in ("observed_value", "unexpected_count", "partial_unexpected_list", "details")
    }
    return f"{config.type} ({where}): {shown}"


def check(frame: pd.DataFrame, definition=None) -> list[str]:
    """A message per failed expectation; none if the table keeps every rule."""
    batch = (definition or batch_definition()).get_batch(batch_parameters={"dataframe": frame})
    results = batch.validate(suite())
    return [message(result) for result in results.results if not result.success]
