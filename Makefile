# The two commands of the README: `make demo` and `make test`. Both create .venv
# and install what they need; nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test lint typecheck unit docs bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml (or, for make demo's, this file) changes.
$(VENV)/.core: pyproject.toml Makefile | $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[sql,excel]'
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.core

demo: $(VENV)/.core
	$(BIN)/xueji demo

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.dev
	$(BIN)/mypy --strict src

unit: $(VENV)/.dev
	$(BIN)/pytest

# The documentation site (mkdocs.yml): --strict turns a broken link or a page missing
# from the nav into a failure. Built into site/ (git-ignored); needs no network. Not
# --quiet: it hides the warnings from the strict count, and a broken link would pass.
docs: $(VENV)/.dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site

test: lint typecheck unit docs

bench: $(VENV)/.dev
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis site
