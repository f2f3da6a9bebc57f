"""dsops: the pipeline, models and checks behind the DevOps-for-data-science site."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dsops")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
