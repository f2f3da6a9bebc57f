"""Errors a user can cause and fix; the CLI prints them as one message, never a traceback."""

from pathlib import Path


class DsopsError(Exception):
    """A problem with the user's input or environment, with a message saying what to do."""


class DataValidationError(DsopsError):
    """The input data does not satisfy its schema."""


class MissingArtifactError(DsopsError):
    """A build product (processed data, a model) that a pipeline step has not written yet."""

    def __init__(self, what: Path | str, make_target: str) -> None:
        self.make_target = make_target
        super().__init__(f"{what} does not exist yet: run `{make_target}` to build it.")
