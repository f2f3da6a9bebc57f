"""The cleaned penguins table as pages read it: Parquet in, a DataFrame out.

Reading processed data needs neither the schemas (pandera) nor the models, so a page
that only shows data pays only for pandas and pyarrow.
"""

from pathlib import Path

import pandas as pd

from dsops.shared import paths
from dsops.shared.errors import MissingArtifactError


def load_penguins(path: Path = paths.PROCESSED_PARQUET) -> pd.DataFrame:
    """The cleaned penguins table that `dsops etl` wrote."""
    if not path.is_file():
        raise MissingArtifactError(path, "make data")
    return pd.read_parquet(path)
