"""Every path the project uses, in one place, so no page, step or test hard-codes one.

The project root is found once, in this order:
1. the environment variable ``DSOPS_PROJ_ROOT`` (as cookiecutter-data-science lets a
   ``.env`` do), for an installed (non-editable) copy of the package or another checkout;
2. the source tree this module sits in (``scripts/dsops/shared/paths.py``), the usual
   editable install;
3. the nearest folder above the working directory that holds ``_quarto.yml``.
"""

import os
from pathlib import Path

ROOT_ENV = "DSOPS_PROJ_ROOT"
ROOT_MARKER = "_quarto.yml"


def find_project_root(
    environ: os._Environ | dict[str, str] = os.environ, start: Path | None = None
) -> Path:
    """The project root by the rules in the module docstring.

    An override that is not a project folder is returned anyway: every command then
    names the missing file it looked for, which says more than a failure on import.
    """
    override = environ.get(ROOT_ENV, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    source_tree = Path(__file__).resolve().parents[3]
    if (source_tree / ROOT_MARKER).is_file():
        return source_tree
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ROOT_MARKER).is_file():
            return folder
    return here


PROJ_ROOT = find_project_root()

DATA_DIR = PROJ_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
BENCHMARKS_DIR = DATA_DIR / "benchmarks"

# Penguins: the raw LTER export and what `dsops etl` makes of it.
RAW_PENGUINS_DIR = RAW_DIR / "penguins"
RAW_PENGUINS = RAW_PENGUINS_DIR / "penguins-raw.csv"
RAW_PENGUINS_MANIFEST = RAW_PENGUINS_DIR / "SHA256SUMS"
PENGUINS_PARQUET_NAME = "penguins.parquet"
PENGUINS_DUCKDB_NAME = "penguins.duckdb"
PENGUINS_TABLE = "penguins"
PROCESSED_PARQUET = PROCESSED_DIR / PENGUINS_PARQUET_NAME
PROCESSED_DUCKDB = PROCESSED_DIR / PENGUINS_DUCKDB_NAME

# NYC flights 2013: the five raw tables and the database `dsops flights-etl` loads.
RAW_FLIGHTS_DIR = RAW_DIR / "flights"
FLIGHTS_DUCKDB_NAME = "flights.duckdb"
FLIGHTS_DUCKDB = PROCESSED_DIR / FLIGHTS_DUCKDB_NAME

# The model store: a pins folder board written only by `dsops train` (make train),
# published with the site through `project.resources`, never committed.
MODELS_DIR = PROJ_ROOT / "models"

ANALYSES_DIR = PROJ_ROOT / "analyses"
TEMPLATES_DIR = PROJ_ROOT / "templates"
SITE_DIR = PROJ_ROOT / "site"
QUARTO_VERSION_FILE = PROJ_ROOT / "QUARTO_VERSION"

# One seed for every random step, so two builds show the same numbers.
SEED = 20071111


def quarto_version() -> str:
    """The single pinned Quarto version, read from the QUARTO_VERSION file."""
    return QUARTO_VERSION_FILE.read_text(encoding="utf-8").strip()


def project_relative(path: Path) -> str:
    """A path as a user should read it: relative to the project root when inside it."""
    path = Path(path)
    resolved = path.resolve() if path.is_absolute() else (Path.cwd() / path).resolve()
    if resolved.is_relative_to(PROJ_ROOT):
        return resolved.relative_to(PROJ_ROOT).as_posix()
    return str(path)
