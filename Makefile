# One task runner for everyone: the README, .ci/run and the GitHub workflows call these targets.
# `make site` and `make test` do all the set-up on a fresh machine (Python >= 3.11, pip, make).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

UV_REQUIREMENTS := tools/uv-requirements.txt
UV_VERSION := $(shell sed -n 's/^uv==\([^ ]*\).*/\1/p' $(UV_REQUIREMENTS))
QUARTO_VERSION := $(shell cat QUARTO_VERSION)
PYTHON ?= python3
TOOLS := .tools
# uv from PATH if there is one, else a private copy installed by `make setup` from
# PyPI with pinned hashes; CI sets UV=.tools/uv/bin/uv to always use that copy.
UV ?= $(shell command -v uv 2>/dev/null || echo $(TOOLS)/uv/bin/uv)
RUN := $(UV) run --locked --no-sync
export QUARTO_PYTHON := $(CURDIR)/.venv/bin/python

RAW := data/raw/penguins/penguins-raw.csv
PARQUET := data/processed/penguins.parquet
DUCKDB := data/processed/penguins.duckdb
SHARED_SOURCES := $(wildcard scripts/dsops/shared/*.py)
ETL_SOURCES := $(wildcard scripts/dsops/penguins/etl.py scripts/dsops/penguins/schema.py scripts/dsops/penguins/columns.py) $(SHARED_SOURCES)
# Each pipeline step appends its log records to this file as JSON lines, with its run id
# and timings (`dsops --log-file`; DSOPS_RUN_ID gives the steps of one build one id).
PIPELINE_LOG ?= logs/pipeline.jsonl
DSOPS := $(RUN) dsops --log-file $(PIPELINE_LOG)
# The model store (models/, a pins board) is written only by `dsops train`. The stamp
# lives outside the board (a stray file in a board root breaks pins' pin_search), and is
# dropped when the store has no such model, so deleting models/ also retrains.
MAKE_STATE := .make
MODEL_STAMP := $(MAKE_STATE)/trained-penguin-body-mass
ifeq ($(wildcard models/penguin-body-mass/*/data.txt),)
$(shell rm -f $(MODEL_STAMP))
endif
FLIGHTS_RAW := $(wildcard data/raw/flights/*)
FLIGHTS_DB := data/processed/flights.duckdb
FLIGHTS_SOURCES := $(wildcard scripts/dsops/flights/*.py) $(SHARED_SOURCES)
TRAIN_SOURCES := $(wildcard scripts/dsops/penguins/model.py scripts/dsops/penguins/train.py scripts/dsops/penguins/data.py) $(SHARED_SOURCES)
DELAYS_STAMP := $(MAKE_STATE)/trained-flight-delays
ifeq ($(wildcard models/flight-delays/*/data.txt),)
$(shell rm -f $(DELAYS_STAMP))
endif
DELAYS_SOURCES := $(wildcard scripts/dsops/flights/delays.py scripts/dsops/flights/delay_model.py scripts/dsops/flights/explore.py) $(SHARED_SOURCES)

.PHONY: help setup data train quarto quarto-release site preview test test-render bench ci-summary lint \
	format clean browser-tools chromium browser-check lighthouse postgresql security security-data

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	@echo "uv not found: installing uv $(UV_VERSION) into $(TOOLS)/uv"
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
	  --target $(TOOLS)/uv -r $(UV_REQUIREMENTS) \
	  || { echo "error: could not install uv with '$(PYTHON) -m pip'. Install uv (https://docs.astral.sh/uv/) and run make again." >&2; exit 1; }

setup: $(UV) ## Install uv if missing and sync the locked environment (.venv)
	@$(UV) sync --locked --inexact --quiet --compile-bytecode

data: setup $(PARQUET) $(DUCKDB) $(FLIGHTS_DB) ## Run the data pipelines if their outputs are missing or stale

