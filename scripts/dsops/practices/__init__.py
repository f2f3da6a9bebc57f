"""The DevOps practice pages: delivery metrics read from git history, environments as
code (the lock file, an offline wheelhouse), the project's import graph, the site's
deployment gates read from its workflows, and model promotion and rollback."""
