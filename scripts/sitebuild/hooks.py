"""Checks run by pre-commit's local hooks (`.pre-commit-config.yaml`), from the project
environment, since hook repositories cannot be cloned on the build machines.

    python -m sitebuild.hooks check-yaml FILE...
    python -m sitebuild.hooks large-files FILE...
    python -m sitebuild.hooks large-raw-files FILE...
"""

import sys
from pathlib import Path

import yaml

MAX_BYTES = 500 * 1024  # data worth more belongs in a package or a data store, not git
# Raw datasets are kept exactly as shipped (data/raw/<dataset>/, each file in a manifest),
# which a few small public datasets exceed; anything past this belongs in a data store.
RAW_MAX_BYTES = 10 * 1024 * 1024


def check_yaml(files: list[Path]) -> list[str]:
    """One line per file that does not parse as YAML."""
    problems = []
    for path in files:
        try:
            list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            problems.append(f"{path}: not valid YAML: {' '.join(str(err).split())}")
    return problems


def large_files(files: list[Path], limit: int = MAX_BYTES) -> list[str]:
    """One line per file over the size limit."""
    return [
        f"{path}: {path.stat().st_size:,} bytes, over the {limit:,}-byte limit for the "
        "repository: keep large data out of git (see data/raw/README.md)"
        for path in files
        if path.is_file() and path.stat().st_size > limit
    ]


def large_raw_files(files: list[Path]) -> list[str]:
    """One line per raw data file over the raw data's size limit."""
    return large_files(files, RAW_MAX_BYTES)


CHECKS = {"check-yaml": check_yaml, "large-files": large_files, "large-raw-files": large_raw_files}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in CHECKS:
        print(f"usage: python -m sitebuild.hooks {{{','.join(CHECKS)}}} FILE...", file=sys.stderr)
        return 2
    problems = CHECKS[argv[0]]([Path(a) for a in argv[1:]])
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