$(PARQUET): $(RAW) $(ETL_SOURCES) uv.lock
	$(DSOPS) etl --raw $(RAW) --out $(@D)

$(DUCKDB): $(PARQUET)
	@test -f $@ || $(DSOPS) etl --raw $(RAW) --out $(@D)

# The flights ETL itself skips the months whose input and code did not change; the
# touch tells make the database is current when it had nothing to do.
$(FLIGHTS_DB): $(FLIGHTS_RAW) $(FLIGHTS_SOURCES) uv.lock
	$(DSOPS) flights-etl --raw data/raw/flights --out $(@D)
	@touch $@

train: data $(MODEL_STAMP) $(DELAYS_STAMP) ## Train and store the models if their inputs changed (the model store)

$(MODEL_STAMP): $(PARQUET) $(TRAIN_SOURCES) uv.lock
	$(DSOPS) train
	@mkdir -p $(@D) && touch $@

$(DELAYS_STAMP): $(FLIGHTS_DB) $(DELAYS_SOURCES) uv.lock
	$(RUN) dsops train-delays
	@mkdir -p $(@D) && touch $@

quarto: setup ## Make sure the pinned Quarto is available (installs quarto-cli from PyPI if missing)
	@$(RUN) sitebuild ensure-quarto --uv "$(UV)"

# CI (Linux, x86-64): the pinned Quarto's release archive, kept in QUARTO_CACHE (which CI
# caches), unpacked and linked into .venv only if its SHA-256 is the one pinned in
# tools/quarto-SHA256SUMS.
QUARTO_CACHE ?= $(TOOLS)/quarto
quarto-release: setup ## Install the pinned Quarto's release archive into .venv after checking its SHA-256 (CI)
	@$(RUN) sitebuild install-quarto-release --cache $(QUARTO_CACHE)

site: train quarto ## Build the whole site into site/ (every page executed)
	$(RUN) quarto render

preview: train quarto ## Live preview with quarto preview
	$(RUN) quarto preview

# QUARTO=skip (the CI test job) neither looks for nor installs Quarto: rendering happens
# once, in the build job, whose `make test-render` runs the render tests.
QUARTO ?= optional
test: train ## Run the whole test suite (render and browser tests skip, saying why, where their tools are missing)
	@if [ "$(QUARTO)" != skip ]; then $(RUN) sitebuild ensure-quarto --uv "$(UV)" --optional; fi
	@$(MAKE) -k browser-tools || echo "note: the browser tools are not all installed (see above): the browser tests will skip, saying why."
	@$(MAKE) postgresql || echo "note: PostgreSQL is not installed (see above): the database tests will skip, saying why (under CI=true they fail)."
	$(RUN) pytest -n 2 --durations=20 $(PYTEST_ARGS)

test-render: train quarto ## Only the render tests, against the site/ that `make site` built
	DSOPS_RENDERED_SITE=site DSOPS_REQUIRE_QUARTO=1 $(RUN) pytest -m render $(PYTEST_ARGS)

