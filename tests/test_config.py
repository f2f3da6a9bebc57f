import re

from dsops import config


def test_project_root_is_the_repository_root():
    assert (config.PROJ_ROOT / "pyproject.toml").is_file()
    assert (config.PROJ_ROOT / "_quarto.yml").is_file()


def test_every_path_lives_under_the_project_root():
    for name in [
        "RAW_PENGUINS",
        "RAW_MANIFEST",
        "PROCESSED_PARQUET",
        "PROCESSED_DUCKDB",
        "BODY_MASS_MODEL_DIR",
        "SITE_DIR",
        "QUARTO_VERSION_FILE",
    ]:
        assert getattr(config, name).is_relative_to(config.PROJ_ROOT), name


def test_processed_outputs_sit_in_the_processed_folder():
    assert config.PROCESSED_PARQUET.parent == config.PROCESSED_DIR
    assert config.PROCESSED_DUCKDB.parent == config.PROCESSED_DIR


def test_quarto_version_is_a_single_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", config.quarto_version())
