# Two commands for a new user: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PORT ?= 8000

.PHONY: run test test-fast install install-dev lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

run: install
	-scripts/system-packages.sh
	$(BIN)/carbonms init
	$(BIN)/carbonms demo
	$(BIN)/carbonms serve --host 127.0.0.1 --port $(PORT)

lint: install-dev
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations
	$(BIN)/mypy

# Both cores (pytest-xdist); loadgroup keeps each xdist_group (a module sharing state) on one worker.
PYTEST_PARALLEL := -n 2 --dist loadgroup

test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_PARALLEL) --durations=10

# The developer's lane: everything but the tests marked slow (schemathesis, crash, access matrix, browser, ...).
test-fast: install-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_PARALLEL) -m "not slow"

# The scale-out stack (CARBONMS_TEST_STACK=scaleout, tests/conftest.py): on PostgreSQL only, files in S3 (a SeaweedFS
# the suite starts on 127.0.0.1), the search index in PostgreSQL, Redis configured; the whole suite, tests/web and its
# browser tests included, and the two-process test. .ci/run runs it after `make test`. Tests about the embedded
# default itself (the Whoosh files) stay on it by the mechanism of tests/search/conftest.py, and still run.
SCALEOUT_AREAS := tests
.PHONY: test-scaleout
test-scaleout: install-dev
	CARBONMS_TEST_STACK=scaleout $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_PARALLEL) --durations=5 $(SCALEOUT_AREAS)

clean:
	rm -rf $(VENV) var .pytest_cache
