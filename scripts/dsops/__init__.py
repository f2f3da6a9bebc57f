"""dsops: the code the site's pages import, grouped by domain.

- `dsops.shared`: paths, errors, files, plotting theme, tables, pipeline runner,
  model store, benchmark records;
- `dsops.penguins`: the penguins data, its ETL, exploration and model;
- `dsops.flights`: the NYC flights tables, their cleaning steps and incremental ETL;
- `dsops.practices`: the DevOps practice pages' demos (delivery metrics from git
  history, environments, the import graph);
- `dsops.cli`: the `dsops` command, a thin layer over the above and `sitebuild`.

The layers are enforced by import-linter (`make lint`, `[tool.importlinter]`).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dsops")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
