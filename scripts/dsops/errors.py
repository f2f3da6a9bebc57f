"""Errors a user can cause and fix; the CLI prints them as one message, never a traceback."""


class DsopsError(Exception):
    """A problem with the user's input or environment, with a message saying what to do."""


class DataValidationError(DsopsError):
    """The input data does not satisfy its schema."""
