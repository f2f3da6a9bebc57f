"""The DevOps practice pages: delivery metrics read from git history, environments as
code (the lock file, an offline wheelhouse), the project's import graph, the site's
deployment gates read from its workflows, model promotion and rollback, drift
monitoring, the model API's container image built with podman, git merges of pages and
notebooks, schema migrations, data versioning with DVC, and the repository's security
checks."""