# The browser checks: Lighthouse and axe-core from npm (exact versions in tools/browser's
# package.json and package-lock.json, installed by `npm ci`), and a Chromium from the
# system's packages (Playwright drives it; it never downloads a browser). CHROME_PATH
# names another Chrome or Chromium (GitHub's runners: their preinstalled Google Chrome).
BROWSER_TOOLS := tools/browser
BROWSER_STAMP := $(BROWSER_TOOLS)/node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium
SITE_DIR ?= site
LIGHTHOUSE_JSON ?= .reports/lighthouse.json
# apt-get only as root on a machine that has it (a fresh Debian); elsewhere, say how.
AS_ROOT_WITH_APT = [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null
# $(call apt_install,PACKAGES,MESSAGE): shell lines that install Debian's PACKAGES with
# apt-get where that is allowed, or else print "error: MESSAGE" and fail.
apt_install = if $(AS_ROOT_WITH_APT); then \
	    echo "installing Debian's $(1)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1); \
	  else \
	    echo "error: $(2)" >&2; exit 1; \
	  fi

browser-tools: $(BROWSER_STAMP) chromium ## Install what the browser checks need: Lighthouse and axe-core (npm ci), Chromium if missing

$(BROWSER_STAMP): $(BROWSER_TOOLS)/package.json $(BROWSER_TOOLS)/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  $(call apt_install,nodejs npm,npm is not installed: install Node.js 18.16 or newer with npm (Debian: sudo apt-get install nodejs npm) and run make browser-tools.); \
	fi
	cd $(BROWSER_TOOLS) && npm ci --no-audit --no-fund
	@touch $@

chromium: ## Make sure Chromium (or CHROME_PATH) is there; as root with apt-get, install Debian's chromium
	@if [ -n "$${CHROME_PATH:-}" ]; then \
	  [ -x "$$CHROME_PATH" ] || { echo "error: CHROME_PATH=$$CHROME_PATH is not an executable: point it at Chrome or Chromium, or unset it to use $(CHROMIUM)." >&2; exit 1; }; \
	elif [ ! -x $(CHROMIUM) ]; then \
	  $(call apt_install,chromium,Chromium is not installed at $(CHROMIUM): install it (Debian: sudo apt-get install chromium) or set CHROME_PATH to a Chrome or Chromium executable.); \
	fi

# PostgreSQL's server programs for the database tests, which start a throwaway server
# in a temporary folder (tests/conftest.py); Debian keeps them in
# /usr/lib/postgresql/<version>/bin. Under CI=true those tests fail rather than skip.
postgresql: ## Make sure PostgreSQL's server programs are there; as root with apt-get, install Debian's postgresql
	@if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  $(call apt_install,postgresql,PostgreSQL is not installed: install its server (Debian: sudo apt-get install postgresql) to run the database tests.); \
	fi

browser-check: setup browser-tools ## Open every page of SITE_DIR (default site/) in Chromium: light, dark, phone; console, requests, axe-core
	$(RUN) sitebuild browser-check $(SITE_DIR)

lighthouse: setup browser-tools ## Lighthouse (mobile, median of 3 runs) on every page of SITE_DIR; scores to LIGHTHOUSE_JSON
	$(RUN) sitebuild lighthouse $(SITE_DIR) --json $(LIGHTHOUSE_JSON) $(LIGHTHOUSE_ARGS)

bench: train ## Measure the pipeline steps and write data/benchmarks/*.json
	$(RUN) dsops bench
	$(RUN) sitebuild bench

# Needs podman and mmdebstrap (Debian: apt-get install podman mmdebstrap): not part of
# `make bench` or `make test`, since a cold build downloads the locked packages.
.PHONY: image
image: train ## Build the model API's container image with podman; record layers and sizes
	$(RUN) dsops build-image

ci-summary: setup ## Markdown summary of a CI job (tests, pages built, preview link)
	@$(RUN) sitebuild ci-summary $(SUMMARY_ARGS)

security: setup ## bandit, detect-secrets and zizmor against their baselines (security/, .github/zizmor.yml)
	$(RUN) dsops security-check

security-data: train ## No sensitive column or value in the processed data, models or site; the audit log's chain holds
	$(RUN) dsops check-sensitive
	$(RUN) dsops verify-audit

lint: setup ## The pre-commit hooks on every file: ruff, formatting, YAML, large files, uv.lock, import contracts
	UV="$(UV)" $(RUN) pre-commit run --all-files --show-diff-on-failure

format: setup ## Apply ruff's fixes and formatting
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean: ## Remove build products (site, processed data, models, caches); raw data is untouched
	rm -rf site .quarto models logs $(MAKE_STATE) data/processed/*.parquet data/processed/*.duckdb .pytest_cache .ruff_cache
	rm -f data/processed/.*.tmp data/processed/.*.tmp.wal data/processed/.*.old  # what a killed run left
