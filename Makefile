# Two commands for a newcomer: `make run` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: run install dev test lint typecheck format migrate sync soak bench schema clean tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

$(STAMP_RUN): setup.cfg setup.py | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(STAMP_DEV): setup.cfg setup.py | $(BIN)/python
	$(PIP) install --quiet -e '.[dev,integrations]'
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
dev: $(STAMP_DEV)

## make run: install, migrate, serve on $$PORT (3000); embedded PostgreSQL when DATABASE_URL is unset
run: install
	$(BIN)/effect-models serve

migrate: install
	$(BIN)/effect-models migrate

sync: install
	$(BIN)/effect-models sync

## make test: lint, type-check, then the whole suite against real PostgreSQL and Redis
test: dev lint typecheck tools
	.ci/with-private-tmp $(BIN)/python -m pytest $(PYTEST_ARGS)

# promtool + prometheus for tests/integrations, unpacked under .cache/ (skips if unavailable)
tools:
	bash bench/prometheus_tools.sh

lint: dev
	$(BIN)/ruff check server schema sync migrations tests bench
	$(BIN)/ruff format --check server schema sync migrations tests bench
	$(BIN)/lint-imports

typecheck: dev
	$(BIN)/mypy

format: dev
	$(BIN)/ruff format server schema sync migrations tests bench
	$(BIN)/ruff check --fix server schema sync migrations tests bench

soak: dev
	SOAK=1 .ci/with-private-tmp $(BIN)/python -m pytest tests/reliability $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
