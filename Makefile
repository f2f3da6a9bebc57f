# One task runner for everyone: the README, .ci/run and the GitHub workflows call these targets.
# `make site` and `make test` do all the set-up on a fresh machine (Python >= 3.11, pip, make).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

UV_VERSION := 0.13.8
QUARTO_VERSION := $(shell cat QUARTO_VERSION)
PYTHON ?= python3
TOOLS := .tools
# uv from PATH if there is one, else a private copy installed by `make setup`
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/uv/bin/uv)
RUN := $(UV) run --locked --no-sync
export QUARTO_PYTHON := $(CURDIR)/.venv/bin/python

RAW := data/raw/penguins-raw.csv
PARQUET := data/processed/penguins.parquet
DUCKDB := data/processed/penguins.duckdb
ETL_SOURCES := $(wildcard scripts/dsops/etl.py scripts/dsops/schema.py scripts/dsops/config.py scripts/dsops/files.py)

.PHONY: help setup data quarto site preview test test-render ci-summary lint format clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	@echo "uv not found: installing uv $(UV_VERSION) into $(TOOLS)/uv"
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/uv "uv==$(UV_VERSION)" \
	  || { echo "error: could not install uv with '$(PYTHON) -m pip'. Install uv (https://docs.astral.sh/uv/) and run make again." >&2; exit 1; }

setup: $(UV) ## Install uv if missing and sync the locked environment (.venv)
	@$(UV) sync --locked --inexact --quiet

data: setup $(PARQUET) $(DUCKDB) ## Run the data pipeline if its outputs are missing or stale

$(PARQUET): $(RAW) $(ETL_SOURCES) uv.lock
	$(RUN) dsops etl --raw $(RAW) --out $(@D)

$(DUCKDB): $(PARQUET)
	@test -f $@ || $(RUN) dsops etl --raw $(RAW) --out $(@D)

quarto: setup ## Make sure the pinned Quarto is available (installs quarto-cli from PyPI if missing)
	@$(RUN) dsops ensure-quarto --uv "$(UV)"

site: data quarto ## Build the whole site into site/ (every page executed)
	$(RUN) quarto render

preview: data quarto ## Live preview with quarto preview
	$(RUN) quarto preview

test: data ## Run the whole test suite (render tests skip, saying why, where Quarto is missing)
	@$(RUN) dsops ensure-quarto --uv "$(UV)" --optional
	$(RUN) pytest $(PYTEST_ARGS)

test-render: data quarto ## Only the render tests, against the site/ that `make site` built
	DSOPS_RENDERED_SITE=site DSOPS_REQUIRE_QUARTO=1 $(RUN) pytest -m render $(PYTEST_ARGS)

ci-summary: setup ## Markdown summary of a CI job (tests, pages built, preview link)
	@$(RUN) dsops ci-summary $(SUMMARY_ARGS)

lint: setup ## ruff lint and format checks (code and pages' tooling)
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: setup ## Apply ruff's fixes and formatting
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean: ## Remove build products (site, processed data, models, caches); raw data is untouched
	rm -rf site .quarto models data/processed/*.parquet data/processed/*.duckdb .pytest_cache .ruff_cache
