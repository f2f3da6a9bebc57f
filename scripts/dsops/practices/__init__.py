"""The DevOps practice pages: delivery metrics read from git history, environments as
code (the lock file, an offline wheelhouse), and the project's import graph."""
