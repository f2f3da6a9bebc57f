"""Every path the project uses, built from the package location so nothing hard-codes one."""

from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]

DATA_DIR = PROJ_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"

RAW_PENGUINS = RAW_DIR / "penguins-raw.csv"
RAW_MANIFEST = RAW_DIR / "SHA256SUMS"

PENGUINS_PARQUET_NAME = "penguins.parquet"
PENGUINS_DUCKDB_NAME = "penguins.duckdb"
PENGUINS_TABLE = "penguins"
PROCESSED_PARQUET = PROCESSED_DIR / PENGUINS_PARQUET_NAME
PROCESSED_DUCKDB = PROCESSED_DIR / PENGUINS_DUCKDB_NAME

# Model artifacts are build products: written while the model page executes,
# published with the site, never committed.
MODELS_DIR = PROJ_ROOT / "models"
BODY_MASS_MODEL_DIR = MODELS_DIR / "body-mass"

ANALYSES_DIR = PROJ_ROOT / "analyses"
SITE_DIR = PROJ_ROOT / "site"
QUARTO_VERSION_FILE = PROJ_ROOT / "QUARTO_VERSION"

# One seed for every random step, so two builds show the same numbers.
SEED = 20071111


def quarto_version() -> str:
    """The single pinned Quarto version, read from the QUARTO_VERSION file."""
    return QUARTO_VERSION_FILE.read_text(encoding="utf-8").strip()
